// Connected parts and holes of an RLE mask, computed on its runs instead of its pixels: work grows
// with the number of runs (about twice the mask's width for a blob), not with its area, which keeps
// exporting the large background masks of big photos cheap.
//
// A run of COCO's column-major RLE is a vertical stretch of one column (runs that wrap into the
// next column are split). Foreground stretches in neighbouring columns belong to one 8-connected
// part when their row ranges touch or meet diagonally; background stretches are joined
// 4-connectedly (row ranges overlap), the dual connectivity, and background reaching the mask's
// bounding box edge is outside, the rest are holes.

import { SamanticError } from '../errors';
import type { Rle } from '../types';

/** Vertical foreground stretches, sorted by column then row, with their part labels. */
export interface RunParts {
  /** Bounding box of the foreground, inclusive; x1 < x0 when the mask is empty. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Per stretch: column, first row, last row (inclusive), part index. */
  col: Int32Array;
  top: Int32Array;
  bottom: Int32Array;
  part: Int32Array;
  /** Per part, in column-major order of first pixel: its pixel count and first stretch. */
  partArea: number[];
  partFirst: number[];
  /** Background pixels not connected to the outside. */
  holeArea: number;
}

export function rleParts(rle: Rle, what = 'RLE mask'): RunParts {
  const [h, w] = rle.size;
  const col: number[] = [];
  const top: number[] = [];
  const bottom: number[] = [];
  let pos = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const c = rle.counts[j];
    if (j % 2 === 1) {
      for (let k = pos, end = pos + c; k < end;) {
        const x = Math.floor(k / h);
        const yStart = k - x * h;
        const stop = Math.min(end, (x + 1) * h);
        col.push(x);
        top.push(yStart);
        bottom.push(yStart + (stop - k) - 1);
        k = stop;
      }
    }
    pos += c;
  }
  if (pos !== h * w) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: run lengths sum to ${pos} but size ${h}x${w} needs ${h * w}; re-encode the mask with its real [height, width].`,
    );
  }
  const n = col.length;
  let x0 = Infinity;
  let x1 = -1;
  let y0 = Infinity;
  let y1 = -1;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, col[i]);
    x1 = Math.max(x1, col[i]);
    y0 = Math.min(y0, top[i]);
    y1 = Math.max(y1, bottom[i]);
  }
  const uf = new UnionFind(n);
  // Stretches of a column are contiguous and sorted by row in column-major order.
  const colStart = columnStarts(col);
  for (let s = 0; s + 1 < colStart.length - 1; s++) {
    const a0 = colStart[s];
    const b0 = colStart[s + 1];
    if (col[b0] !== col[a0] + 1) continue;
    // Touching (8-connected): row ranges within one row of each other.
    sweep(top, bottom, a0, b0, b0, colStart[s + 2], 1, (a, b) => uf.union(a, b));
  }
  const partOf = new Map<number, number>();
  const part = new Int32Array(n);
  const partArea: number[] = [];
  const partFirst: number[] = [];
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    let p = partOf.get(root);
    if (p === undefined) {
      p = partArea.length;
      partOf.set(root, p);
      partArea.push(0);
      partFirst.push(i);
    }
    part[i] = p;
    partArea[p] += bottom[i] - top[i] + 1;
  }
  const holeArea = n === 0 ? 0 : countHoles(col, top, bottom, colStart, x0, x1, y0, y1);
  return {
    x0: n === 0 ? 0 : x0,
    y0: n === 0 ? 0 : y0,
    x1,
    y1,
    col: Int32Array.from(col),
    top: Int32Array.from(top),
    bottom: Int32Array.from(bottom),
    part,
    partArea,
    partFirst,
    holeArea,
  };
}

/**
 * Background stretches inside the foreground's bounding box are the gaps between foreground
 * stretches of each column. Gaps touching the box's top or bottom row, or lying in its first or
 * last column, border the all-background outside; the rest join 4-connectedly across columns.
 */
function countHoles(
  col: number[],
  top: number[],
  bottom: number[],
  colStart: number[],
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): number {
  const gTop: number[] = [];
  const gBottom: number[] = [];
  const gCol: number[] = [];
  const gOut: boolean[] = [];
  for (let s = 0; s < colStart.length - 1; s++) {
    const x = col[colStart[s]];
    let y = y0;
    for (let i = colStart[s]; i <= colStart[s + 1]; i++) {
      const end = i < colStart[s + 1] ? top[i] - 1 : y1;
      if (end >= y) {
        gCol.push(x);
        gTop.push(y);
        gBottom.push(end);
        gOut.push(x === x0 || x === x1 || y === y0 || end === y1);
      }
      if (i < colStart[s + 1]) y = bottom[i] + 1;
    }
  }
  const uf = new UnionFind(gCol.length + 1);
  const OUT = gCol.length;
  gOut.forEach((o, i) => o && uf.union(i, OUT));
  // Columns of the box without foreground are background from top to bottom, hence outside, and so
  // is every gap beside one. A column that is all foreground is a wall: no gap joins across it.
  const hasFg = new Uint8Array(x1 - x0 + 1);
  for (let s = 0; s < colStart.length - 1; s++) hasFg[col[colStart[s]] - x0] = 1;
  const gStart = columnStarts(gCol);
  for (let s = 0; s < gStart.length - 1; s++) {
    const x = gCol[gStart[s]];
    const besideEmpty = (x > x0 && !hasFg[x - 1 - x0]) || (x < x1 && !hasFg[x + 1 - x0]);
    if (besideEmpty) for (let i = gStart[s]; i < gStart[s + 1]; i++) uf.union(i, OUT);
    if (s + 1 < gStart.length - 1 && gCol[gStart[s + 1]] === x + 1) {
      // Overlapping rows (4-connected).
      sweep(gTop, gBottom, gStart[s], gStart[s + 1], gStart[s + 1], gStart[s + 2], 0, (a, b) => uf.union(a, b));
    }
  }
  let holes = 0;
  const outRoot = uf.find(OUT);
  for (let i = 0; i < gCol.length; i++) if (uf.find(i) !== outRoot) holes += gBottom[i] - gTop[i] + 1;
  return holes;
}

/** Indices where a new column starts in a column-sorted list, plus the list length at the end. */
function columnStarts(col: number[]): number[] {
  const starts: number[] = [];
  for (let i = 0; i < col.length; i++) if (i === 0 || col[i] !== col[i - 1]) starts.push(i);
  starts.push(col.length);
  return starts;
}

/**
 * Calls join(a, b) for every stretch a in [a0, a1) and b in [b0, b1) (each sorted by row) whose
 * row ranges overlap, or come within `slack` rows of each other.
 */
function sweep(
  top: ArrayLike<number>,
  bottom: ArrayLike<number>,
  a0: number,
  a1: number,
  b0: number,
  b1: number,
  slack: number,
  join: (a: number, b: number) => void,
): void {
  let a = a0;
  let b = b0;
  while (a < a1 && b < b1) {
    if (bottom[b] < top[a] - slack) b++;
    else if (bottom[a] < top[b] - slack) a++;
    else {
      join(a, b);
      if (bottom[a] < bottom[b]) a++;
      else b++;
    }
  }
}

class UnionFind {
  private parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[i] !== r) {
      const next = this.parent[i];
      this.parent[i] = r;
      i = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller root wins so the outcome does not depend on call order.
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}
