// The sparse low-resolution path: answers the generator's per-mask questions (stability, box, RLE)
// from SAM's 256x256 low-res logits without upsampling whole maps. An upsampled value never leaves
// the [min, max] of the low-res cells it reads (its support, upsample.ts), so a region whose
// support is all above (or all at/below) a cutoff is decided at once: first whole blocks of
// 8x8 low-res cells, then, inside blocks that straddle a cutoff, tiles of pixels sharing one support
// (sparse-layout.ts); only tiles that straddle a cutoff, along mask boundaries, are evaluated pixel
// by pixel, with the arithmetic of the dense upsampling (upsample.tileValues). The answers are
// therefore identical to upsampling the map (upsampleLowRes) and running the dense path (logits.ts).

import type { BoxXYXY, MaskPredictor, Rle } from '../types';
import { RunBuilder } from '../mask/rle';
import type { MaskLogits } from './logits';
import { blockStart, blockSupport, tileSupport, type TileLayout } from './sparse-layout';
import { sparseRleInFrame } from './sparse-rle';
import { pixelValue, tileValues } from './upsample';

export { tileLayout, type TileLayout } from './sparse-layout';

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

export class LowResLogits implements MaskLogits {
  /** Support min / max per block, computed on first use (masks the IoU filter drops never pay). */
  private supMin: Float32Array | null = null;
  private supMax: Float32Array = new Float32Array(0);
  /** Accumulators of the stability counts. */
  private inter = 0;
  private union = 0;
  /** The box being grown by box(). */
  private xs = 0;
  private ys = 0;
  private xe = 0;
  private ye = 0;

  constructor(
    readonly low: Float32Array,
    readonly layout: TileLayout,
  ) {}

  private blocks(): Float32Array {
    if (!this.supMin) {
      const nBlocks = this.layout.rows.blocks * this.layout.cols.blocks;
      this.supMin = new Float32Array(nBlocks);
      this.supMax = new Float32Array(nBlocks);
      blockSupport(this.low, this.layout, this.supMin, this.supMax);
    }
    return this.supMin;
  }

  /** Values of crop pixels [y0, y1) x [x0, x1) into the layout's scratch; valid until the next call. */
  private values(y0: number, y1: number, x0: number, x1: number): Float32Array {
    const sc = this.layout.scratch;
    const n = (y1 - y0) * (x1 - x0);
    if (sc.values.length < n) sc.values = new Float32Array(n * 2);
    tileValues(this.low, this.layout.geometry, y0, y1, x0, x1, sc.values, sc);
    return sc.values;
  }

  stability(maskThreshold: number, offset: number): number {
    const lo = f32(maskThreshold - offset);
    // The dense count nests the cutoffs (a pixel counts in the intersection only if it is also in
    // the union), i.e. the intersection is above max(lo, hi).
    const hi = Math.max(lo, f32(maskThreshold + offset));
    const supMin = this.blocks();
    const supMax = this.supMax;
    const { rows, cols } = this.layout;
    const nbc = cols.blocks;
    this.inter = 0;
    this.union = 0;
    for (let br = 0; br < rows.blocks; br++) {
      const h = blockStart(rows, br + 1) - blockStart(rows, br);
      if (h === 0) continue;
      for (let bc = 0; bc < nbc; bc++) {
        const mx = supMax[br * nbc + bc];
        if (mx <= lo) continue;
        const mn = supMin[br * nbc + bc];
        const area = h * (blockStart(cols, bc + 1) - blockStart(cols, bc));
        if (mn > hi) {
          this.inter += area;
          this.union += area;
        } else if (mn > lo && mx <= hi) {
          this.union += area;
        } else {
          this.stabilityTiles(br, bc, lo, hi);
        }
      }
    }
    return f32(this.inter / this.union);
  }

  /** The stability counts of one block that straddles a cutoff, tile by tile. */
  private stabilityTiles(br: number, bc: number, lo: number, hi: number): void {
    const { rows, cols, scratch } = this.layout;
    const cs = cols.groups.start;
    const q0 = cols.blockGroup[bc];
    const q1 = cols.blockGroup[bc + 1];
    for (let k = rows.blockGroup[br]; k < rows.blockGroup[br + 1]; k++) {
      tileSupport(this.low, this.layout, k, bc);
      const { tileMin, tileMax } = scratch;
      const y0 = rows.groups.start[k];
      const y1 = rows.groups.start[k + 1];
      const h = y1 - y0;
      let run = -1;
      for (let q = q0; q <= q1; q++) {
        let mixed = false;
        if (q < q1) {
          const mn = tileMin[q - q0];
          const mx = tileMax[q - q0];
          const area = h * (cs[q + 1] - cs[q]);
          if (mx <= lo) {
            // below both cutoffs
          } else if (mn > hi) {
            this.inter += area;
            this.union += area;
          } else if (mn > lo && mx <= hi) {
            this.union += area;
          } else mixed = true;
        }
        if (mixed) {
          if (run < 0) run = q;
        } else if (run >= 0) {
          // Consecutive straddling tiles are evaluated together: their frame values are shared.
          const v = this.values(y0, y1, cs[run], cs[q]);
          const count = h * (cs[q] - cs[run]);
          let inter = 0;
          let union = 0;
          for (let i = 0; i < count; i++) {
            if (v[i] > lo) {
              union++;
              if (v[i] > hi) inter++;
            }
          }
          this.inter += inter;
          this.union += union;
          run = -1;
        }
      }
    }
  }

