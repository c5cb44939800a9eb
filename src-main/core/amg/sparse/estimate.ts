// A fast float64 estimate of the upsampled logits of a block, with a rigorous bound on how far it can
// be from the dense value (upsample.pixelValue), so that only pixels whose estimate lies within that
// margin of a cutoff are computed exactly.
//
// Both bilinear stages are linear and separable, so each crop pixel is sum_a sum_b WY[y][a] WX[x][b]
// L[a][b] over at most 3 consecutive low-res cells per axis (a crop pixel reads two adjacent frame
// rows, each reading two adjacent low-res rows). The weights are the products of the two stages'
// float64 weights, computed once per crop.
//
// Error bound. Let M = max |L| over the cells a pixel reads (all weights are >= 0 and sum to 1 per
// axis, so every intermediate is <= M in magnitude). The dense path rounds to float32 twice (the
// frame value and the pixel value), each adding at most 2^-24 of a magnitude <= M, and does ~12
// float64 operations (each <= 2^-53 relative); the estimate does ~12 float64 operations and its
// composed weights carry ~2 float64 roundings each. So |estimate - dense| <= 2 * 2^-24 * M + ~40 *
// 2^-53 * M, plus, for values in float32's subnormal range where rounding is absolute, 2 * 2^-150.
// ESTIMATE_MARGIN_ULPS takes 64 * 2^-24 * M (32x the bound) plus 2^-140, so a pixel whose estimate
// is farther than that from every cutoff is on the same side of each cutoff as its dense value.

import type { AxisTable, UpsampleGeometry } from '../upsample';
import { pixelValue } from '../upsample';

/** Margin of the estimate, in units of 2^-24 of the support's largest magnitude (see above). */
export const ESTIMATE_MARGIN_ULPS = 64;
/** Margin per unit of the support's largest magnitude. */
export const MARGIN_PER_MAGNITUDE = ESTIMATE_MARGIN_ULPS * 2 ** -24;
/** Absolute part of the margin, for maps of tiny values (float32 subnormals round absolutely). */
export const ABS_MARGIN = 2 ** -140;

/** Per crop index of one axis: the first of 3 low-res cells it reads and their weights. */
export interface AxisTaps {
  first: Int32Array;
  /** End (exclusive) of the run of crop indices with the same `first` as this one. */
  runEnd: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
  w2: Float64Array;
}

/** Composes stage 1 (low-res -> frame) and stage 2 (frame -> crop) of one axis into 3-tap weights. */
export function axisTaps(s1: AxisTable, s2: AxisTable, lowSize: number, outSize: number): AxisTaps {
  if (lowSize < 3) throw new Error(`axisTaps: low-res maps of side ${lowSize} are too small (need >= 3).`);
  const t: AxisTaps = {
    first: new Int32Array(outSize),
    runEnd: new Int32Array(outSize),
    w0: new Float64Array(outSize),
    w1: new Float64Array(outSize),
    w2: new Float64Array(outSize),
  };
  const idx = [0, 0, 0, 0];
  const wt = [0, 0, 0, 0];
  for (let d = 0; d < outSize; d++) {
    const f0 = s2.lo[d];
    const f1 = s2.hi[d];
    idx[0] = s1.lo[f0];
    wt[0] = s2.wLo[d] * s1.wLo[f0];
    idx[1] = s1.hi[f0];
    wt[1] = s2.wLo[d] * s1.wHi[f0];
    idx[2] = s1.lo[f1];
    wt[2] = s2.wHi[d] * s1.wLo[f1];
    idx[3] = s1.hi[f1];
    wt[3] = s2.wHi[d] * s1.wHi[f1];
    const lo = Math.min(...idx);
    if (Math.max(...idx) - lo > 2) throw new Error(`axisTaps: crop index ${d} reads more than 3 low-res cells.`);
    // Clamped so the 3 taps stay inside the map; a tap outside the cells read gets weight 0.
    const first = Math.min(lo, lowSize - 3);
    t.first[d] = first;
    const w = [0, 0, 0];
    for (let k = 0; k < 4; k++) w[idx[k] - first] += wt[k];
    t.w0[d] = w[0];
    t.w1[d] = w[1];
    t.w2[d] = w[2];
  }
  for (let d = outSize - 1; d >= 0; d--) t.runEnd[d] = d + 1 < outSize && t.first[d + 1] === t.first[d] ? t.runEnd[d + 1] : d + 1;
  return t;
}

/** Both axes' taps of one crop, plus scratch for the horizontal pass. */
export interface EstimateTaps {
  rows: AxisTaps;
  cols: AxisTaps;
  horiz: Float64Array;
}

export function estimateTaps(g: UpsampleGeometry): EstimateTaps {
  return {
    rows: axisTaps(g.s1Rows, g.s2Rows, g.lowSize, g.outH),
    cols: axisTaps(g.s1Cols, g.s2Cols, g.lowSize, g.outW),
    horiz: new Float64Array(1024),
  };
}

/** Where estimateBlock sets the bits of the cut at t: a CutMask's bits (classify.ts). */
export interface BitSink {
  bits: Uint8Array;
  rowBytes: number;
}

