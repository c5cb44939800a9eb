// One pass over a low-res map that answers the stability question at two cutoffs (lo, hi) and keeps
// the mask at a third (t) for box() and rleInFrame(), so that the ~90% of masks that pass the
// stability filter are not classified a second time.
//
// Blocks (sparse-layout.ts) whose support is on one side of every cutoff are decided from their
// support min / max; every other block is evaluated pixel by pixel with the dense arithmetic
// (upsample.tileValues, one call per block so each frame value is computed once). Evaluating a
// straddling block whole costs more pixels than evaluating only its straddling tiles (the previous
// design), but far less bookkeeping: with 4x4-cell blocks it was ~1.7x faster at 800x534 and as fast
// at 2250x1500 on the recorded test-model maps of the bench photos.

import { blockStart, MIXED, OFF, ON, type TileLayout } from './sparse-layout';
import { tileValues } from './upsample';

/** A map cut at t, block by block: what box() and rleInFrame() read. */
export interface CutMask {
  /** The cutoff (a float32 value). */
  t: number;
  /** Per block (row-major, rows.blocks x cols.blocks): OFF, ON or MIXED at t. */
  state: Uint8Array;
  /** Per MIXED block: where its pixels start in bits (-1 for other blocks). */
  offset: Int32Array;
  /**
   * (value > t) of the pixels of MIXED blocks, 0 or 1 a byte, each block's rectangle column-major
   * (index (x - x0) * height + (y - y0)), since COCO's RLE runs down columns.
   */
  bits: Uint8Array;
}

/** Stability counts at (lo, hi) and the cut at t of one map. */
export interface MapCuts {
  /** Pixels above max(lo, hi) and above lo (SAM's intersection and union). */
  inter: number;
  union: number;
  cut: CutMask;
}

/**
 * Classifies one map. supMin / supMax: the block supports (blockSupport). The counts nest as the
 * dense ones do: a pixel counts in `inter` only if it is above lo and above hi.
 */
export function classifyMap(
  low: Float32Array,
  layout: TileLayout,
  supMin: Float32Array,
  supMax: Float32Array,
  lo: number,
  hi: number,
  t: number,
): MapCuts {
  const { rows, cols, scratch, geometry } = layout;
  const nbr = rows.blocks;
  const nbc = cols.blocks;
  const state = new Uint8Array(nbr * nbc);
  const offset = new Int32Array(nbr * nbc).fill(-1);
  // States at t first, to size the bits once.
  let nBits = 0;
  for (let br = 0; br < nbr; br++) {
    const h = blockStart(rows, br + 1) - blockStart(rows, br);
    for (let bc = 0; bc < nbc; bc++) {
      const i = br * nbc + bc;
      const s = supMax[i] <= t ? OFF : supMin[i] > t ? ON : MIXED;
      state[i] = s;
      if (s !== MIXED) continue;
      offset[i] = nBits;
      nBits += h * (blockStart(cols, bc + 1) - blockStart(cols, bc));
    }
  }
  const bits = new Uint8Array(nBits);
  let inter = 0;
  let union = 0;
  for (let br = 0; br < nbr; br++) {
    const y0 = blockStart(rows, br);
    const y1 = blockStart(rows, br + 1);
    const h = y1 - y0;
    if (h === 0) continue;
    for (let bc = 0; bc < nbc; bc++) {
      const i = br * nbc + bc;
      const mx = supMax[i];
      const mn = supMin[i];
      const x0 = blockStart(cols, bc);
      const x1 = blockStart(cols, bc + 1);
      const w = x1 - x0;
      const area = h * w;
      let count = false;
      if (mx <= lo) {
        // below both cutoffs
      } else if (mn > hi) {
        inter += area;
        union += area;
      } else if (mn > lo && mx <= hi) {
        union += area;
      } else count = true;
      const cut = state[i] === MIXED;
      if (area === 0 || (!count && !cut)) continue;
      if (scratch.values.length < area) scratch.values = new Float32Array(area * 2);
      const v = scratch.values;
      tileValues(low, geometry, y0, y1, x0, x1, v, scratch);
      if (count) {
        let a = 0;
        let b = 0;
        for (let p = 0; p < area; p++) {
          if (v[p] > lo) {
            a++;
            if (v[p] > hi) b++;
          }
        }
        union += a;
        inter += b;
      }
      if (cut) {
        const o = offset[i];
        for (let y = 0; y < h; y++) {
          const row = y * w;
          for (let x = 0; x < w; x++) bits[o + x * h + y] = v[row + x] > t ? 1 : 0;
        }
      }
    }
  }
  return { inter, union, cut: { t, state, offset, bits } };
}
