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
// Parts and holes are found on the RLE's runs (runs.ts), and only the mask's bounding box is
// decoded for tracing, so big background masks of big photos stay cheap.
//
// Connectivity: foreground is 8-connected (diagonal neighbours form one part, as in SAM's
// small-region clean-up in segment_anything/utils/amg.py remove_small_regions and OpenCV's
// default), so background and holes are 4-connected. A part whose pixels touch only at a corner
// gives one polygon that touches itself at that corner, which rasterises correctly.

import type { BinaryMask, Rle } from '../types';
import { maskToRle } from '../mask';
import { simplifyClosedRing } from './geometry';
import { rleParts } from './runs';

export interface PolygonOptions {
  /**
   * Douglas-Peucker tolerance in pixels; 0 keeps every corner of the pixel boundary. At 0.5 only
   * vertices within half a pixel of the simplified outline go: on discs, ellipses and synthetic
   * pizzas the area stayed exact and the rasterised pixels identical, with about 20% fewer
   * vertices. 1 px cuts vertices about 7x but moved the area of small masks (tens of pixels) by up to ~15%.
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
  return rleToPolygons(maskToRle(mask), options);
}

/**
 * Polygons of an uncompressed RLE. Parts and holes come from the runs (see runs.ts); only the
 * mask's bounding box is decoded, column by column, for tracing.
 */
export function rleToPolygons(rle: Rle, options: PolygonOptions = {}): PolygonResult {
  const opts = { ...DEFAULT_POLYGON_OPTIONS, ...options };
  const parts = rleParts(rle);
  const { x0, y0, col, top, bottom } = parts;
  // The box with one background pixel all round, stored column-major: read as a row-major image
  // it is the transpose (u = y, v = x), in which every column run is a contiguous span.
  const tw = Math.max(0, parts.y1 - y0 + 1) + 2;
  const th = Math.max(0, parts.x1 - x0 + 1) + 2;
  const data = new Uint8Array(tw * th);
  for (let i = 0; i < col.length; i++) {
    const base = (col[i] - x0 + 1) * tw - y0 + 1;
    data.fill(1, base + top[i], base + bottom[i] + 1);
  }
  const polygons: number[][] = [];
  for (const first of parts.partFirst) {
    // The part's first stretch in column-major order holds its column-first pixel: in the
    // transposed image that is the raster-first pixel, whose top edge is on the outer boundary.
    const start = (col[first] - x0 + 1) * tw + (top[first] - y0 + 1);
    const ring = traceOuterRing(data, tw, start);
    let simple = simplifyClosedRing(ring, opts.tolerance);
    if (simple.length < 6) simple = ring;
    // Transposed corner (u, v) is image corner (x, y) = (v, u), shifted back by the box offset.
    const out = new Array<number>(simple.length);
    for (let k = 0; k < simple.length; k += 2) {
      out[k] = simple[k + 1] + x0 - 1;
      out[k + 1] = simple[k] + y0 - 1;
    }
    polygons.push(out);
  }
  const area = parts.partArea.reduce((s, a) => s + a, 0);
  const holeArea = parts.holeArea;
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
