// Mask -> COCO polygons.
//
// Convention: pixel (x, y) is the unit square [x, x+1] x [y, y+1], so polygon vertices lie on pixel
// corners. That is the convention pycocotools' rleFrPoly rasterises with (it samples at pixel
// centres x+0.5, in steps of 1/5 px), so a traced polygon decodes back to the same pixels.
//
// Contours follow the cracks between foreground and background pixels: before simplification the
// polygon's shoelace area equals the component's pixel count plus its holes, exactly. (Tracing pixel
// centres instead, like OpenCV's findContours, loses about half a pixel along the whole perimeter,
// which is most of the area of a thin or small mask.)
//
// Connectivity: foreground is 8-connected (diagonal neighbours form one part, as in SAM's
// small-region clean-up in segment_anything/utils/amg.py remove_small_regions and OpenCV's
// default), so background and holes are 4-connected. A part whose pixels touch only at a corner
// gives one polygon that touches itself at that corner, which rasterises correctly.

import { SamanticError } from '../errors';
import type { BinaryMask, Rle } from '../types';
import { simplifyClosedRing } from './geometry';

export interface PolygonOptions {
  /**
   * Douglas-Peucker tolerance in pixels. 0.5 keeps every vertex that stands out by half a pixel or
   * more, so simplification cannot move the boundary across a pixel centre by more than half a
   * pixel; 0 keeps every corner of the pixel boundary.
   */
  tolerance?: number;
  /** Holes larger than this fraction of the mask's area make the mask fall back to RLE. */
  maxHoleFraction?: number;
  /**
   * Holes larger than this many pixels in total make the mask fall back to RLE even when they are
   * a small fraction of a big mask (a 20x20 px hole is plainly visible in any image).
   */
  maxHolePixels?: number;
}

export const DEFAULT_POLYGON_OPTIONS: Required<PolygonOptions> = {
  tolerance: 0.5,
  // COCO polygons cannot express holes (pycocotools unions the polygons of an annotation), so
  // filling them adds false-positive pixels; 1% keeps the filled polygon's IoU with the mask >= 0.99.
  maxHoleFraction: 0.01,
  maxHolePixels: 400,
};

export interface PolygonResult {
  /** One flat [x0, y0, x1, y1, ...] ring per connected part, each with >= 3 points. */
  polygons: number[][];
  /** Mask pixel count. */
  area: number;
  /** Background pixels enclosed by the mask (4-connected background not reaching the border). */
  holeArea: number;
  /** True when the holes matter (see options): the caller should export RLE instead. */
  useRle: boolean;
  /** Why RLE is needed, in words, or null. */
  reason: string | null;
}

/** Polygons of a full-image row-major mask. */
export function maskToPolygons(mask: BinaryMask, options: PolygonOptions = {}): PolygonResult {
  const { width: w, height: h, data } = mask;
  if (data.length !== w * h) {
    throw new SamanticError(
      'invalid-argument',
      `Mask data has ${data.length} bytes but ${w}x${h} needs ${w * h} (one byte per pixel, row-major).`,
    );
  }
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      if (data[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  const crop = new PaddedCrop(x0, y0, x1, y1);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) if (data[y * w + x] !== 0) crop.set(x, y);
  }
  return cropToPolygons(crop, options);
}

/**
 * Polygons of an uncompressed RLE, decoding only the mask's bounding box (cheap for the small
 * masks of a large image).
 */
export function rleToPolygons(rle: Rle, options: PolygonOptions = {}): PolygonResult {
  const h = rle.size[0];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  let pos = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const c = rle.counts[j];
    if (j % 2 === 1 && c > 0) {
      const xs = Math.floor(pos / h);
      const xe = Math.floor((pos + c - 1) / h);
      x0 = Math.min(x0, xs);
      x1 = Math.max(x1, xe);
      if (xe > xs) {
        y0 = 0;
        y1 = h - 1;
      } else {
        y0 = Math.min(y0, pos - xs * h);
        y1 = Math.max(y1, pos + c - 1 - xs * h);
      }
    }
    pos += c;
  }
  if (pos !== rle.size[0] * rle.size[1]) {
    throw new SamanticError(
      'invalid-argument',
      `RLE run lengths sum to ${pos} but size ${rle.size[0]}x${rle.size[1]} needs ${rle.size[0] * rle.size[1]}.`,
    );
  }
  const crop = x1 < 0 ? new PaddedCrop(0, 0, -1, -1) : new PaddedCrop(x0, y0, x1, y1);
  pos = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const c = rle.counts[j];
    if (j % 2 === 1) {
      for (let k = pos; k < pos + c; k++) {
        const x = Math.floor(k / h);
        crop.set(x, k - x * h);
      }
    }
    pos += c;
  }
  return cropToPolygons(crop, options);
}

/** The mask's bounding box with one background pixel of padding all round. */
class PaddedCrop {
  readonly w: number;
  readonly h: number;
  readonly data: Uint8Array;
  constructor(
    readonly x0: number,
    readonly y0: number,
    x1: number,
    y1: number,
  ) {
    this.w = Math.max(0, x1 - x0 + 1) + 2;
    this.h = Math.max(0, y1 - y0 + 1) + 2;
    this.data = new Uint8Array(this.w * this.h);
  }
  set(x: number, y: number): void {
    this.data[(y - this.y0 + 1) * this.w + (x - this.x0 + 1)] = 1;
  }
}

