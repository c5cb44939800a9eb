import { describe, expect, it } from 'vitest';
import type { SegmentInfo } from '../../core/api/contract';
import { compressRle } from '../../core/coco/rle';
import { maskToRle } from '../../core/mask';
import { isRight, truthOf, type TruthInstance } from './annotate-truth';

const W = 10;
const H = 4;
function rect(x0: number, x1: number) {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = x0; x < x1; x++) data[y * W + x] = 1;
  return maskToRle({ width: W, height: H, data });
}
function segment(x0: number, x1: number): SegmentInfo {
  const rle = rect(x0, x1);
  return {
    id: 1,
    imageId: 1,
    classId: null,
    bbox: [x0, 0, x1 - x0, H],
    area: (x1 - x0) * H,
    predictedIou: 0.9,
    stabilityScore: 0.9,
    decided: false,
    background: false,
    rle: compressRle(rle) as SegmentInfo['rle'],
  };
}

describe('the annotator ground truth', () => {
  const instances: TruthInstance[] = [
    { category: 'olive', rle: rect(0, 4), bbox: [0, 0, 4, H] },
    { category: 'basil', rle: rect(4, 10), bbox: [4, 0, 6, H] },
  ];

  it('a segment takes the category of the instance it overlaps at IoU >= 0.5, else none', () => {
    expect(truthOf(segment(0, 4), instances)).toBe('olive');
    expect(truthOf(segment(0, 3), instances)).toBe('olive'); // IoU 0.75
    expect(truthOf(segment(4, 9), instances)).toBe('basil');
    expect(truthOf(segment(0, 1), instances)).toBeNull(); // IoU 0.25: a fragment
    expect(truthOf(segment(2, 7), instances)).toBeNull(); // straddles both (IoU 0.29 and 0.375)
  });

  it('right = object in the class named after its category, or non-object out of every class', () => {
    const names = (id: number) => ({ 1: 'olive', 2: 'Class 2' })[id];
    expect(isRight('olive', { classId: 1, removed: false }, names)).toBe(true);
    expect(isRight('olive', { classId: 2, removed: false }, names)).toBe(false);
    expect(isRight('olive', { classId: null, removed: false }, names)).toBe(false);
    expect(isRight('olive', { classId: null, removed: true }, names)).toBe(false);
    expect(isRight(null, { classId: null, removed: false }, names)).toBe(true);
    expect(isRight(null, { classId: null, removed: true }, names)).toBe(true);
    expect(isRight(null, { classId: 1, removed: false }, names)).toBe(false);
  });
});
