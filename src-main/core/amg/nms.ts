// Greedy box non-maximum suppression as torchvision.ops.nms / batched_nms, which SAM's AMG calls
// with float32 boxes (boxes.float()): box area is (x2 - x1) * (y2 - y1) even though SAM's boxes are
// inclusive, a box is dropped when its IoU with a kept box is strictly greater than the threshold,
// and the arithmetic is float32 (torchvision/csrc/ops/cpu/nms_kernel.cpp) so borderline IoUs round
// the same way. Equal scores keep their input order (a stable sort); torch's sort does not promise
// that, so SAM may keep a different one of two equally scored duplicates.

import { SamanticError } from '../errors';
import type { BoxXYXY } from '../types';

const f32 = Math.fround;

/** Indices sorted by descending score; ties keep index order. NaN scores sort last. */
export function argsortDescending(scores: ArrayLike<number>): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i);
  const key = (i: number) => (Number.isNaN(scores[i]) ? -Infinity : scores[i]);
  return idx.sort((a, b) => key(b) - key(a) || a - b);
}

/** Box IoU with torchvision's float32 arithmetic and area convention. */
export function boxIouF32(a: BoxXYXY, b: BoxXYXY): number {
  const areaA = f32(f32(f32(a[2]) - f32(a[0])) * f32(f32(a[3]) - f32(a[1])));
  const areaB = f32(f32(f32(b[2]) - f32(b[0])) * f32(f32(b[3]) - f32(b[1])));
  const w = Math.max(0, f32(f32(Math.min(a[2], b[2])) - f32(Math.max(a[0], b[0]))));
  const h = Math.max(0, f32(f32(Math.min(a[3], b[3])) - f32(Math.max(a[1], b[1]))));
  const inter = f32(w * h);
  return f32(inter / f32(f32(areaA + areaB) - inter));
}

/**
 * Greedy NMS: visits boxes by descending score, keeps a box unless an already kept box overlaps it
 * with IoU > iouThreshold. Returns kept indices in visiting (descending score) order.
 */
export function nms(boxes: readonly BoxXYXY[], scores: ArrayLike<number>, iouThreshold: number): number[] {
  const n = boxes.length;
  if (scores.length !== n) throw new SamanticError('internal', `nms: ${n} boxes but ${scores.length} scores.`);
  const order = argsortDescending(scores);
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi];
    if (suppressed[i]) continue;
    keep.push(i);
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj];
      // NaN (0/0 for two zero-area boxes) is never > threshold, as in C++.
      if (!suppressed[j] && boxIouF32(boxes[i], boxes[j]) > iouThreshold) suppressed[j] = 1;
    }
  }
  return keep;
}

/**
 * NMS run independently per category (torchvision batched_nms); the kept indices of all categories
 * are returned by descending score. SAM always passes a single category.
 */
export function batchedNms(
  boxes: readonly BoxXYXY[],
  scores: ArrayLike<number>,
  categories: ArrayLike<number>,
  iouThreshold: number,
): number[] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < boxes.length; i++) {
    const g = groups.get(categories[i]);
    if (g) g.push(i);
    else groups.set(categories[i], [i]);
  }
  if (groups.size <= 1) return nms(boxes, scores, iouThreshold);
  const kept: number[] = [];
  for (const members of groups.values()) {
    const local = nms(
      members.map((i) => boxes[i]),
      members.map((i) => scores[i]),
      iouThreshold,
    );
    for (const li of local) kept.push(members[li]);
  }
  kept.sort((a, b) => a - b);
  const order = argsortDescending(kept.map((i) => scores[i]));
  return order.map((o) => kept[o]);
}
