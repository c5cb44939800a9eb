// Fewer decoder runs for the same masks: a grid prompt that falls inside the smallest mask another
// prompt of the same crop already produced and kept (it passed the predicted-IoU, stability and
// crop-edge filters) can only find that mask again or a larger one around it, which the grid finds
// from other prompts anyway; it is skipped. Off in SAM's exact generator (AmgOptions.pruneInsideKept).

import type { Rle } from '../types';

/** Whether pixel (x, y) is set in a column-major RLE (COCO order: index x * h + y, zeros first). */
export function rleContains(rle: Rle, x: number, y: number): boolean {
  const [h, w] = rle.size;
  const px = Math.floor(x);
  const py = Math.floor(y);
  if (px < 0 || py < 0 || px >= w || py >= h) return false;
  const target = px * h + py;
  let at = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    at += rle.counts[i];
    if (target < at) return i % 2 === 1;
  }
  return false;
}

/**
 * Per prompt, the index of its smallest kept mask. `points` holds each kept mask's prompt; masks
 * of one prompt share the same point.
 */
export function smallestPerPrompt(points: readonly (readonly [number, number])[], areas: readonly number[]): number[] {
  const best = new Map<string, number>();
  points.forEach((p, i) => {
    const key = `${p[0]},${p[1]}`;
    const b = best.get(key);
    if (b === undefined || areas[i] < areas[b]) best.set(key, i);
  });
  return [...best.values()].sort((a, b) => a - b);
}

/**
 * Marks the prompts from index `from` on that fall inside any of `masks` (RLEs in image pixels;
 * `points` interleaved x, y in image pixels) in `pruned`. Returns how many were newly marked.
 */
export function markPromptsInside(masks: readonly Rle[], points: Float64Array, from: number, pruned: Uint8Array): number {
  let marked = 0;
  for (let j = from; j < pruned.length; j++) {
    if (pruned[j]) continue;
    const x = points[2 * j];
    const y = points[2 * j + 1];
    for (const m of masks) {
      if (rleContains(m, x, y)) {
        pruned[j] = 1;
        marked++;
        break;
      }
    }
  }
  return marked;
}

/** The next batch: up to `size` unpruned prompt indices from `start`; `next` is where to go on. */
export function nextBatch(pruned: Uint8Array, start: number, size: number): { indices: number[]; next: number } {
  const indices: number[] = [];
  let j = start;
  while (j < pruned.length && indices.length < size) {
    if (!pruned[j]) indices.push(j);
    j++;
  }
  return { indices, next: j };
}
