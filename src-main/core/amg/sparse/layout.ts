// The per-crop bookkeeping of the sparse low-res path (sparse.ts), computed once per crop and
// shared by all its masks.
//
// Blocks of BLOCK_CELLS x BLOCK_CELLS low-res cells, built from the axes' groups (runs of crop
// pixels that read exactly the same low-res cells, axisGroups): every group belongs to the block of
// its first low-res index, so the pixels of block (br, bc) form one rectangle of the crop whose
// "support" (the low-res cells its upsampled values are convex combinations of, upsample.ts) is a
// rectangle of about (BLOCK_CELLS + 2)^2 cells. Most of a mask's map is far from the cutoffs, and a
// block lets its pixels be decided from the bands its cells fall in (blockBands).

import { estimateTaps, type EstimateTaps } from './estimate';
import { axisGroups, type AxisGroups, type UpsampleGeometry } from '../upsample';

/**
 * Low-res cells per block side. Smaller blocks leave fewer pixels to evaluate in blocks that
 * straddle a cutoff, larger ones cost less per block. Measured on the recorded test-model maps of
 * the bench photos (800x534, 2250x1500; all 3072 masks of points_per_side 32): 4 beat 8 by ~20% at
 * 800x534 and ~30% at 2250x1500; 2 and 3 were no better. Re-measured with the float64 estimate
 * (estimate.ts): 2 was ~35% slower, 3 and 6 no better than 4. Again with band sets
 * (blockBands), runs interleaved in one process: 2 and 3 were 2.5x and 1.5x slower at 800x534, 5
 * and 6 within the noise of 4.
 */
export const BLOCK_CELLS = 4;

/** One axis of the layout: groups, blocks, and where each crop pixel falls. */
export interface AxisLayout {
  groups: AxisGroups;
  /** Low-res cells of this axis the crop reads (0 .. cells-1). */
  cells: number;
  /** Group of each crop pixel. */
  groupOf: Int32Array;
  /** Blocks along the axis. */
  blocks: number;
  /** Block b holds groups blockGroup[b] .. blockGroup[b + 1] - 1 (possibly none). */
  blockGroup: Int32Array;
  /** First crop pixel of each block, and the crop size at the end (blockStart). */
  blockPix: Int32Array;
  /** Block of each crop pixel. */
  blockOf: Int32Array;
  /** Low-res cells read by the pixels of block b: supLo[b] .. supHi[b] (supLo > supHi if none). */
  supLo: Int32Array;
  supHi: Int32Array;
}

/**
 * Geometry plus blocks of one crop, shared by every map of the crop.
 */
export interface TileLayout {
  geometry: UpsampleGeometry;
  rows: AxisLayout;
  cols: AxisLayout;
  /** 3-tap weights of the float64 estimate (estimate.ts). */
  taps: EstimateTaps;
  /** Scratch for one map's block band sets (blockBands), per block, row-major. */
  bands: Uint8Array;
  /** Bytes per pixel row of a cut's MIXED block (classify.ts CutMask): the widest block's, in bits. */
  cutRowBytes: number;
}

/** Largest low-res side handled (SAM's is 256): sizes blockBands' scratch. */
export const MAX_LOW_SIZE = 1024;
/**
 * Scratch of blockBands, module constants rather than per-layout buffers (V8 then folds their base
 * and length): each cell's band bit, rows MAX_LOW_SIZE bytes apart, and per low-res column the
 * bits of one block row, both read 4 columns at a time through Int32 views. Safe to share:
 * blockBands never yields, and each worker thread has its own module instance.
 */
const CELL_BITS = new Uint8Array(MAX_LOW_SIZE * MAX_LOW_SIZE);
const CELL_WORDS = new Int32Array(CELL_BITS.buffer);
const COL_BITS = new Uint8Array(MAX_LOW_SIZE);
const COL_WORDS = new Int32Array(COL_BITS.buffer);
const ROW_WORDS = MAX_LOW_SIZE / 4;

/**
 * Band bits. A cell's band is the number of cutoffs (lo <= t <= hi) it is above, 0..3; a block's
 * band set has bit 1 << band for each band one of its support's cells falls in. A single bit means
 * every pixel of the block is above exactly those cutoffs (an upsampled value is a convex
 * combination of its support, upsample.ts).
 */
export const BAND_ALL = 0b1111;
/** Set on every block of a map with a NaN or infinite cell: such maps are computed densely. */
export const BAND_NONFINITE = 0b10000;

export const OFF = 0;
export const ON = 1;
export const MIXED = 2;

function groupOf(groups: AxisGroups, size: number): Int32Array {
  const out = new Int32Array(size);
  for (let k = 0; k + 1 < groups.start.length; k++) out.fill(k, groups.start[k], groups.start[k + 1]);
  return out;
}

function axisLayout(groups: AxisGroups, size: number): AxisLayout {
  const nG = groups.lowMin.length;
  const cells = nG > 0 ? groups.lowMax[nG - 1] + 1 : 0;
  const blocks = Math.ceil(cells / BLOCK_CELLS);
  // lowMin is non-decreasing along the axis (both bilinear stages are monotone), so the groups of a
  // block are consecutive.
  const blockGroup = new Int32Array(blocks + 1);
  let k = 0;
  for (let b = 0; b <= blocks; b++) {
    while (k < nG && Math.floor(groups.lowMin[k] / BLOCK_CELLS) < b) k++;
    blockGroup[b] = k;
  }
  blockGroup[blocks] = nG;
  const gOf = groupOf(groups, size);
  const blockOf = new Int32Array(size);
  for (let d = 0; d < size; d++) blockOf[d] = Math.floor(groups.lowMin[gOf[d]] / BLOCK_CELLS);
  const supLo = new Int32Array(blocks);
  const supHi = new Int32Array(blocks).fill(-1);
  for (let b = 0; b < blocks; b++) {
    if (blockGroup[b] === blockGroup[b + 1]) continue;
    supLo[b] = groups.lowMin[blockGroup[b]];
    for (let k = blockGroup[b]; k < blockGroup[b + 1]; k++) supHi[b] = Math.max(supHi[b], groups.lowMax[k]);
  }
  const blockPix = Int32Array.from(blockGroup, (k) => groups.start[k]);
  return { groups, cells, groupOf: gOf, blocks, blockGroup, blockPix, blockOf, supLo, supHi };
}

