// The per-crop bookkeeping of the sparse low-res path (sparse.ts), computed once per crop and
// shared by all its masks.
//
// Two levels of "support" (the low-res cells a crop pixel's upsampled value is a convex combination
// of, upsample.ts):
// - tiles: runs of crop rows (a row group) x runs of crop columns (a column group) that read exactly
//   the same low-res cells (axisGroups);
// - blocks: BLOCK_CELLS x BLOCK_CELLS low-res cells. Every row group belongs to the block row of its
//   first low-res row, so the pixels of block (br, bc) form one rectangle of the crop, whose support
//   is a rectangle of about (BLOCK_CELLS + 2)^2 cells. Most of a mask's map is far from the cutoffs,
//   and a block lets a few hundred pixels be decided from one min/max.

import { axisGroups, type AxisGroups, type UpsampleGeometry } from './upsample';

/**
 * Low-res cells per block side. Larger blocks make the per-map pass cheaper (fewer blocks to
 * reduce); smaller ones leave fewer tiles to examine in blocks that straddle a cutoff. 8 is a first
 * choice, not yet tuned against 4 or 16 on the bench photos (perf-peer.ts).
 */
export const BLOCK_CELLS = 8;

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
  /** Block of each crop pixel. */
  blockOf: Int32Array;
  /** Low-res cells read by the pixels of block b: supLo[b] .. supHi[b] (supLo > supHi if none). */
  supLo: Int32Array;
  supHi: Int32Array;
}

/**
 * Geometry plus tiles and blocks of one crop, with scratch buffers reused by every map of the crop
 * (the per-mask methods of LowResLogits run one at a time, and none keeps scratch between calls).
 */
export interface TileLayout {
  geometry: UpsampleGeometry;
  rows: AxisLayout;
  cols: AxisLayout;
  scratch: LayoutScratch;
}

export interface LayoutScratch {
  /** Per low-res column: min / max over some rows. */
  colMin: Float32Array;
  colMax: Float32Array;
  /** Per tile of a column of tiles: min / max of its support (one row group, one block column). */
  tileMin: Float32Array;
  tileMax: Float32Array;
  /** Per block / per tile state at one cutoff, for rleInFrame (OFF, ON, MIXED). */
  blockState: Uint8Array;
  tileState: Uint8Array;
  /** Per crop pixel: 1 where a pixel of a mixed tile is above the cutoff (rleInFrame); lazily sized. */
  bits: Uint8Array;
  /** Runs of states down one column group (rleInFrame), 3 numbers a run; grown when needed. */
  segments: Int32Array;
  /** Pixel values of a run of tiles, and the stage-1 frame values they read (upsample.tileValues). */
  values: Float32Array;
  frame: Float32Array;
  /** Low-res rows interpolated horizontally, in double (upsample.tileValues). */
  horiz: Float64Array;
}

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
  return { groups, cells, groupOf: gOf, blocks, blockGroup, blockOf, supLo, supHi };
}

export function tileLayout(geometry: UpsampleGeometry): TileLayout {
  const g = geometry;
  const rowGroups = axisGroups(g.s1Rows, g.s2Rows, g.outH);
  const colGroups = axisGroups(g.s1Cols, g.s2Cols, g.outW);
  const rows = axisLayout(rowGroups, g.outH);
  const cols = axisLayout(colGroups, g.outW);
  const nBlocks = rows.blocks * cols.blocks;
  let tilesPerBlockCol = 1;
  for (let b = 0; b < cols.blocks; b++) tilesPerBlockCol = Math.max(tilesPerBlockCol, cols.blockGroup[b + 1] - cols.blockGroup[b]);
  return {
    geometry: g,
    rows,
    cols,
    scratch: {
      colMin: new Float32Array(g.lowSize),
      colMax: new Float32Array(g.lowSize),
      tileMin: new Float32Array(tilesPerBlockCol),
      tileMax: new Float32Array(tilesPerBlockCol),
      blockState: new Uint8Array(nBlocks),
      tileState: new Uint8Array(rowGroups.lowMin.length * colGroups.lowMin.length),
      bits: new Uint8Array(0),
      segments: new Int32Array(192),
      values: new Float32Array(256),
      frame: new Float32Array(256),
      horiz: new Float64Array(256),
    },
  };
}