/** Sets bit dx of pixel rows r0 .. r1 - 1 of the block whose bits start at `at`. */
function setBits(sink: BitSink, at: number, dx: number, r0: number, r1: number): void {
  const { bits, rowBytes } = sink;
  const bit = 1 << (dx & 7);
  for (let p = at + r0 * rowBytes + (dx >> 3), e = at + r1 * rowBytes; p < e; p += rowBytes) bits[p] |= bit;
}

/** Margin for a block whose support's cells are at most `magnitude` in absolute value. */
export function estimateMargin(magnitude: number): number {
  return magnitude * MARGIN_PER_MAGNITUDE + ABS_MARGIN;
}

/**
 * Decides the pixels y0..y1-1 x x0..x1-1 of one map at the cutoffs lo, hi and t, the decisions being
 * those of the dense values (pixelValue): returns the pixels above lo plus 2^26 times those above
 * both lo and hi (stability counts, as the dense count nests them). With a sink, also sets the bits
 * of (value > t) of the block's pixels, from sink.bits[at] (rows of sink.rowBytes bytes, bit x - x0
 * of each; the bits must be clear). `margin` from estimateMargin of any bound on the magnitude of
 * the cells the block reads.
 */
export function estimateBlock(
  low: Float32Array,
  g: UpsampleGeometry,
  taps: EstimateTaps,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
  margin: number,
  lo: number,
  hi: number,
  t: number,
  sink: BitSink | null,
  at: number,
): number {
  const n = g.lowSize;
  const { rows: R, cols: C } = taps;
  const RF = R.first;
  const RW0 = R.w0;
  const RW1 = R.w1;
  const RW2 = R.w2;
  const CF = C.first;
  const CW0 = C.w0;
  const CW1 = C.w1;
  const CW2 = C.w2;
  const RE = R.runEnd;
  const ra = RF[y0];
  const nr = RF[y1 - 1] + 3 - ra;
  const h = y1 - y0;
  if (taps.horiz.length < nr * (x1 - x0)) taps.horiz = new Float64Array(nr * (x1 - x0) * 2);
  const H = taps.horiz;
  // Horizontal pass: the low-res rows the block reads, at its columns, column-major
  // (H[(x - x0) * nr + a - ra]), since the cut is walked down columns.
  for (let x = x0; x < x1; x++) {
    let p = ra * n + CF[x];
    const cw0 = CW0[x];
    const cw1 = CW1[x];
    const cw2 = CW2[x];
    const col = (x - x0) * nr;
    for (let a = 0; a < nr; a++, p += n) H[col + a] = low[p] * cw0 + low[p + 1] * cw1 + low[p + 2] * cw2;
  }
  let above = 0;
  let both = 0;
  for (let x = x0; x < x1; x++) {
    const col = (x - x0) * nr - ra;
    const dx = x - x0;
    // A column whose H values all lie beyond the margin on one side of every cutoff is decided
    // whole: ~45 % of the columns of straddling blocks on the recorded bench maps. (H is finite:
    // classifyMap gives maps with a non-finite cell an infinite margin, which decides nothing.)
    let cmn = Infinity;
    let cmx = -Infinity;
    for (let a = col + ra, e = a + nr; a < e; a++) {
      const v = H[a];
      cmn = v < cmn ? v : cmn;
      cmx = v > cmx ? v : cmx;
    }
    cmn -= margin;
    cmx += margin;
    const cLo = cmn > lo ? 1 : cmx < lo ? 0 : -1;
    const cHi = cmn > hi ? 1 : cmx < hi ? 0 : -1;
    const cT = cmn > t ? 1 : cmx < t ? 0 : -1;
    if ((cLo | cHi | cT) >= 0) {
      above += cLo * h;
      both += (cLo & cHi) * h;
      if (sink && cT === 1) setBits(sink, at, dx, 0, h);
      continue;
    }
    for (let y = y0; y < y1;) {
      // A run of pixels reading the same 3 rows of H: their values are convex combinations of those
      // 3, so a run whose 3 values are beyond the margin on one side of every cutoff is decided.
      const end = Math.min(RE[y], y1);
      const a = col + RF[y];
      const h0 = H[a];
      const h1 = H[a + 1];
      const h2 = H[a + 2];
      const mn = Math.min(h0, h1, h2) - margin;
      const mx = Math.max(h0, h1, h2) + margin;
      const sLo = mn > lo ? 1 : mx < lo ? 0 : -1;
      const sHi = mn > hi ? 1 : mx < hi ? 0 : -1;
      const sT = mn > t ? 1 : mx < t ? 0 : -1;
      if ((sLo | sHi | sT) >= 0) {
        above += sLo * (end - y);
        both += (sLo & sHi) * (end - y);
        if (sink && sT === 1) setBits(sink, at, dx, y - y0, end - y0);
        y = end;
        continue;
      }
      for (; y < end; y++) {
        let v = h0 * RW0[y] + h1 * RW1[y] + h2 * RW2[y];
        // Within the margin of a cutoff (or NaN): take the dense value.
        const far = +(Math.abs(v - lo) > margin) & +(Math.abs(v - hi) > margin) & +(Math.abs(v - t) > margin);
        if (far === 0) v = pixelValue(low, g, y, x);
        const up = +(v > lo);
        above += up;
        both += up & +(v > hi);
        if (sink && v > t) setBits(sink, at, dx, y - y0, y - y0 + 1);
      }
    }
  }
  return above + both * 2 ** 26;
}
