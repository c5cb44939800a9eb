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

/** Geometry plus tile groups, computed once per crop and shared by all its masks. */
export interface TileLayout {
  geometry: UpsampleGeometry;
  rows: AxisGroups;
  cols: AxisGroups;
}

export function tileLayout(geometry: UpsampleGeometry): TileLayout {
  const g = geometry;
  return {
    geometry: g,
    rows: axisGroups(g.s1Rows, g.s2Rows, g.outH),
    cols: axisGroups(g.s1Cols, g.s2Cols, g.outW),
  };
}

/** Tile visitor: rows y0..y1-1, cols x0..x1-1, with the min and max of its low-res support. */
type TileVisitor = (y0: number, y1: number, x0: number, x1: number, min: number, max: number) => void;

export class LowResLogits implements MaskLogits {
  private values = new Float32Array(64);
  private readonly scratch = { frame: new Float32Array(64) };

  constructor(
    readonly low: Float32Array,
    readonly layout: TileLayout,
  ) {}

  /** Exact values of a (mixed) tile, row-major; valid until the next call. */
  private tile(y0: number, y1: number, x0: number, x1: number): Float32Array {
    const n = (y1 - y0) * (x1 - x0);
    if (this.values.length < n) this.values = new Float32Array(n * 2);
    tileValues(this.low, this.layout.geometry, y0, y1, x0, x1, this.values, this.scratch);
    return this.values;
  }

  /**
   * Visits every tile; row groups whose whole support is at or below `skipAtOrBelow` are skipped,
   * since no pixel there can be above any cutoff we ask about.
   */
  private forTiles(skipAtOrBelow: number, visit: TileVisitor): void {
    const { rows, cols, geometry } = this.layout;
    const n = geometry.lowSize;
    const low = this.low;
    const colMin = new Float32Array(n);
    const colMax = new Float32Array(n);
    for (let k = 0; k < rows.lowMin.length; k++) {
      const r0 = rows.lowMin[k];
      const r1 = rows.lowMax[k];
      let rowMax = -Infinity;
      for (let j = 0; j < n; j++) {
        let mn = Infinity;
        let mx = -Infinity;
        for (let r = r0; r <= r1; r++) {
          const v = low[r * n + j];
          if (v < mn) mn = v;
          if (v > mx) mx = v;
        }
        colMin[j] = mn;
        colMax[j] = mx;
        if (mx > rowMax) rowMax = mx;
      }
      if (rowMax <= skipAtOrBelow) continue;
      for (let q = 0; q < cols.lowMin.length; q++) {
        let mn = Infinity;
        let mx = -Infinity;
        for (let j = cols.lowMin[q]; j <= cols.lowMax[q]; j++) {
          if (colMin[j] < mn) mn = colMin[j];
          if (colMax[j] > mx) mx = colMax[j];
        }
        visit(rows.start[k], rows.start[k + 1], cols.start[q], cols.start[q + 1], mn, mx);
      }
    }
  }

  stability(maskThreshold: number, offset: number): number {
    const hi = f32(maskThreshold + offset);
    const lo = f32(maskThreshold - offset);
    let inter = 0;
    let union = 0;
    this.forTiles(lo, (y0, y1, x0, x1, mn, mx) => {
      const area = (y1 - y0) * (x1 - x0);
      if (mx <= lo) return;
      if (mn > hi) {
        inter += area;
        union += area;
        return;
      }
      if (mn > lo && mx <= hi) {
        union += area;
        return;
      }
      const values = this.tile(y0, y1, x0, x1);
      for (let i = 0; i < area; i++) {
        const v = values[i];
        if (v > lo) {
          union++;
          if (v > hi) inter++;
        }
      }
    });
    return f32(inter / union);
  }

  box(maskThreshold: number): BoxXYXY {
    const t = f32(maskThreshold);
    let xs = Infinity;
    let ys = Infinity;
    let xe = -1;
    let ye = -1;
    this.forTiles(t, (y0, y1, x0, x1, mn, mx) => {
      if (mx <= t) return;
      if (mn > t) {
        xs = Math.min(xs, x0);
        ys = Math.min(ys, y0);
        xe = Math.max(xe, x1 - 1);
        ye = Math.max(ye, y1 - 1);
        return;
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
    });
    return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe, ye];
  }

  rleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
    const t = f32(maskThreshold);
    const g = this.layout.geometry;
    const [bx0, by0, bx1, by1] = box;
    const empty = bx0 === 0 && by0 === 0 && bx1 === 0 && by1 === 0 && !(pixelValue(this.low, g, 0, 0) > t);
    const b = new RunBuilder();
    if (empty) {
      b.zeros(frameW * frameH);
      return b.finish(frameH, frameW);
    }
    // The mask inside its box, filled tile by tile.
    const bw = bx1 - bx0 + 1;
    const bh = by1 - by0 + 1;
    const inBox = new Uint8Array(bw * bh);
    this.forTiles(t, (ty0, ty1, tx0, tx1, mn, mx) => {
      if (mx <= t) return;
      const ya = Math.max(ty0, by0);
      const yb = Math.min(ty1, by1 + 1);
      const xa = Math.max(tx0, bx0);
      const xb = Math.min(tx1, bx1 + 1);
      if (ya >= yb || xa >= xb) return;
      const values = mn > t ? null : this.tile(ya, yb, xa, xb);
      for (let y = ya; y < yb; y++) {
        const row = (y - by0) * bw - bx0;
        if (!values) inBox.fill(1, row + xa, row + xb);
        else for (let x = xa; x < xb; x++) inBox[row + x] = values[(y - ya) * (xb - xa) + x - xa] > t ? 1 : 0;
      }
    });
    b.zeros((x0 + bx0) * frameH);
    for (let x = 0; x < bw; x++) {
      b.zeros(y0 + by0);
      for (let i = x; i < bw * bh; i += bw) b.pixel(inBox[i] !== 0);
      b.zeros(frameH - y0 - by1 - 1);
    }
    b.zeros((frameW - x0 - bx1 - 1) * frameH);
    return b.finish(frameH, frameW);
  }
}
