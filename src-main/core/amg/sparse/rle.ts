// Box and image-frame RLE of a map cut at a threshold, read from its CutMask (classify.ts):
// decided blocks give whole rectangles or runs, MIXED blocks their pixel rows' bits.

import type { BoxXYXY, Rle } from '../../types';
import { RunBuilder } from '../../mask/rle';
import type { CutMask } from './classify';
import { blockStart, MIXED, ON, type TileLayout } from './layout';

/** Segment kinds of cutRleInFrame for decided blocks (MIXED segments hold a held-block index >= 0). */
const SEG_OFF = -1;
const SEG_ON = -2;

/** Where each held MIXED block's bits start in cut.bits (-1 for the other blocks). */
export function bitOffsets(cut: CutMask, layout: TileLayout): Int32Array {
  const { rows, cols } = layout;
  const nbc = cols.blocks;
  const out = new Int32Array(cut.state.length).fill(-1);
  let at = 0;
  for (let k = 0; k < cut.state.length; k++) {
    if (cut.state[k] !== MIXED) continue;
    out[k] = at;
    const br = cut.row0 + Math.floor(k / nbc);
    at += (blockStart(rows, br + 1) - blockStart(rows, br)) * cut.rowBytes;
  }
  return out;
}

/** SAM's inclusive box of the cut, [0, 0, 0, 0] when empty (batched_mask_to_box). */
export function cutBox(cut: CutMask, layout: TileLayout): BoxXYXY {
  const { rows, cols } = layout;
  const { state, bits, rowBytes, row0 } = cut;
  const nbc = cols.blocks;
  let xs = Infinity;
  let ys = Infinity;
  let xe = -1;
  let ye = -1;
  // Blocks wholly above first, so that most MIXED blocks fall inside the box already and need not
  // be scanned.
  for (let k = 0; k < state.length; k++) {
    if (state[k] !== ON) continue;
    const br = row0 + Math.floor(k / nbc);
    const bc = k % nbc;
    const x0 = blockStart(cols, bc);
    const x1 = blockStart(cols, bc + 1);
    const y0 = blockStart(rows, br);
    const y1 = blockStart(rows, br + 1);
    if (x0 === x1 || y0 === y1) continue;
    xs = Math.min(xs, x0);
    ys = Math.min(ys, y0);
    xe = Math.max(xe, x1 - 1);
    ye = Math.max(ye, y1 - 1);
  }
  const columns = new Uint8Array(rowBytes);
  const at = bitOffsets(cut, layout);
  for (let k = 0; k < state.length; k++) {
    if (state[k] !== MIXED) continue;
    const br = row0 + Math.floor(k / nbc);
    const bc = k % nbc;
    const x0 = blockStart(cols, bc);
    const y0 = blockStart(rows, br);
    const h = blockStart(rows, br + 1) - y0;
    const start = at[k];
    if (x0 >= xs && blockStart(cols, bc + 1) - 1 <= xe && y0 >= ys && y0 + h - 1 <= ye) continue;
    columns.fill(0);
    for (let yy = 0; yy < h; yy++) {
      let any = 0;
      for (let q = 0, p = start + yy * rowBytes; q < rowBytes; q++, p++) {
        any |= bits[p];
        columns[q] |= bits[p];
      }
      if (any === 0) continue;
      ys = Math.min(ys, y0 + yy);
      ye = Math.max(ye, y0 + yy);
    }
    for (let q = 0; q < rowBytes; q++) {
      if (columns[q] === 0) continue;
      xs = Math.min(xs, x0 + 8 * q + 31 - Math.clz32(columns[q] & -columns[q]));
      break;
    }
    for (let q = rowBytes - 1; q >= 0; q--) {
      if (columns[q] === 0) continue;
      xe = Math.max(xe, x0 + 8 * q + 31 - Math.clz32(columns[q]));
      break;
    }
  }
  return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe, ye];
}

/**
 * The block rows of a cut that its box touches, copied out of a cut over the whole map (full: row0
 * 0; `at`, each block's bits offset, as bitOffsets would give): what the cut keeps for its RLE.
 * `box` is the cut's box (cutBox), non-empty.
 */
