import { describe, expect, it } from 'vitest';
import { maskBoxInclusive, samBoxXYXY } from '../mask/measure';
import { maskToRleInFrame } from '../mask/rle';
import { uncropMask } from './grids';
import { logitsBox, logitsToRleInFrame, stabilityScore, thresholdLogits } from './logits';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('stability score', () => {
  it('is #(logit > t + o) / #(logit > t - o) with strict comparisons', () => {
    // > 1: {2}; > -1: {2, 0.5, -0.5, 1}: the values exactly at +-1 are outside both.
    const l = Float32Array.from([2, 0.5, -0.5, -2, 1, -1]);
    expect(stabilityScore(l, 0, 1)).toBe(Math.fround(1 / 4));
    // A shifted mask threshold moves both cutoffs: > 1.5: {2}; > -0.5: {2, 0.5, 1}.
    expect(stabilityScore(l, 0.5, 1)).toBe(Math.fround(1 / 3));
    expect(stabilityScore(Float32Array.from([3, 3]), 0, 1)).toBe(1);
  });

  it('is NaN when nothing clears the low cutoff, which every threshold filter then rejects', () => {
    const s = stabilityScore(Float32Array.from([-5, -1]), 0, 1);
    expect(s).toBeNaN();
    expect(s >= 0.95).toBe(false);
  });

  it('is a float32 value like torch computes', () => {
    const l = new Float32Array(3).fill(5);
    l[0] = 0.5;
    expect(stabilityScore(l, 0, 1)).toBe(Math.fround(2 / 3));
    expect(stabilityScore(l, 0, 1)).not.toBe(2 / 3);
  });
});

describe('threshold, box and RLE from logits', () => {
  it('thresholds strictly above the mask threshold', () => {
    const m = thresholdLogits(Float32Array.from([0, 0.1, -0.1, 1]), 2, 2, 0);
    expect(Array.from(m.data)).toEqual([0, 1, 0, 1]);
  });

  it("gives SAM's inclusive box, [0,0,0,0] when empty", () => {
    const l = new Float32Array(5 * 4).fill(-1);
    expect(logitsBox(l, 5, 4, 0)).toEqual([0, 0, 0, 0]);
    l[1 * 5 + 2] = 1;
    l[3 * 5 + 4] = 1;
    expect(logitsBox(l, 5, 4, 0)).toEqual([2, 1, 4, 3]);
  });

  it('agrees with threshold + box + uncrop + encode on random crops', () => {
    const rand = rng(9);
    for (let t = 0; t < 200; t++) {
      const w = 1 + Math.floor(rand() * 12);
      const h = 1 + Math.floor(rand() * 12);
      const W = w + Math.floor(rand() * 6);
      const H = h + Math.floor(rand() * 6);
      const x0 = Math.floor(rand() * (W - w + 1));
      const y0 = Math.floor(rand() * (H - h + 1));
      const density = [0, 0.02, 0.3, 1][t % 4];
      const l = Float32Array.from({ length: w * h }, () => (rand() < density ? 1 + rand() : -1 - rand()));
      const mask = thresholdLogits(l, w, h, 0);
      const box = logitsBox(l, w, h, 0);
      expect(box).toEqual(samBoxXYXY(maskBoxInclusive(mask)));
      const expected = maskToRleInFrame(uncropMask(mask, [x0, y0, x0 + w, y0 + h], W, H), 0, 0, W, H);
      expect(logitsToRleInFrame(l, w, h, 0, box, x0, y0, W, H)).toEqual(expected);
    }
  });
});
