// The per-crop bookkeeping of the sparse low-res path (sparse.ts), computed once per crop and
// shared by all its masks.
//
// Blocks of BLOCK_CELLS x BLOCK_CELLS low-res cells, built from the axes' groups (runs of crop
// pixels that read exactly the same low-res cells, axisGroups): every group belongs to the block of
// its first low-res index, so the pixels of block (br, bc) form one rectangle of the crop whose
// "support" (the low-res cells its upsampled values are convex combinations of, upsample.ts) is a
// rectangle of about (BLOCK_CELLS + 2)^2 cells. Most of a mask's map is far from the cutoffs, and a
// block lets its pixels be decided from one min / max.

import { estimateTaps, type EstimateTaps } from './sparse-estimate';
import { axisGroups, type AxisGroups, type UpsampleGeometry } from './upsample';

/**
 * Low-res cells per block side. Smaller blocks leave fewer pixels to evaluate in blocks that
 * straddle a cutoff, larger ones make the per-map support pass cheaper. Measured on the recorded
 * test-model maps of the bench photos (800x534, 2250x1500; all 3072 masks of points_per_side 32):
 * 4 beat 8 by ~20% at 800x534 and ~30% at 2250x1500; 2 and 3 were no better. Re-measured with the
 * float64 estimate (sparse-estimate.ts): 2 was ~35% slower, 3 and 6 no better than 4.
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
  /** 3-tap weights of the float64 estimate (sparse-estimate.ts). */
  taps: EstimateTaps;
  /** Scratch for one map's block supports (blockSupport), per block, row-major. */
  support: { supMin: Float32Array; supMax: Float32Array };
}

/** Largest low-res side handled (SAM's is 256): sizes blockSupport's scratch. */
export const MAX_LOW_SIZE = 1024;
/**
 * Per low-res column: min / max over the rows of one block row (blockSupport). Module constants, not
 * per-layout buffers: V8 then folds their base and length, ~20 % of blockSupport's time. Safe to
 * share: blockSupport never yields, and each worker thread has its own module instance.
 */
const COL_MIN = new Float64Array(MAX_LOW_SIZE);
const COL_MAX = new Float64Array(MAX_LOW_SIZE);

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
    support: { supMin: new Float32Array(rows.blocks * cols.blocks), supMax: new Float32Array(rows.blocks * cols.blocks) },
  };
}

/** First crop pixel of block b along an axis (blocks without groups are empty: start = end). */
export function blockStart(axis: AxisLayout, b: number): number {
  return axis.blockPix[b];
}

/**
 * Support min / max of every block of one map into supMin / supMax (row-major, rows.blocks x
 * cols.blocks): for each block row, the min / max of every low-res column over the rows its pixels
 * read, then over the columns each block's pixels read. A block without pixels gets an empty
 * support (min +Infinity, max -Infinity), which every test reads as "below".
 *
 * Rows are taken two at a time (one compare orders the pair, then one compare each against the
 * column's min and max): ~1.6x faster than one row at a time on the bench maps, where a ragged map
 * makes the "new min / new max" branches unpredictable.
 *
 * NaN cells. Comparisons skip them, yet a pixel reading one is NaN, never above a cutoff. A sum of
 * the cells read turns NaN if any is NaN (or if both infinities occur), and then every block gets
 * the support [-Infinity, +Infinity]: each pixel is then computed densely (sparse-estimate.ts),
 * slow and exact for a map no sane decoder returns.
 */
export function blockSupport(low: Float32Array, layout: TileLayout, supMin: Float32Array, supMax: Float32Array): void {
  const { rows, cols } = layout;
  const n = layout.geometry.lowSize;
  const colMin = COL_MIN;
  const colMax = COL_MAX;
  const nbc = cols.blocks;
  const nCols = cols.cells;
  const cLo = cols.supLo;
  const cHi = cols.supHi;
  let acc = 0;
  for (let br = 0; br < rows.blocks; br++) {
    const r0 = rows.supLo[br];
    const r1 = rows.supHi[br];
    if (r0 > r1) {
      supMin.fill(Infinity, br * nbc, (br + 1) * nbc);
      supMax.fill(-Infinity, br * nbc, (br + 1) * nbc);
      continue;
    }
    // The first row alone when the count is odd, else the first pair; then pairs.
    let r = r0;
    if ((r1 - r0) % 2 === 1) {
      const a = r * n;
      const b = a + n;
      for (let j = 0; j < nCols; j++) {
        const v = low[a + j];
        const w = low[b + j];
        acc += v - w;
        if (v < w) {
          colMin[j] = v;
          colMax[j] = w;
        } else {
          colMin[j] = w;
          colMax[j] = v;
        }
      }
      r += 2;
    } else {
      const a = r * n;
      for (let j = 0; j < nCols; j++) {
        const v = low[a + j];
        acc += v;
        colMin[j] = v;
        colMax[j] = v;
      }
      r += 1;
    }
    for (; r <= r1; r += 2) {
      const a = r * n;
      const b = a + n;
      for (let j = 0; j < nCols; j++) {
        let v = low[a + j];
        let w = low[b + j];
        acc += v - w;
        if (w < v) {
          const x = v;
          v = w;
          w = x;
        }
        if (v < colMin[j]) colMin[j] = v;
        if (w > colMax[j]) colMax[j] = w;
      }
    }
    for (let bc = 0; bc < nbc; bc++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let j = cLo[bc]; j <= cHi[bc]; j++) {
        const a = colMin[j];
        const b = colMax[j];
        if (a < mn) mn = a;
        if (b > mx) mx = b;
      }
      supMin[br * nbc + bc] = mn;
      supMax[br * nbc + bc] = mx;
    }
  }
  if (acc !== acc) {
    supMin.fill(-Infinity);
    supMax.fill(Infinity);
  }
}