export function trimCut(
  full: { t: number; state: Uint8Array; at: Int32Array; bits: Uint8Array },
  layout: TileLayout,
  box: BoxXYXY,
): CutMask {
  const { rows, cols } = layout;
  const nbc = cols.blocks;
  const brA = rows.blockOf[box[1]];
  const brB = rows.blockOf[box[3]];
  const a = brA * nbc;
  const b = (brB + 1) * nbc;
  const { state, at } = full;
  let first = a;
  while (first < b && state[first] !== MIXED) first++;
  let last = b - 1;
  while (last >= first && state[last] !== MIXED) last--;
  let start = 0;
  let end = 0;
  if (first <= last) {
    const br = Math.floor(last / nbc);
    start = at[first];
    end = at[last] + (blockStart(rows, br + 1) - blockStart(rows, br)) * layout.cutRowBytes;
  }
  return { t: full.t, row0: brA, state: copyOut(state, a, b), rowBytes: layout.cutRowBytes, bits: copyOut(full.bits, start, end) };
}

/**
 * Kept cuts are copied into shared chunks rather than a buffer each: a batch keeps hundreds, and
 * each ArrayBuffer is a separate allocation that the garbage collector accounts for. A chunk is
 * freed once no cut in it is referenced (the generator drops a crop's cuts when the crop ends).
 */
const CHUNK_BYTES = 1 << 18;
let chunk = new Uint8Array(0);
let chunkUsed = 0;

function copyOut(from: Uint8Array, a: number, b: number): Uint8Array {
  const n = b - a;
  if (chunkUsed + n > chunk.length) {
    chunk = new Uint8Array(Math.max(CHUNK_BYTES, n));
    chunkUsed = 0;
  }
  const out = chunk.subarray(chunkUsed, chunkUsed + n);
  chunkUsed += n;
  out.set(from.subarray(a, b));
  return out;
}

/**
 * RLE over the frameW x frameH image of the cut, the crop placed at (x0, y0); `box` is the cut's
 * non-empty inclusive box in crop pixels (cutBox).
 */
export function cutRleInFrame(cut: CutMask, layout: TileLayout, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
  const { rows, cols } = layout;
  const { state, bits, rowBytes, row0 } = cut;
  const nbc = cols.blocks;
  const heldRows = state.length / nbc;
  const at = bitOffsets(cut, layout);
  const [bx0, by0, bx1, by1] = box;
  const brA = rows.blockOf[by0];
  const brB = rows.blockOf[by1];
  // Per block column, the box's rows as segments: consecutive decided blocks of one state merged
  // (SEG_OFF / SEG_ON), each MIXED block its own segment (its held index). Most of a box is decided,
  // so a pixel column walks a few segments rather than every block row.
  const maxSeg = brB - brA + 1;
  const segA = new Int32Array(maxSeg);
  const segB = new Int32Array(maxSeg);
  const segKind = new Int32Array(maxSeg);
  const segY = new Int32Array(maxSeg);
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
        const yBlock = blockStart(rows, br);
        const ya = Math.max(yBlock, by0);
        const yb = Math.min(blockStart(rows, br + 1), by1 + 1);
        if (ya >= yb) continue;
        // Rows not held are off (trimCut keeps every row the box touches).
        const k = (br - row0) * nbc + bc;
        const s = br >= row0 && br - row0 < heldRows ? state[k] : 0;
        const kind = s === MIXED ? k : s === ON ? SEG_ON : SEG_OFF;
        if (kind < 0 && nSeg > 0 && segKind[nSeg - 1] === kind) {
          segB[nSeg - 1] = yb;
          continue;
        }
        segA[nSeg] = ya;
        segB[nSeg] = yb;
        segY[nSeg] = yBlock;
        segKind[nSeg++] = kind;
      }
    }
    const dx = x - blockStart(cols, bc);
    const byte = dx >> 3;
    const bit = 1 << (dx & 7);
    b.zeros(y0 + by0);
    for (let sg = 0; sg < nSeg; sg++) {
      const k = segKind[sg];
      if (k < 0) {
        b.append(segB[sg] - segA[sg], k === SEG_ON);
        continue;
      }
      // The column's bits down the block, clipped to the box's rows, as runs.
      const base = at[k] + byte - segY[sg] * rowBytes;
      let on = (bits[base + segA[sg] * rowBytes] & bit) !== 0;
      let run = 0;
      for (let y = segA[sg]; y < segB[sg]; y++) {
        const v = (bits[base + y * rowBytes] & bit) !== 0;
        if (v !== on) {
          b.append(run, on);
          on = v;
          run = 0;
        }
        run++;
      }
      b.append(run, on);
    }
    b.zeros(frameH - y0 - by1 - 1);
  }
  b.zeros((frameW - x0 - bx1 - 1) * frameH);
  return b.finish(frameH, frameW);
}
