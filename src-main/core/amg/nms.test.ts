import { describe, expect, it } from 'vitest';
import type { BoxXYXY } from '../types';
import { argsortDescending, batchedNms, boxIouF32, nms } from './nms';

describe('box NMS (torchvision semantics as SAM calls it)', () => {
  it('suppresses only when IoU is strictly above the threshold', () => {
    const a: BoxXYXY = [0, 0, 10, 10];
    // IoU 70 / 100 = 0.7 exactly in float32 terms: 0.69999999 is not > 0.7, so both stay.
    expect(nms([a, [0, 0, 10, 7]], [0.9, 0.8], 0.7)).toEqual([0, 1]);
    // IoU 0.8 > 0.7: the lower-scored box goes.
    expect(nms([a, [0, 0, 10, 8]], [0.9, 0.8], 0.7)).toEqual([0]);
    // The higher score wins regardless of position.
    expect(nms([[0, 0, 10, 8], a], [0.8, 0.9], 0.7)).toEqual([1]);
  });

  it('uses area (x2 - x1) * (y2 - y1), so single-pixel boxes never suppress (0 / 0)', () => {
    expect(boxIouF32([5, 5, 5, 5], [5, 5, 5, 5])).toBeNaN();
    expect(
      nms(
        [
          [5, 5, 5, 5],
          [5, 5, 5, 5],
        ],
        [0.9, 0.8],
        0.7,
      ),
    ).toEqual([0, 1]);
    // Inclusive boxes one pixel apart: [0,0,10,10] vs [1,1,11,11] -> 81 / (100 + 100 - 81).
    expect(boxIouF32([0, 0, 10, 10], [1, 1, 11, 11])).toBeCloseTo(81 / 119, 6);
  });

  it('keeps the first of equal scores (stable order) and returns kept indices by descending score', () => {
    const box: BoxXYXY = [0, 0, 10, 10];
    expect(nms([box, box, box], [0.5, 0.5, 0.5], 0.7)).toEqual([0]);
    expect(
      nms(
        [
          [0, 0, 1, 1],
          [5, 5, 9, 9],
          [20, 20, 30, 30],
        ],
        [0.1, 0.3, 0.2],
        0.5,
      ),
    ).toEqual([1, 2, 0]);
    expect(argsortDescending([0.2, NaN, 0.2, 0.9])).toEqual([3, 0, 2, 1]);
  });

  it('is greedy: a suppressed box does not suppress others', () => {
    // B overlaps A and C heavily, A and C do not overlap: A kept, B dropped, C kept.
    // IoU(A, B) = IoU(B, C) = 70 / 130 = 0.54, IoU(A, C) = 40 / 160 = 0.25.
    const boxes: BoxXYXY[] = [
      [0, 0, 10, 10],
      [3, 0, 13, 10],
      [6, 0, 16, 10],
    ];
    expect(nms(boxes, [0.9, 0.8, 0.7], 0.5)).toEqual([0, 2]);
  });

  it('rounds IoU to float32 like the C++ kernel', () => {
    // IoU = 4045445 / 5779207 = 0.7000000173 > 0.7 in float64, but 0.69999999 in float32.
    const a: BoxXYXY = [0, 0, 2401, 2407];
    const b: BoxXYXY = [0, 0, 1931, 2095];
    expect((1931 * 2095) / (2401 * 2407)).toBeGreaterThan(0.7);
    expect(nms([a, b], [1, 0.5], 0.7)).toEqual([0, 1]);
  });

  it('batched NMS only compares boxes of one category', () => {
    const box: BoxXYXY = [0, 0, 10, 10];
    expect(batchedNms([box, box, box], [0.9, 0.8, 0.95], [0, 1, 0], 0.7)).toEqual([2, 1]);
    expect(batchedNms([box, box], [0.9, 0.8], [0, 0], 0.7)).toEqual([0]);
    expect(batchedNms([], [], [], 0.7)).toEqual([]);
  });
});
