import { describe, expect, it } from 'vitest';
import { maskToRle, rleArea, rleBboxCoco } from '../mask';
import { findSameClassParts, type PartCandidate } from '../cluster/parts';
import { learnPartKeepRatio, partEvidence, type PartEvidenceSegment } from './part-rule';

const W = 40;
const H = 30;

/** A segment whose mask is the rectangle [x0, x1) x [y0, y1). */
function rect(x0: number, y0: number, x1: number, y1: number, extra: Partial<PartEvidenceSegment> = {}): PartEvidenceSegment {
  const data = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * W + x] = 1;
  const rle = maskToRle({ width: W, height: H, data });
  return { classId: 3, removed: false, decided: false, bbox: rleBboxCoco(rle), area: rleArea(rle), rle, ...extra };
}

describe('partEvidence', () => {
  it('reads kept duplicates and rejected parts from decided segments only', () => {
    const whole = rect(0, 0, 20, 20); // 400 px, class 3
    const duplicate = rect(0, 0, 20, 18, { decided: true }); // 360 px kept in class 3: ratio 0.9
    const half = rect(0, 0, 10, 20, { decided: true, removed: true, classId: null }); // 200 px background: ratio 0.5
    const undecided = rect(0, 0, 20, 16); // no decision: no evidence
    const otherClass = rect(0, 0, 20, 17, { decided: true, classId: 4 }); // not inside a class-4 segment
    const apart = rect(25, 0, 35, 10, { decided: true }); // inside nothing
    const e = partEvidence([whole, duplicate, half, undecided, otherClass, apart]);
    expect(e.kept).toHaveLength(1);
    expect(e.kept[0]).toBeCloseTo(320 / 360, 5); // its smallest ratio: to the 320-px undecided one
    expect(e.rejected).toHaveLength(1);
    expect(e.rejected[0]).toBeCloseTo(200 / 400, 5);
  });
});

describe('learnPartKeepRatio', () => {
  it('keeps the rule as it is without a kept pair', () => {
    expect(learnPartKeepRatio({ kept: [], rejected: [0.3, 0.6] })).toBeUndefined();
  });

  it('picks the cut that agrees with the most decisions, the largest of equals', () => {
    expect(learnPartKeepRatio({ kept: [0.9, 0.7, 0.8], rejected: [0.2, 0.4] })).toBe(0.7);
    // One rejection above a kept pair: keeping from 0.8 agrees with 3 of 4, from 0.5 with 3 too.
    expect(learnPartKeepRatio({ kept: [0.5, 0.8, 0.9], rejected: [0.6] })).toBe(0.8);
    // Rejections outnumber: leaving every part unassigned agrees best.
    expect(learnPartKeepRatio({ kept: [0.9], rejected: [0.95, 0.97] })).toBeUndefined();
  });

  it('lets findSameClassParts keep near-duplicates at or above the learned ratio', () => {
    const cand = (s: PartEvidenceSegment, score: number): PartCandidate => ({ ...s, imageId: 1, label: 3, score, user: false });
    const whole = cand(rect(0, 0, 20, 20), 0.99);
    const duplicate = cand(rect(0, 0, 20, 18), 0.9); // ratio 0.9
    const half = cand(rect(0, 0, 10, 20), 0.8); // ratio 0.5
    expect(findSameClassParts([whole, duplicate, half])).toEqual([1, 2]);
    expect(findSameClassParts([whole, duplicate, half], { keepAreaRatio: 0.7 })).toEqual([2]);
  });
});