function cropToPolygons(crop: PaddedCrop, options: PolygonOptions): PolygonResult {
  const opts = { ...DEFAULT_POLYGON_OPTIONS, ...options };
  const { w, h, data } = crop;
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const polygons: number[][] = [];
  let area = 0;
  let label = 0;
  // Offsets turn padded-crop corner coordinates back into image coordinates.
  const ox = crop.x0 - 1;
  const oy = crop.y0 - 1;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0 || labels[i] !== 0) continue;
    label++;
    area += labelPart(data, labels, w, i, label, stack);
    // i is the raster-first pixel of a new part: its top edge lies on the part's outer boundary.
    const ring = traceOuterRing(data, w, i);
    let simple = simplifyClosedRing(ring, opts.tolerance);
    if (simple.length < 6) simple = ring;
    for (let k = 0; k < simple.length; k += 2) {
      simple[k] += ox;
      simple[k + 1] += oy;
    }
    polygons.push(simple);
  }
  const holeArea = countHoles(data, w, h, stack);
  const tooLarge = holeArea > opts.maxHolePixels;
  const tooMuch = holeArea > opts.maxHoleFraction * area;
  const useRle = holeArea > 0 && (tooLarge || tooMuch);
  const reason = useRle
    ? `holes cover ${holeArea} px (${((100 * holeArea) / area).toFixed(1)}% of ${area} px), more than ` +
      (tooLarge ? `${opts.maxHolePixels} px` : `${100 * opts.maxHoleFraction}% of the mask`) +
      '; COCO polygons cannot express holes'
    : null;
  return { polygons, area, holeArea, useRle, reason };
}

/**
 * Flood-fills one 8-connected part with `label`; returns its pixel count. `stack` is scratch space
 * of w*h entries (each pixel is pushed at most once). The crop's padding means neighbours of a
 * foreground pixel are always inside the buffer.
 */
function labelPart(data: Uint8Array, labels: Int32Array, w: number, start: number, label: number, stack: Int32Array): number {
  let top = 0;
  stack[top++] = start;
  labels[start] = label;
  let n = 0;
  while (top > 0) {
    const p = stack[--top];
    n++;
    for (let q = p - w - 1; q <= p + w - 1; q += w) {
      for (let r = q; r <= q + 2; r++) {
        if (data[r] !== 0 && labels[r] === 0) {
          labels[r] = label;
          stack[top++] = r;
        }
      }
    }
  }
  return n;
}

// Directions in image coordinates (y down): east, south, west, north. A right turn is d+1.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];
// Pixel offsets, relative to the vertex just reached, of the pixel ahead-left and ahead-right of
// the walk for each heading (the pixel at offset (0, 0) is the one whose top-left corner it is).
const AHEAD_LEFT: [number, number][] = [
  [0, -1],
  [0, 0],
  [-1, 0],
  [-1, -1],
];
const AHEAD_RIGHT: [number, number][] = [
  [0, 0],
  [-1, 0],
  [-1, -1],
  [0, -1],
];

/**
 * Walks the pixel-edge boundary with the part on the right-hand side, starting east along the top
 * edge of raster-first pixel `start`, and returns the corners as a flat ring. The crop's padding
 * keeps every looked-up pixel inside the buffer. At a vertex, a foreground pixel ahead-left wins
 * (turn left, which keeps diagonal neighbours in the same 8-connected part), else one ahead-right
 * (go straight), else turn right.
 */
function traceOuterRing(data: Uint8Array, w: number, start: number): number[] {
  const sx = start % w;
  const sy = (start - sx) / w;
  const ring: number[] = [sx, sy];
  let x = sx;
  let y = sy;
  let d = 0;
  for (;;) {
    x += DX[d];
    y += DY[d];
    if (x === sx && y === sy) break;
    const [lx, ly] = AHEAD_LEFT[d];
    const [rx, ry] = AHEAD_RIGHT[d];
    let nd: number;
    if (data[(y + ly) * w + x + lx] !== 0) nd = (d + 3) % 4;
    else if (data[(y + ry) * w + x + rx] !== 0) nd = d;
    else nd = (d + 1) % 4;
    if (nd !== d) ring.push(x, y);
    d = nd;
  }
  return ring;
}

/** Background pixels not 4-connected to the crop's (all-background) padding: the holes. */
function countHoles(data: Uint8Array, w: number, h: number, stack: Int32Array): number {
  const outside = new Uint8Array(w * h);
  let top = 0;
  stack[top++] = 0;
  outside[0] = 1;
  let reached = 0;
  let fg = 0;
  for (let i = 0; i < data.length; i++) fg += data[i];
  while (top > 0) {
    const p = stack[--top];
    reached++;
    const x = p % w;
    if (x > 0 && outside[p - 1] === 0 && data[p - 1] === 0) {
      outside[p - 1] = 1;
      stack[top++] = p - 1;
    }
    if (x < w - 1 && outside[p + 1] === 0 && data[p + 1] === 0) {
      outside[p + 1] = 1;
      stack[top++] = p + 1;
    }
    if (p >= w && outside[p - w] === 0 && data[p - w] === 0) {
      outside[p - w] = 1;
      stack[top++] = p - w;
    }
    if (p + w < w * h && outside[p + w] === 0 && data[p + w] === 0) {
      outside[p + w] = 1;
      stack[top++] = p + w;
    }
  }
  return w * h - reached - fg;
}
