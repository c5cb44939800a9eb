// Brush and eraser strokes: a stroke is a polyline of points (original image pixels, continuous
// coordinates) with a radius, and covers exactly the pixels whose CENTRE (x + 0.5, y + 0.5) lies
// within `radius` of the polyline (a disc stamped continuously along it; one point = one disc).
// Painting ORs the stroke into a mask, erasing clears it; both keep the mask's size.

import { SamanticError } from '../errors';
import type { BinaryMask, Rle } from '../types';
import { maskToRle, rleToMask } from './rle';

export interface Stroke {
  points: ReadonlyArray<readonly [number, number]>;
  /** Pixels; > 0. */
  radius: number;
}

export type StrokeMode = 'paint' | 'erase';

function distanceSquared(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Checks a stroke; `where` names it in errors. */
export function checkStroke(stroke: Stroke, where = 'stroke'): void {
  if (!stroke || !Array.isArray(stroke.points) || stroke.points.length === 0) {
    throw new SamanticError('invalid-argument', `${where}: a stroke needs at least one point; drag on the image to paint.`);
  }
  if (!(Number.isFinite(stroke.radius) && stroke.radius > 0)) {
    throw new SamanticError('invalid-argument', `${where}: radius must be a number > 0, got ${stroke.radius}.`);
  }
  stroke.points.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      throw new SamanticError('invalid-argument', `${where}: point ${i} must be [x, y] with finite numbers, got ${JSON.stringify(p)}.`);
    }
  });
}

/** Sets (value 1) or clears (value 0) the stroke's pixels in `mask`, in place; returns how many pixels it covers. */
export function stampStroke(mask: BinaryMask, stroke: Stroke, value: 0 | 1): number {
  checkStroke(stroke);
  const { width: w, height: h, data } = mask;
  const r = stroke.radius;
  const r2 = r * r;
  const pts = stroke.points;
  const segments = pts.length === 1 ? [[pts[0], pts[0]] as const] : pts.slice(1).map((p, i) => [pts[i], p] as const);
  let covered = 0;
  const seen = new Uint8Array(w * h);
  for (const [a, b] of segments) {
    const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r - 0.5));
    const x1 = Math.min(w - 1, Math.ceil(Math.max(a[0], b[0]) + r - 0.5));
    const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r - 0.5));
    const y1 = Math.min(h - 1, Math.ceil(Math.max(a[1], b[1]) + r - 0.5));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const p = y * w + x;
        if (seen[p]) continue;
        if (distanceSquared(x + 0.5, y + 0.5, a[0], a[1], b[0], b[1]) <= r2) {
          seen[p] = 1;
          data[p] = value;
          covered++;
        }
      }
    }
  }
  return covered;
}

/**
 * The mask with a stroke painted in or erased. Throws when the stroke covers no pixel of the image
 * (it lies entirely outside), so an edit of nothing is never recorded.
 */
export function applyStroke(rle: Rle, stroke: Stroke, mode: StrokeMode): Rle {
  const mask = rleToMask(rle);
  const covered = stampStroke(mask, stroke, mode === 'paint' ? 1 : 0);
  if (covered === 0) {
    throw new SamanticError(
      'invalid-argument',
      `The ${mode === 'paint' ? 'brush' : 'eraser'} stroke covers no pixel of the ${rle.size[1]}x${rle.size[0]} image: draw on the image.`,
    );
  }
  return maskToRle(mask);
}
