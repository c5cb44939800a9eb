// The sparse low-resolution path: answers the generator's per-mask questions (stability, box, RLE)
// from SAM's 256x256 low-res logits without upsampling whole maps. The crop is cut into tiles whose
// pixels all read the same few low-res cells (axisGroups); a value never leaves the [min, max] of
// its cells (upsample.ts), so a tile whose cells are all above (or all at/below) a cutoff is decided
// at once, and only mixed tiles, along mask boundaries, are evaluated pixel by pixel with the same
// pixelValue the dense upsampling uses. The answers are therefore identical to upsampling the map
// (upsampleLowRes) and running the dense path.

import type { BoxXYXY, MaskPredictor, Rle } from '../types';
import { RunBuilder } from '../mask/rle';
import type { MaskLogits } from './logits';
import { axisGroups, pixelValue, tileValues, type AxisGroups, type UpsampleGeometry } from './upsample';

const f32 = Math.fround;

/** A decoder's low-res output for n prompts, m masks each (SAM's low_res_masks). */
export interface LowResPredictionBatch {
  n: number;
  m: number;
  /** Side of the square low-res maps (256 for SAM). */
  lowSize: number;
  /** Side of the square model frame the maps cover (1024 for SAM). */
  frameSize: number;
  /** n*m maps of lowSize x lowSize logits, row-major. */
  lowRes: Float32Array;
  /** n*m predicted IoUs. */
  iou: Float32Array;
}

/**
 * A predictor that can also return low-res logits for the same prompts (points in the current
 * image's pixel coordinates, as predict). The generator then never asks for full-resolution maps.
 */
export interface LowResMaskPredictor extends MaskPredictor {
  predictLowRes(points: Float64Array): Promise<LowResPredictionBatch>;
}

export function hasLowRes(p: MaskPredictor): p is LowResMaskPredictor {
  return typeof (p as Partial<LowResMaskPredictor>).predictLowRes === 'function';
}

/**
 * Geometry plus tile groups, computed once per crop and shared by all its masks, with scratch
 * buffers reused by every map of the crop (the per-mask methods run one at a time).
 */
export interface TileLayout {
  geometry: UpsampleGeometry;
  rows: AxisGroups;
  cols: AxisGroups;
  /** Row / column group of each crop row / column. */
  rowGroupOf: Int32Array;
  colGroupOf: Int32Array;
  scratch: {
    tileMin: Float32Array;
    tileMax: Float32Array;
    rowMax: Float32Array;
    colMin: Float32Array;
    colMax: Float32Array;
    values: Float32Array;
    frame: Float32Array;
  };
}

function groupOf(groups: AxisGroups, size: number): Int32Array {
  const out = new Int32Array(size);
  for (let k = 0; k + 1 < groups.start.length; k++) out.fill(k, groups.start[k], groups.start[k + 1]);
  return out;
}

export function tileLayout(geometry: UpsampleGeometry): TileLayout {
  const g = geometry;
  const rows = axisGroups(g.s1Rows, g.s2Rows, g.outH);
  const cols = axisGroups(g.s1Cols, g.s2Cols, g.outW);
  const nTiles = rows.lowMin.length * cols.lowMin.length;
  return {
    geometry: g,
    rows,
    cols,
    rowGroupOf: groupOf(rows, g.outH),
    colGroupOf: groupOf(cols, g.outW),
    scratch: {
      tileMin: new Float32Array(nTiles),
      tileMax: new Float32Array(nTiles),
      rowMax: new Float32Array(rows.lowMin.length),
      colMin: new Float32Array(g.lowSize),
      colMax: new Float32Array(g.lowSize),
      values: new Float32Array(64),
      frame: new Float32Array(64),
    },
  };
}

export class LowResLogits implements MaskLogits {
  private lowMin = Infinity;
  private lowMax = -Infinity;
  /** Max of each low-res row and column, to skip background quickly; computed on first use. */
  private lowRowMax: Float32Array | null = null;
  private lowColMax: Float32Array = new Float32Array(0);

  constructor(
    readonly low: Float32Array,
    readonly layout: TileLayout,
  ) {}

