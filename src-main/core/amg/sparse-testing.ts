// Test support for the sparse path's tests (imported by *.test.ts only): a seeded generator and the
// one comparison every exactness test makes, sparse answers against upsampling the whole map.
import { expect } from 'vitest';
import type { DenseLogits } from './logits';
import type { LowResLogits } from './sparse';

/** A tiny LCG (Numerical Recipes constants): enough to scatter values, same on every platform. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/**
 * Stability at (thr, off), box and RLE at thr (the crop placed at (x0, y0) of a frameW x frameH
 * image) must be exactly the dense path's.
 */
export function expectDenseAnswers(
  sparse: LowResLogits,
  dense: DenseLogits,
  thr: number,
  off: number,
  frame: { x0: number; y0: number; w: number; h: number },
): void {
  expect(sparse.stability(thr, off)).toEqual(dense.stability(thr, off));
  const box = dense.box(thr);
  expect(sparse.box(thr)).toEqual(box);
  expect(sparse.rleInFrame(thr, box, frame.x0, frame.y0, frame.w, frame.h)).toEqual(dense.rleInFrame(thr, box, frame.x0, frame.y0, frame.w, frame.h));
}