/** First crop pixel of block b along an axis (blocks without groups are empty: start = end). */
export function blockStart(axis: AxisLayout, b: number): number {
  return axis.groups.start[axis.blockGroup[b]];
}

/**
 * Support min / max of every block of one map into supMin / supMax (row-major, rows.blocks x
 * cols.blocks): for each block row, the min / max of every low-res column over the rows its pixels
 * read, then over the columns each block's pixels read. A block without pixels gets an empty
 * support (min +Infinity, max -Infinity), which every test reads as "below".
 */
export function blockSupport(low: Float32Array, layout: TileLayout, supMin: Float32Array, supMax: Float32Array): void {
  const { rows, cols, scratch } = layout;
  const n = layout.geometry.lowSize;
  const { colMin, colMax } = scratch;
  const nbc = cols.blocks;
  const nCols = cols.cells;
  for (let br = 0; br < rows.blocks; br++) {
    const r0 = rows.supLo[br];
    const r1 = rows.supHi[br];
    if (r0 > r1) {
      supMin.fill(Infinity, br * nbc, (br + 1) * nbc);
      supMax.fill(-Infinity, br * nbc, (br + 1) * nbc);
      continue;
    }
    let base = r0 * n;
    for (let j = 0; j < nCols; j++) {
      const v = low[base + j];
      colMin[j] = v;
      colMax[j] = v;
    }
    for (let r = r0 + 1; r <= r1; r++) {
      base = r * n;
      for (let j = 0; j < nCols; j++) {
        const v = low[base + j];
        if (v < colMin[j]) colMin[j] = v;
        else if (v > colMax[j]) colMax[j] = v;
      }
    }
    for (let bc = 0; bc < nbc; bc++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let j = cols.supLo[bc]; j <= cols.supHi[bc]; j++) {
        if (colMin[j] < mn) mn = colMin[j];
        if (colMax[j] > mx) mx = colMax[j];
      }
      supMin[br * nbc + bc] = mn;
      supMax[br * nbc + bc] = mx;
    }
  }
}

/**
 * Support min / max of the tiles of row group k inside block column bc, into scratch.tileMin /
 * tileMax (index q - cols.blockGroup[bc]).
 */
export function tileSupport(low: Float32Array, layout: TileLayout, k: number, bc: number): void {
  const { rows, cols, scratch } = layout;
  const n = layout.geometry.lowSize;
  const { colMin, colMax, tileMin, tileMax } = scratch;
  const q0 = cols.blockGroup[bc];
  const q1 = cols.blockGroup[bc + 1];
  if (q0 === q1) return;
  const cg = cols.groups;
  const j0 = cg.lowMin[q0];
  const j1 = cg.lowMax[q1 - 1];
  const r0 = rows.groups.lowMin[k];
  const r1 = rows.groups.lowMax[k];
  for (let j = j0; j <= j1; j++) {
    let mn = low[r0 * n + j];
    let mx = mn;
    for (let r = r0 + 1; r <= r1; r++) {
      const v = low[r * n + j];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    colMin[j] = mn;
    colMax[j] = mx;
  }
  for (let q = q0; q < q1; q++) {
    const a = cg.lowMin[q];
    const b = cg.lowMax[q];
    let mn = colMin[a];
    let mx = colMax[a];
    for (let j = a + 1; j <= b; j++) {
      if (colMin[j] < mn) mn = colMin[j];
      if (colMax[j] > mx) mx = colMax[j];
    }
    tileMin[q - q0] = mn;
    tileMax[q - q0] = mx;
  }
}