  /** Scans the map once (masks dropped by the IoU filter never pay for it). */
  private scan(): void {
    if (this.lowRowMax) return;
    const n = this.layout.geometry.lowSize;
    const low = this.low;
    const rowMax = new Float32Array(n);
    const colMax = new Float32Array(n).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      let rm = -Infinity;
      for (let j = 0; j < n; j++) {
        const v = low[r * n + j];
        if (v < this.lowMin) this.lowMin = v;
        if (v > rm) rm = v;
        if (v > colMax[j]) colMax[j] = v;
      }
      rowMax[r] = rm;
      if (rm > this.lowMax) this.lowMax = rm;
    }
    this.lowRowMax = rowMax;
    this.lowColMax = colMax;
  }

  /**
   * Fills the layout's rowMax (per row group) and, for row groups whose max is above `skip`, the
   * tileMin / tileMax of each tile (the range of its low-res support). Tiles whose support cannot
   * exceed `skip` get -Infinity, which callers comparing against cutoffs >= skip read as "below".
   * Valid until the next call for any map of this layout.
   */
  private computeTiles(skip: number): void {
    const { rows, cols, geometry, scratch } = this.layout;
    const n = geometry.lowSize;
    const { tileMin, tileMax, rowMax, colMin, colMax } = scratch;
    const low = this.low;
    const lowRowMax = this.lowRowMax as Float32Array;
    const nC = cols.lowMin.length;
    // Column groups that can hold anything above skip lie in [qa, qb].
    let qa = nC;
    let qb = -1;
    for (let q = 0; q < nC; q++) {
      for (let j = cols.lowMin[q]; j <= cols.lowMax[q]; j++) {
        if (this.lowColMax[j] > skip) {
          if (q < qa) qa = q;
          qb = q;
          break;
        }
      }
    }
    const ja = qa < nC ? cols.lowMin[qa] : 0;
    const jb = qb >= 0 ? cols.lowMax[qb] : -1;
    for (let k = 0; k < rows.lowMin.length; k++) {
      const r0 = rows.lowMin[k];
      const r1 = rows.lowMax[k];
      let rm = -Infinity;
      for (let r = r0; r <= r1; r++) if (lowRowMax[r] > rm) rm = lowRowMax[r];
      rowMax[k] = rm;
      if (rm <= skip) continue;
      tileMin.fill(-Infinity, k * nC, (k + 1) * nC);
      tileMax.fill(-Infinity, k * nC, (k + 1) * nC);
      for (let j = ja; j <= jb; j++) {
        let mn = low[r0 * n + j];
        let mx = mn;
        for (let r = r0 + 1; r <= r1; r++) {
          const v = low[r * n + j];
          if (v < mn) mn = v;
          else if (v > mx) mx = v;
        }
        colMin[j] = mn;
        colMax[j] = mx;
      }
      for (let q = qa; q <= qb; q++) {
        let mn = colMin[cols.lowMin[q]];
        let mx = colMax[cols.lowMin[q]];
        for (let j = cols.lowMin[q] + 1; j <= cols.lowMax[q]; j++) {
          if (colMin[j] < mn) mn = colMin[j];
          if (colMax[j] > mx) mx = colMax[j];
        }
        tileMin[k * nC + q] = mn;
        tileMax[k * nC + q] = mx;
      }
    }
  }

  /** Exact values of a tile (rows y0..y1-1, cols x0..x1-1), row-major; valid until the next call. */
  private tile(y0: number, y1: number, x0: number, x1: number): Float32Array {
    const sc = this.layout.scratch;
    const n = (y1 - y0) * (x1 - x0);
    if (sc.values.length < n) sc.values = new Float32Array(n * 2);
    tileValues(this.low, this.layout.geometry, y0, y1, x0, x1, sc.values, sc);
    return sc.values;
  }

  stability(maskThreshold: number, offset: number): number {
    const hi = f32(maskThreshold + offset);
    const lo = f32(maskThreshold - offset);
    this.scan();
    if (this.lowMin > hi) return 1;
    if (this.lowMax <= lo) return NaN;
    if (this.lowMin > lo && this.lowMax <= hi) return 0;
    this.computeTiles(lo);
    const { rows, cols, scratch } = this.layout;
    const { tileMin, tileMax, rowMax } = scratch;
    const nC = cols.lowMin.length;
    let inter = 0;
    let union = 0;
    for (let k = 0; k < rows.lowMin.length; k++) {
      if (rowMax[k] <= lo) continue;
      const y0 = rows.start[k];
      const y1 = rows.start[k + 1];
      for (let q = 0; q < nC; q++) {
        const mx = tileMax[k * nC + q];
        if (mx <= lo) continue;
        const mn = tileMin[k * nC + q];
        const x0 = cols.start[q];
        const x1 = cols.start[q + 1];
        const area = (y1 - y0) * (x1 - x0);
        if (mn > hi) {
          inter += area;
          union += area;
        } else if (mn > lo && mx <= hi) {
          union += area;
        } else {
          const values = this.tile(y0, y1, x0, x1);
          for (let i = 0; i < area; i++) {
            const v = values[i];
            if (v > lo) {
              union++;
              if (v > hi) inter++;
            }
          }
        }
      }
    }
    return f32(inter / union);
  }

  box(maskThreshold: number): BoxXYXY {
    const t = f32(maskThreshold);
    const { outW, outH } = this.layout.geometry;
    this.scan();
    if (this.lowMin > t) return [0, 0, outW - 1, outH - 1];
    if (this.lowMax <= t) return [0, 0, 0, 0];
    this.computeTiles(t);
    const { rows, cols, scratch } = this.layout;
    const { tileMin, tileMax, rowMax } = scratch;
    const nC = cols.lowMin.length;
    let xs = Infinity;
    let ys = Infinity;
    let xe = -1;
    let ye = -1;
    for (let k = 0; k < rows.lowMin.length; k++) {
      if (rowMax[k] <= t) continue;
      const y0 = rows.start[k];
      const y1 = rows.start[k + 1];
      for (let q = 0; q < nC; q++) {
        if (tileMax[k * nC + q] <= t) continue;
        const x0 = cols.start[q];
        const x1 = cols.start[q + 1];
        if (tileMin[k * nC + q] > t) {
          if (x0 < xs) xs = x0;
          if (x1 - 1 > xe) xe = x1 - 1;
          if (y0 < ys) ys = y0;
          if (y1 - 1 > ye) ye = y1 - 1;
          continue;
        }
        const values = this.tile(y0, y1, x0, x1);
        const tw = x1 - x0;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) {
            if (values[(y - y0) * tw + x - x0] > t) {
              if (x < xs) xs = x;
              if (x > xe) xe = x;
              if (y < ys) ys = y;
              if (y > ye) ye = y;
            }
          }
        }
      }
    }
    return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe, ye];
  }

  /**
   * Column by column over the box: certain tiles add whole runs, mixed tiles are evaluated once
   * into a box-sized scratch mask first.
   */
  rleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
    const t = f32(maskThreshold);
    const g = this.layout.geometry;
    const [bx0, by0, bx1, by1] = box;
    const b = new RunBuilder();
    const empty = bx0 === 0 && by0 === 0 && bx1 === 0 && by1 === 0 && !(pixelValue(this.low, g, 0, 0) > t);
    if (empty) {
      b.zeros(frameW * frameH);
      return b.finish(frameH, frameW);
    }
    this.scan();
    const allOn = this.lowMin > t;
    if (!allOn) this.computeTiles(t);
    const { rows, cols, rowGroupOf, colGroupOf, scratch } = this.layout;
    const { tileMin, tileMax, rowMax } = scratch;
    const nC = cols.lowMin.length;
    const bw = bx1 - bx0 + 1;
    const kFirst = rowGroupOf[by0];
    const kLast = rowGroupOf[by1];
    const qFirst = colGroupOf[bx0];
    const qLast = colGroupOf[bx1];

    // Mixed tiles inside the box, decided pixel by pixel.
    const mixed = allOn ? null : new Uint8Array(bw * (by1 - by0 + 1));
    if (mixed) {
      for (let k = kFirst; k <= kLast; k++) {
        if (rowMax[k] <= t) continue;
        const ya = Math.max(rows.start[k], by0);
        const yb = Math.min(rows.start[k + 1], by1 + 1);
        for (let q = qFirst; q <= qLast; q++) {
          const mn = tileMin[k * nC + q];
          const mx = tileMax[k * nC + q];
          if (mx <= t || mn > t) continue;
          const xa = Math.max(cols.start[q], bx0);
          const xb = Math.min(cols.start[q + 1], bx1 + 1);
          const values = this.tile(ya, yb, xa, xb);
          for (let y = ya; y < yb; y++) {
            for (let x = xa; x < xb; x++) mixed[(y - by0) * bw + x - bx0] = values[(y - ya) * (xb - xa) + x - xa] > t ? 1 : 0;
          }
        }
      }
    }

    b.zeros((x0 + bx0) * frameH);
    for (let x = bx0; x <= bx1; x++) {
      b.zeros(y0 + by0);
      if (!mixed) b.ones(by1 - by0 + 1);
      else {
        const q = colGroupOf[x];
        for (let k = kFirst; k <= kLast; k++) {
          const ya = Math.max(rows.start[k], by0);
          const yb = Math.min(rows.start[k + 1], by1 + 1);
          const mn = tileMin[k * nC + q];
          const mx = rowMax[k] <= t ? -Infinity : tileMax[k * nC + q];
          if (mx <= t) b.zeros(yb - ya);
          else if (mn > t) b.ones(yb - ya);
          else for (let y = ya; y < yb; y++) b.pixel(mixed[(y - by0) * bw + x - bx0] !== 0);
        }
      }
      b.zeros(frameH - y0 - by1 - 1);
    }
    b.zeros((frameW - x0 - bx1 - 1) * frameH);
    return b.finish(frameH, frameW);
  }
}
