// One pass over a low-res map that answers the stability question at two cutoffs (lo, hi) and keeps
// the mask at a third (t) for box() and rleInFrame(), so that the ~90% of masks that pass the
// stability filter are not classified a second time.
//
// Blocks (layout.ts) whose support is on one side of every cutoff are decided from their
// band set (blockBands); every other block goes to estimate.ts, which decides its pixels from a
// float64 estimate with a proven error margin (runs of pixels at once where it can) and computes the
// dense value (upsample.pixelValue) only for the rare pixels within the margin of a cutoff. On the
// recorded test-model maps of the bench photos this replaced evaluating every pixel of a straddling
// block with the dense float32 arithmetic (upsample.ts, per pixel): ~1.5-2x less CPU per mask.

import { BAND_NONFINITE, blockStart, MIXED, OFF, ON, supportMagnitude, type TileLayout } from './layout';
import { estimateBlock, estimateMargin } from './estimate';

/**
 * A map cut at t, block by block: what box() and rleInFrame() read. It may hold only the block rows
 * its mask touches (row0 on): the blocks of every other row are off.
 */
export interface CutMask {
  /** The cutoff (a float32 value). */
  t: number;
  /** The first block row held. */
  row0: number;
  /** Per block of the rows held (row-major, cols.blocks per row): OFF, ON or MIXED at t. */
  state: Uint8Array;
  /** Bytes per pixel row of a MIXED block (the layout's cutRowBytes). */
  rowBytes: number;
  /**
   * The pixels of the MIXED blocks held, block after block in state's order: each block's pixel rows
   * top to bottom, rowBytes bytes each, bit x (byte x >> 3, bit x & 7) set where (value > t) at the
   * block's pixel column x. A mask's edge is a thin line through its box, so these are far smaller
   * than the mask; bits rather than runs, because the kernel (kernel-host.ts) gets a pixel row's
   * states as one mask and stores it as is.
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

const NONE = 0;
const UNION = 1;
const BOTH = 2;
const ESTIMATE = 3;

/** Per band set (layout.ts): the block's state at t, and what it adds to the counts. */
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
  const rowBytes = layout.cutRowBytes;
  const state = new Uint8Array(nbr * nbc);
  // Where each MIXED block's bits start: states at t first, to size the bits once.
  const at = new Int32Array(nbr * nbc);
  let nBytes = 0;
  for (let i = 0; i < nbr * nbc; i++) {
    const s = STATE_AT_T[bands[i]];
    state[i] = s;
    if (s !== MIXED) continue;
    at[i] = nBytes;
    const br = Math.floor(i / nbc);
    nBytes += (blockStart(rows, br + 1) - blockStart(rows, br)) * rowBytes;
  }
  const nonFinite = nbr * nbc > 0 && (bands[0] & BAND_NONFINITE) !== 0;
  const sink = { bits: new Uint8Array(nBytes), rowBytes };
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
      const r = estimateBlock(low, geometry, taps, y0, y1, x0, x1, margin, lo, hi, t, cut ? sink : null, at[i]);
      if (kind === ESTIMATE) {
        const b = Math.floor(r / 2 ** 26);
        union += r - b * 2 ** 26;
        inter += b;
      }
    }
  }
  return { inter, union, cut: { t, row0: 0, state, rowBytes, bits: sink.bits } };
}
