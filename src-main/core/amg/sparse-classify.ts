// One pass over a low-res map that answers the stability question at two cutoffs (lo, hi) and keeps
// the mask at a third (t) for box() and rleInFrame(), so that the ~90% of masks that pass the
// stability filter are not classified a second time.
//
// Blocks (sparse-layout.ts) whose support is on one side of every cutoff are decided from their
// band set (blockBands); every other block goes to sparse-estimate.ts, which decides its pixels from a
// float64 estimate with a proven error margin (runs of pixels at once where it can) and computes the
// dense value (upsample.pixelValue) only for the rare pixels within the margin of a cutoff. On the
// recorded test-model maps of the bench photos this replaced evaluating every pixel of a straddling
// block with the dense float32 arithmetic (upsample.ts, per pixel): ~1.5-2x less CPU per mask.

import { BAND_NONFINITE, blockStart, MIXED, OFF, ON, supportMagnitude, type TileLayout } from './sparse-layout';
import { estimateBlock, estimateMargin } from './sparse-estimate';

/** A map cut at t, block by block: what box() and rleInFrame() read. */
export interface CutMask {
  /** The cutoff (a float32 value). */
  t: number;
  /** Per block (row-major, rows.blocks x cols.blocks): OFF, ON or MIXED at t. */
  state: Uint8Array;
  /** Per MIXED block: index in colEdge of its first pixel column (-1 for other blocks). */
  offset: Int32Array;
  /**
   * Per pixel column of the MIXED blocks: its edges are edges[colEdge[k]] .. edges[colEdge[k + 1] - 1]
   * (one extra entry at the end).
   */
  colEdge: Int32Array;
  /**
   * Where (value > t) toggles down a block's column, as offsets from the block's first row, the
   * column starting off. COCO's RLE runs down columns, so these are nearly its runs already; a map
   * is far from ragged at the pixel level, so edges are much fewer than pixels.
   */
  edges: Int32Array;
}

/** Stability counts at (lo, hi) and the cut at t of one map. */
export interface MapCuts {
  /** Pixels above max(lo, hi) and above lo (SAM's intersection and union). */
  inter: number;
  union: number;
  cut: CutMask;
}

const NONE = 0;
const UNION = 1;
const BOTH = 2;
const ESTIMATE = 3;

/** Per band set (sparse-layout.ts): the block's state at t, and what it adds to the counts. */
const STATE_AT_T = new Uint8Array(32);
const COUNT_KIND = new Uint8Array(32);
for (let m = 0; m < 32; m++) {
  // Bands 0, 1 are at or below t; 2, 3 above it.
  STATE_AT_T[m] = m & BAND_NONFINITE ? MIXED : (m & 0b1100) === 0 ? OFF : (m & 0b0011) === 0 ? ON : MIXED;
  const straddlesLo = (m & 0b0001) !== 0 && (m & 0b1110) !== 0;
  const straddlesHi = (m & 0b1000) !== 0 && (m & 0b0111) !== 0;
  COUNT_KIND[m] = m & BAND_NONFINITE || straddlesLo || straddlesHi ? ESTIMATE : m & 0b1000 ? BOTH : m & 0b0110 ? UNION : NONE;
}

/**
 * Classifies one map. bands: the block band sets (blockBands at lo, t, hi). The counts nest as the
 * dense ones do: a pixel counts in `inter` only if it is above lo and above hi.
 */
export function classifyMap(low: Float32Array, layout: TileLayout, bands: Uint8Array, lo: number, hi: number, t: number): MapCuts {
  const { rows, cols, taps, geometry } = layout;
  const nbr = rows.blocks;
  const nbc = cols.blocks;
  const state = new Uint8Array(nbr * nbc);
  const offset = new Int32Array(nbr * nbc).fill(-1);
  // States at t first, to size the column index once.
  let nCols = 0;
  for (let i = 0; i < nbr * nbc; i++) {
    const s = STATE_AT_T[bands[i]];
    state[i] = s;
    if (s !== MIXED) continue;
    offset[i] = nCols;
    const bc = i % nbc;
    nCols += blockStart(cols, bc + 1) - blockStart(cols, bc);
  }
  const nonFinite = nbr * nbc > 0 && (bands[0] & BAND_NONFINITE) !== 0;
  const sink = taps.sink;
  sink.n = 0;
  sink.colEdge = new Int32Array(nCols + 1);
  let inter = 0;
  let union = 0;
  for (let br = 0; br < nbr; br++) {
    const y0 = blockStart(rows, br);
    const y1 = blockStart(rows, br + 1);
    const h = y1 - y0;
    if (h === 0) continue;
    for (let bc = 0; bc < nbc; bc++) {
      const i = br * nbc + bc;
      const kind = COUNT_KIND[bands[i]];
      const cut = state[i] === MIXED;
      if (kind !== ESTIMATE && !cut) {
        if (kind === NONE) continue;
        const area = h * (blockStart(cols, bc + 1) - blockStart(cols, bc));
        union += area;
        if (kind === BOTH) inter += area;
        continue;
      }
      const x0 = blockStart(cols, bc);
      const x1 = blockStart(cols, bc + 1);
      const area = h * (x1 - x0);
      if (area === 0) continue;
      if (kind === UNION) union += area;
      else if (kind === BOTH) {
        inter += area;
        union += area;
      }
      // A map with a non-finite cell gets an infinite margin: every pixel is computed densely.
      const margin = nonFinite ? Infinity : estimateMargin(supportMagnitude(low, layout, br, bc));
      const r = estimateBlock(low, geometry, taps, y0, y1, x0, x1, margin, lo, hi, t, cut ? sink : null, offset[i]);
      if (kind === ESTIMATE) {
        const b = Math.floor(r / 2 ** 26);
        union += r - b * 2 ** 26;
        inter += b;
      }
    }
  }
  sink.colEdge[nCols] = sink.n;
  return { inter, union, cut: { t, state, offset, colEdge: sink.colEdge, edges: sink.edges.slice(0, sink.n) } };
}
