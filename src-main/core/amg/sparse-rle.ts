// Box and image-frame RLE of a map cut at a threshold, read from its CutMask (sparse-classify.ts):
// decided blocks give whole rectangles or runs, MIXED blocks their stored per-pixel bits. COCO's RLE
// runs down columns, and the bits of each block are stored column-major for that reason.

import type { BoxXYXY, Rle } from '../types';
import { RunBuilder } from '../mask/rle';
import type { CutMask } from './sparse-classify';
import { blockStart, MIXED, ON, type TileLayout } from './sparse-layout';

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
  const { state, offset, bits } = cut;
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
    let p = offset[i];
    for (let x = x0; x < x1; x++, p += h) {
      let first = -1;
      for (let y = 0; y < h; y++) {
        if (bits[p + y] !== 0) {
          first = y;
          break;
        }
      }
      if (first < 0) continue;
      let last = h - 1;
      while (bits[p + last] === 0) last--;
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
  const { state, offset, bits } = cut;
  const nbc = cols.blocks;
  const [bx0, by0, bx1, by1] = box;
  const brA = rows.blockOf[by0];
  const brB = rows.blockOf[by1];
  const b = new RunBuilder();
  b.zeros((x0 + bx0) * frameH);
  for (let x = bx0; x <= bx1; x++) {
    const bc = cols.blockOf[x];
    const dx = x - blockStart(cols, bc);
    b.zeros(y0 + by0);
    for (let br = brA; br <= brB; br++) {
      const yBlock = blockStart(rows, br);
      const ya = Math.max(yBlock, by0);
      const yb = Math.min(blockStart(rows, br + 1), by1 + 1);
      if (ya >= yb) continue;
      const i = br * nbc + bc;
      const s = state[i];
      if (s !== MIXED) {
        b.append(yb - ya, s === ON);
        continue;
      }
      // Runs of equal bits down this column of the block.
      const h = blockStart(rows, br + 1) - yBlock;
      let p = offset[i] + dx * h + ya - yBlock;
      const end = p + yb - ya;
      while (p < end) {
        const v = bits[p];
        let q = p + 1;
        while (q < end && bits[q] === v) q++;
        b.append(q - p, v !== 0);
        p = q;
      }
    }
    b.zeros(frameH - y0 - by1 - 1);
  }
  b.zeros((frameW - x0 - bx1 - 1) * frameH);
  return b.finish(frameH, frameW);
}
