// Masks as polygon rings for the formats whose polygons cannot hold holes or several parts
// (YOLO segmentation, labelme): every part and every hole is traced on pixel corners (the COCO
// convention, pixel (x, y) = the square [x, x+1] x [y, y+1]) and the rings are joined into ONE
// ring by zero-width bridges, the way Ultralytics' own converter does (merge_multi_segment in
// ultralytics/data/converter.py): consecutive rings are linked at their closest vertices, walked
// forwards then backwards, so each bridge is crossed twice in opposite directions. Rasterised with
// the even-odd rule (or OpenCV's fillPoly, which Ultralytics uses), a bridge covers no pixel centre
// net, holes stay open and parts stay apart.

import { rasterizePolygons } from '../coco/geometry';
import { rleToPolygons } from '../coco/polygon';
import { maskToRle, rleBoxInclusive, rleToMaskWindow } from '../mask';
import type { Rle } from '../types';

/** Douglas-Peucker tolerance of exported rings, px (see coco/polygon.ts DEFAULT_POLYGON_OPTIONS). */
export const RING_TOLERANCE = 0.5;

/** Outer rings of the parts and rings of the holes, flat [x0, y0, ...] in image pixel corners. */
export function maskRings(rle: Rle, tolerance = RING_TOLERANCE): { outer: number[][]; holes: number[][] } {
  const keepHoles = { maxHoleFraction: Infinity, maxHolePixels: Infinity };
  const outer = rleToPolygons(rle, { ...keepHoles, tolerance }).polygons;
  const box = rleBoxInclusive(rle);
  if (!box) return { outer, holes: [] };
  const exact = rleToPolygons(rle, { ...keepHoles, tolerance: 0 });
  if (exact.holeArea === 0) return { outer, holes: [] };
  // Holes = pixels inside the exact outer boundaries that are not in the mask, in the box window.
  const [x0, y0, x1, y1] = box;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const shifted = exact.polygons.map((ring) => ring.map((v, i) => (i % 2 === 0 ? v - x0 : v - y0)));
  const filled = rasterizePolygons(shifted, w, h);
  const mask = rleToMaskWindow(rle, x0, y0, w, h).data;
  const holeData = new Uint8Array(w * h);
  for (let i = 0; i < holeData.length; i++) holeData[i] = filled[i] && !mask[i] ? 1 : 0;
  const holes = rleToPolygons(maskToRle({ width: w, height: h, data: holeData }), { ...keepHoles, tolerance }).polygons.map((ring) =>
    ring.map((v, i) => (i % 2 === 0 ? v + x0 : v + y0)),
  );
  return { outer, holes };
}

type Pt = [number, number];

function toPoints(ring: readonly number[]): Pt[] {
  const pts: Pt[] = [];
  for (let i = 0; i + 1 < ring.length; i += 2) pts.push([ring[i], ring[i + 1]]);
  return pts;
}

/** Indices of the closest pair of vertices between two rings. */
function closestPair(a: Pt[], b: Pt[]): [number, number] {
  let best = Infinity;
  let pair: [number, number] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const d = (a[i][0] - b[j][0]) ** 2 + (a[i][1] - b[j][1]) ** 2;
      if (d < best) {
        best = d;
        pair = [i, j];
      }
    }
  }
  return pair;
}

function roll(pts: Pt[], k: number): Pt[] {
  return [...pts.slice(k), ...pts.slice(0, k)];
}

/** Joins rings into one by zero-width bridges (Ultralytics' merge_multi_segment); flat output. */
export function mergeRings(rings: readonly (readonly number[])[]): number[] {
  if (rings.length === 0) return [];
  if (rings.length === 1) return rings[0].slice();
  const segs = rings.map(toPoints);
  const links: number[][] = segs.map(() => []);
  for (let i = 1; i < segs.length; i++) {
    const [a, b] = closestPair(segs[i - 1], segs[i]);
    links[i - 1].push(a);
    links[i].push(b);
  }
  const last = segs.length - 1;
  const out: Pt[] = [];
  const middle: { pts: Pt[]; split: number }[] = [];
  for (let i = 0; i < segs.length; i++) {
    let idx = links[i];
    let pts = segs[i];
    if (idx.length === 2 && idx[0] > idx[1]) {
      // Walk this ring backwards so the entry vertex comes before the exit one.
      pts = pts.slice().reverse();
      idx = [pts.length - 1 - idx[0], pts.length - 1 - idx[1]];
    }
    const closed = [...roll(pts, idx[0]), pts[idx[0]]];
    if (i === 0 || i === last) out.push(...closed);
    else {
      const split = idx[1] - idx[0];
      out.push(...closed.slice(0, split + 1));
      middle[i] = { pts: closed, split };
    }
  }
  for (let i = last - 1; i > 0; i--) out.push(...middle[i].pts.slice(middle[i].split));
  return out.flat();
}

/** One ring per instance: its parts and holes merged (see the header). */
export function instanceRing(rle: Rle, tolerance = RING_TOLERANCE): number[] {
  const { outer, holes } = maskRings(rle, tolerance);
  return mergeRings([...outer, ...holes]);
}
