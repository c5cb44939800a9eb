import { describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import type { SegmentRecord } from '../labels/model';
import { computeAction } from './registry';
import { roundTrip, sampleState } from './fixtures.testing';

/** A 4 x 3 image (h 3, w 4); `counts` over the column-major order. */
function record(counts: number[], over: Partial<SegmentRecord> = {}): SegmentRecord {
  let area = 0;
  counts.forEach((c, i) => (area += i % 2 ? c : 0));
  return {
    imageId: 1,
    classId: null,
    removed: false,
    source: 'amg',
    rle: { size: [3, 4], counts },
    bbox: [0, 0, 1, 1],
    area,
    predictedIou: 0.9,
    stabilityScore: 0.95,
    point: [0, 0],
    cropBox: [0, 0, 4, 3],
    embedding: [1, 0],
    ...over,
  };
}

describe('mask actions (pure)', () => {
  it('addSegment creates a user segment with its area and bbox from the mask, undoable', () => {
    const state = sampleState();
    // Pixels (1,0), (1,1) and (2,1): column-major indices 3, 4 and 7.
    const { diff } = roundTrip(state, 'addSegment', { segment: record([3, 2, 2, 1, 4], { classId: 2 }) });
    expect(diff).toHaveLength(1);
    const c = diff[0];
    expect(c.type === 'segment' && c.id).toBe(11);
    expect(c.type === 'segment' && c.after).toMatchObject({ source: 'user', area: 3, bbox: [1, 0, 2, 2], classId: 2 });
    expect(state.segments.get(11)).toEqual({ id: 11, classId: 2, removed: false, decided: false, userMade: true });
    expect(state.nextSegmentId).toBe(12);
  });

  it('addSegment into a new class creates the class in the same gesture', () => {
    const state = sampleState();
    const { diff } = roundTrip(state, 'addSegment', { segment: record([0, 1, 11]), newClassName: 'crust' });
    expect(diff.map((c) => c.type)).toEqual(['class', 'segment']);
    expect(state.classes.get(4)?.name).toBe('crust');
    expect(state.segments.get(11)?.classId).toBe(4);
    expect(() => computeAction(sampleState(), 'addSegment', { segment: record([0, 1, 11]), newClassName: 'Cat' })).toThrow(
      /already used by class 1/,
    );
  });

  it("setSegmentMask makes the segment the user's and recomputes area and bbox; undo restores the AMG mask", () => {
    const state = sampleState();
    const current = record([0, 3, 9], { classId: 1 });
    const { diff } = roundTrip(state, 'setSegmentMask', {
      segmentId: 1,
      current,
      rle: { size: [3, 4], counts: [0, 6, 6] },
      embedding: [0, 1],
    });
    const c = diff[0];
    expect(c.type === 'segment' && c.before).toEqual(current);
    expect(c.type === 'segment' && c.after).toMatchObject({ source: 'user', area: 6, bbox: [0, 0, 2, 3], embedding: [0, 1], classId: 1 });
  });

  it('setSegmentMask refuses an empty mask, a wrong size, and a stale record', () => {
    const state = sampleState();
    const current = record([0, 3, 9], { classId: 1 });
    expect(() =>
      computeAction(state, 'setSegmentMask', { segmentId: 1, current, rle: { size: [3, 4], counts: [12] }, embedding: [1] }),
    ).toThrow(/empty/);
    expect(() =>
      computeAction(state, 'setSegmentMask', { segmentId: 1, current, rle: { size: [4, 3], counts: [0, 12] }, embedding: [1] }),
    ).toThrow(/3x4 but the image is 4x3/);
    const stale = record([0, 3, 9], { classId: 2 });
    const err = (() => {
      try {
        computeAction(state, 'setSegmentMask', { segmentId: 1, current: stale, rle: { size: [3, 4], counts: [0, 12] }, embedding: [1] });
      } catch (e) {
        return e as SamanticError;
      }
    })();
    expect(err?.code).toBe('conflict');
    expect(() =>
      computeAction(state, 'setSegmentMask', { segmentId: 99, current, rle: { size: [3, 4], counts: [0, 12] }, embedding: [1] }),
    ).toThrow(/99 does not exist/);
  });

  it('mergeSegments keeps the first with the union of the masks and the first class found; undo restores both', () => {
    const state = sampleState();
    const a = record([0, 3, 9], { classId: null });
    const b = record([3, 3, 6], { classId: null, imageId: 1 });
    state.segments.get(8)!.classId = null;
    const { diff } = roundTrip(state, 'mergeSegments', {
      segments: [
        { id: 8, record: a },
        { id: 10, record: b },
      ],
      embedding: [0.5, 0.5],
    });
    expect(diff.map((c) => c.type === 'segment' && [c.id, c.after === null])).toEqual([
      [10, true],
      [8, false],
    ]);
    const kept = diff[1];
    expect(kept.type === 'segment' && kept.after?.rle.counts).toEqual([0, 6, 6]);
    expect(kept.type === 'segment' && kept.after?.area).toBe(6);
    expect(state.segments.has(10)).toBe(false);
    expect(() =>
      computeAction(sampleState(), 'mergeSegments', {
        segments: [
          { id: 8, record: a },
          { id: 10, record: { ...b, imageId: 2 } },
        ],
        embedding: [1],
      }),
    ).toThrow(/different images/);
    expect(() => computeAction(sampleState(), 'mergeSegments', { segments: [{ id: 8, record: a }], embedding: [1] })).toThrow(/at least 2/);
  });

  it('deleteSegments removes the rows; undo brings them back with their class', () => {
    const state = sampleState();
    roundTrip(state, 'deleteSegments', { segments: [{ id: 1, record: record([0, 3, 9], { classId: 1 }) }] });
    expect(state.segments.has(1)).toBe(false);
  });
});