  box(maskThreshold: number): BoxXYXY {
    const t = f32(maskThreshold);
    const supMin = this.blocks();
    const supMax = this.supMax;
    const { rows, cols } = this.layout;
    const nbc = cols.blocks;
    this.xs = Infinity;
    this.ys = Infinity;
    this.xe = -1;
    this.ye = -1;
    // Blocks wholly above first, so that most straddling blocks and tiles fall inside the box
    // already and need no pixel values.
    for (let pass = 0; pass < 2; pass++) {
      for (let br = 0; br < rows.blocks; br++) {
        const y0 = blockStart(rows, br);
        const y1 = blockStart(rows, br + 1);
        if (y0 === y1) continue;
        for (let bc = 0; bc < nbc; bc++) {
          if (supMax[br * nbc + bc] <= t) continue;
          const x0 = blockStart(cols, bc);
          const x1 = blockStart(cols, bc + 1);
          if (x0 === x1) continue;
          const on = supMin[br * nbc + bc] > t;
          if (pass === 0 && on) this.grow(x0, y0, x1 - 1, y1 - 1);
          else if (pass === 1 && !on && !this.contains(x0, y0, x1, y1)) this.boxTiles(br, bc, t);
        }
      }
    }
    return this.xe < 0 ? [0, 0, 0, 0] : [this.xs, this.ys, this.xe, this.ye];
  }

  private grow(x0: number, y0: number, x1: number, y1: number): void {
    if (x0 < this.xs) this.xs = x0;
    if (y0 < this.ys) this.ys = y0;
    if (x1 > this.xe) this.xe = x1;
    if (y1 > this.ye) this.ye = y1;
  }

  /** Whether pixels [x0, x1) x [y0, y1) all lie inside the box grown so far. */
  private contains(x0: number, y0: number, x1: number, y1: number): boolean {
    return x0 >= this.xs && x1 - 1 <= this.xe && y0 >= this.ys && y1 - 1 <= this.ye;
  }

  /** Grows the box by the pixels above t of one block that straddles t. */
  private boxTiles(br: number, bc: number, t: number): void {
    const { rows, cols, scratch } = this.layout;
    const cs = cols.groups.start;
    const q0 = cols.blockGroup[bc];
    const q1 = cols.blockGroup[bc + 1];
    for (let k = rows.blockGroup[br]; k < rows.blockGroup[br + 1]; k++) {
      const y0 = rows.groups.start[k];
      const y1 = rows.groups.start[k + 1];
      if (this.contains(cs[q0], y0, cs[q1], y1)) continue;
      tileSupport(this.low, this.layout, k, bc);
      const { tileMin, tileMax } = scratch;
      let run = -1;
      for (let q = q0; q <= q1; q++) {
        const mixed = q < q1 && tileMax[q - q0] > t && !(tileMin[q - q0] > t);
        if (q < q1 && tileMin[q - q0] > t) this.grow(cs[q], y0, cs[q + 1] - 1, y1 - 1);
        if (mixed) {
          if (run < 0) run = q;
        } else if (run >= 0) {
          const xa = cs[run];
          const xb = cs[q];
          run = -1;
          if (this.contains(xa, y0, xb, y1)) continue;
          const v = this.values(y0, y1, xa, xb);
          const w = xb - xa;
          for (let y = y0; y < y1; y++) {
            for (let x = xa; x < xb; x++) {
              if (v[(y - y0) * w + x - xa] > t) this.grow(x, y, x, y);
            }
          }
        }
      }
    }
  }

  rleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
    const t = f32(maskThreshold);
    const [bx0, by0, bx1, by1] = box;
    // box() gives [0, 0, 0, 0] for an empty mask, as for a mask of pixel (0, 0) alone.
    if (bx0 === 0 && by0 === 0 && bx1 === 0 && by1 === 0 && !(pixelValue(this.low, this.layout.geometry, 0, 0) > t)) {
      const b = new RunBuilder();
      b.zeros(frameW * frameH);
      return b.finish(frameH, frameW);
    }
    const supMin = this.blocks();
    return sparseRleInFrame(this.low, this.layout, supMin, this.supMax, t, box, x0, y0, frameW, frameH);
  }
}
