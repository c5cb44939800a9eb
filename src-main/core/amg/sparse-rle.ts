// Box and image-frame RLE of a map cut at a threshold, read from its CutMask (sparse-classify.ts):
// decided blocks give whole rectangles or runs, MIXED blocks the edges stored down each of their
// columns. COCO's RLE runs down columns, and the edges are kept per column for that reason.

import type { BoxXYXY, Rle } from '../types';
import { RunBuilder } from '../mask/rle';
import type { CutMask } from './sparse-classify';
import { blockStart, MIXED, ON, type TileLayout } from './sparse-layout';

/** Segment kinds of cutRleInFrame for decided blocks (MIXED segments hold a block index >= 0). */
const SEG_OFF = -1;
const SEG_ON = -2;

/** Crop-pixel extent [x0, x1, y0, y1) of block i (row-major over nbc block columns) into `out`. */
function blockRect(rows: TileLayout['rows'], cols: TileLayout['cols'], nbc: number, i: number, out: Int32Array): void {
  const br = Math.floor(i / nbc);
  const bc = i - br * nbc;
  out[0] = blockStart(cols, bc);
  out[1] = blockStart(cols, bc + 1);
  out[2] = blockStart(rows, br);
  out[3] = blockStart(rows, br + 1);
}

/** SAM's inclusive box of the cut, [0, 0, 0, 0] when empty (batched_mask_to_box). */
export function cutBox(cut: CutMask, layout: TileLayout): BoxXYXY {
  const { rows, cols } = layout;
  const { state, offset, colEdge, edges } = cut;
  const nbc = cols.blocks;
  let xs = Infinity;
  let ys = Infinity;
  let xe = -1;
  let ye = -1;
  // Blocks wholly above first, so that most MIXED blocks fall inside the box already and need not
  // be scanned.
  const rect = new Int32Array(4);
  for (let i = 0; i < state.length; i++) {
    if (state[i] !== ON) continue;
    blockRect(rows, cols, nbc, i, rect);
    const x0 = rect[0], x1 = rect[1], y0 = rect[2], y1 = rect[3];
    if (x0 === x1 || y0 === y1) continue;
    if (x0 < xs) xs = x0;
    if (y0 < ys) ys = y0;
    if (x1 - 1 > xe) xe = x1 - 1;
    if (y1 - 1 > ye) ye = y1 - 1;
  }
  for (let i = 0; i < state.length; i++) {
    if (state[i] !== MIXED) continue;
    blockRect(rows, cols, nbc, i, rect);
    const x0 = rect[0], x1 = rect[1], y0 = rect[2], y1 = rect[3];
    if (x0 >= xs && x1 - 1 <= xe && y0 >= ys && y1 - 1 <= ye) continue;
    const h = y1 - y0;
    let k = offset[i];
    for (let x = x0; x < x1; x++, k++) {
      const e0 = colEdge[k];
      const e1 = colEdge[k + 1];
      if (e0 === e1) continue;
      // The column starts off, so the first edge turns it on; an odd count ends it on.
      const first = edges[e0];
      const last = (e1 - e0) & 1 ? h - 1 : edges[e1 - 1] - 1;
      if (x < xs) xs = x;
      if (x > xe) xe = x;
      if (y0 + first < ys) ys = y0 + first;
      if (y0 + last > ye) ye = y0 + last;
    }
  }
  return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe, ye];
}

/**
 * RLE over the frameW x frameH image of the cut, the crop placed at (x0, y0); `box` is the cut's
 * non-empty inclusive box in crop pixels (cutBox).
 */
export function cutRleInFrame(cut: CutMask, layout: TileLayout, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
  const { rows, cols } = layout;
  const { state, offset, colEdge, edges } = cut;
  const nbc = cols.blocks;
  const [bx0, by0, bx1, by1] = box;
  const brA = rows.blockOf[by0];
  const brB = rows.blockOf[by1];
  // Per block column, the box's rows as segments: consecutive decided blocks of one state merged
  // (SEG_OFF / SEG_ON), each MIXED block its own segment (its block index). Most of a box is decided,
  // so a pixel column walks a few segments rather than every block row.
  const maxSeg = brB - brA + 1;
  const segA = new Int32Array(maxSeg);
  const segB = new Int32Array(maxSeg);
  const segKind = new Int32Array(maxSeg);
  let nSeg = 0;
  let segBc = -1;
  const b = new RunBuilder();
  b.zeros((x0 + bx0) * frameH);
  for (let x = bx0; x <= bx1; x++) {
    const bc = cols.blockOf[x];
    if (bc !== segBc) {
      segBc = bc;
      nSeg = 0;
      for (let br = brA; br <= brB; br++) {
        const ya = Math.max(blockStart(rows, br), by0);
        const yb = Math.min(blockStart(rows, br + 1), by1 + 1);
        if (ya >= yb) continue;
        const i = br * nbc + bc;
        const kind = state[i] === MIXED ? i : state[i] === ON ? SEG_ON : SEG_OFF;
        if (kind < 0 && nSeg > 0 && segKind[nSeg - 1] === kind) {
          segB[nSeg - 1] = yb;
          continue;
        }
        segA[nSeg] = ya;
        segB[nSeg] = yb;
        segKind[nSeg++] = kind;
      }
    }
    const dx = x - blockStart(cols, bc);
    b.zeros(y0 + by0);
    for (let sg = 0; sg < nSeg; sg++) {
      const i = segKind[sg];
      if (i < 0) {
        b.append(segB[sg] - segA[sg], i === SEG_ON);
        continue;
      }
      // Runs between the column's edges, clipped to the box's rows [rA, rB) (offsets from the block).
      const br = Math.floor(i / nbc);
      const yBlock = blockStart(rows, br);
      const h = blockStart(rows, br + 1) - yBlock;
      const k = offset[i] + dx;
      const rA = segA[sg] - yBlock;
      const rB = segB[sg] - yBlock;
      let pos = 0;
      let on = false;
      for (let e = colEdge[k], e1 = colEdge[k + 1]; e <= e1 && pos < rB; e++, on = !on) {
        const next = e < e1 ? edges[e] : h;
        b.append(Math.min(next, rB) - Math.max(pos, rA), on);
        pos = next;
      }
    }
    b.zeros(frameH - y0 - by1 - 1);
  }
  b.zeros((frameW - x0 - bx1 - 1) * frameH);
  return b.finish(frameH, frameW);
}