export function tileLayout(geometry: UpsampleGeometry): TileLayout {
  const g = geometry;
  if (g.lowSize > MAX_LOW_SIZE) {
    throw new Error(`tileLayout: low-res maps of side ${g.lowSize} exceed ${MAX_LOW_SIZE}; turn useLowResLogits off for this model.`);
  }
  const rowGroups = axisGroups(g.s1Rows, g.s2Rows, g.outH);
  const colGroups = axisGroups(g.s1Cols, g.s2Cols, g.outW);
  const rows = axisLayout(rowGroups, g.outH);
  const cols = axisLayout(colGroups, g.outW);
  return {
    geometry: g,
    rows,
    cols,
    taps: estimateTaps(g),
    bands: new Uint8Array(rows.blocks * cols.blocks),
    cutRowBytes: Math.ceil(Math.max(1, widestBlock(cols)) / 8),
  };
}

/** Pixels of the largest block along an axis. */
export function widestBlock(axis: AxisLayout): number {
  let widest = 0;
  for (let b = 0; b < axis.blocks; b++) widest = Math.max(widest, axis.blockPix[b + 1] - axis.blockPix[b]);
  return widest;
}

/** First crop pixel of block b along an axis (blocks without groups are empty: start = end). */
export function blockStart(axis: AxisLayout, b: number): number {
  return axis.blockPix[b];
}

/**
 * The band set of every block of one map into `bands` (row-major, rows.blocks x cols.blocks): for
 * each block row, the bands of every low-res column over the rows its pixels read, then over the
 * columns each block's pixels read. A block without pixels gets an empty set.
 *
 * Each cell's band is found once and block rows OR them 4 columns at a time: ~2x faster than a
 * min / max of the cells per block row (measured on the recorded bench maps, 800x534: 228 -> ~110
 * us per map), whose branches a ragged map makes unpredictable. The min / max is needed only for
 * the ~9 % of blocks that straddle a cutoff (supportMagnitude).
 *
 * Non-finite cells. Comparisons skip NaN, yet a pixel reading one is NaN, never above a cutoff; a
 * pixel reading a +Infinity cell with weight 0 is NaN too (0 * Infinity). So one such cell (v - v
 * is NaN) marks every block BAND_NONFINITE, and each pixel is then computed densely
 * (estimate.ts): slow and exact for a map no sane decoder returns.
 */
export function blockBands(low: Float32Array, layout: TileLayout, lo: number, t: number, hi: number, bands: Uint8Array): void {
  const { rows, cols } = layout;
  const n = layout.geometry.lowSize;
  const nbc = cols.blocks;
  const nCols = cols.cells;
  const cLo = cols.supLo;
  const cHi = cols.supHi;
  const cell = CELL_BITS;
  const nRows = rows.cells;
  let bad = 0;
  // Each cell's band once (block rows share support rows). Most cells of a mask's map are far below
  // every cutoff, so that test comes first; the rest also screens for NaN and +Infinity. -Infinity
  // needs no screen: a pixel reading it is -Infinity or NaN, below every cutoff either way, and a
  // block that reads it and straddles a cutoff gets an infinite margin (supportMagnitude).
  for (let r = 0; r < nRows; r++) {
    const a = r * n;
    const c = r * MAX_LOW_SIZE;
    for (let j = 0; j < nCols; j++) {
      const v = low[a + j];
      if (v <= lo) cell[c + j] = 1;
      else {
        bad |= +(v - v !== 0);
        cell[c + j] = 1 << (1 + +(v > t) + +(v > hi));
      }
    }
  }
  const words = (nCols + 3) >> 2;
  for (let br = 0; br < rows.blocks; br++) {
    const r0 = rows.supLo[br];
    const r1 = rows.supHi[br];
    if (r0 > r1) {
      bands.fill(0, br * nbc, (br + 1) * nbc);
      continue;
    }
    // Bytes past nCols in the last word are never read below.
    COL_WORDS.set(CELL_WORDS.subarray(r0 * ROW_WORDS, r0 * ROW_WORDS + words));
    for (let r = r0 + 1; r <= r1; r++) {
      const w0 = r * ROW_WORDS;
      for (let w = 0; w < words; w++) COL_WORDS[w] |= CELL_WORDS[w0 + w];
    }
    for (let bc = 0; bc < nbc; bc++) {
      let m = 0;
      for (let j = cLo[bc]; j <= cHi[bc]; j++) m |= COL_BITS[j];
      bands[br * nbc + bc] = m;
    }
  }
  if (bad) bands.fill(BAND_ALL | BAND_NONFINITE);
}

/** Largest |cell| of block (br, bc)'s support: what bounds its float64 estimate's error. */
export function supportMagnitude(low: Float32Array, layout: TileLayout, br: number, bc: number): number {
  const n = layout.geometry.lowSize;
  const c0 = layout.cols.supLo[bc];
  const c1 = layout.cols.supHi[bc];
  let m = 0;
  for (let r = layout.rows.supLo[br]; r <= layout.rows.supHi[br]; r++) {
    for (let j = r * n + c0, e = r * n + c1; j <= e; j++) m = Math.max(m, Math.abs(low[j]));
  }
  return m;
}
