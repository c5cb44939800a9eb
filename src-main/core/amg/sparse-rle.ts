// Image-frame RLE of one low-res map cut at a threshold, for the sparse path (sparse.ts). COCO's RLE
// runs down columns, so the mask is not built: first every block and tile inside the box gets its
// state at the cutoff (below, above, straddling) and only the pixels of straddling tiles are
// evaluated (into the layout's bit scratch); then each column is emitted as runs, one per block or
// tile that is decided, pixel by pixel only across straddling tiles.

import type { BoxXYXY, Rle } from '../types';
import { RunBuilder } from '../mask/rle';
import { blockStart, MIXED, OFF, ON, tileSupport, type TileLayout } from './sparse-layout';
import { tileValues } from './upsample';

/** Appends run (state, ya, yb) to scratch.segments (merging it into an equal decided run); the new count. */
function pushSegment(scratch: TileLayout['scratch'], nSeg: number, state: number, ya: number, yb: number): number {
  let seg = scratch.segments;
  if (nSeg > 0 && state !== MIXED && seg[3 * nSeg - 3] === state) {
    seg[3 * nSeg - 1] = yb;
    return nSeg;
  }
  if (seg.length < 3 * nSeg + 3) {
    seg = new Int32Array(seg.length * 2);
    seg.set(scratch.segments);
    scratch.segments = seg;
  }
  seg[3 * nSeg] = state;
  seg[3 * nSeg + 1] = ya;
  seg[3 * nSeg + 2] = yb;
  return nSeg + 1;
}

/** Block and tile states at t inside the box, and the bits of straddling tiles' pixels. */
function classify(low: Float32Array, layout: TileLayout, supMin: Float32Array, supMax: Float32Array, t: number, box: BoxXYXY): void {
  const { rows, cols, scratch, geometry } = layout;
  const [bx0, by0, bx1, by1] = box;
  const outW = geometry.outW;
  if (scratch.bits.length < outW * geometry.outH) scratch.bits = new Uint8Array(outW * geometry.outH);
  const { blockState, tileState, bits } = scratch;
  const nbc = cols.blocks;
  const nC = cols.groups.lowMin.length;
  const cs = cols.groups.start;
  const qBox0 = cols.groupOf[bx0];
  const qBox1 = cols.groupOf[bx1];
  for (let br = rows.blockOf[by0]; br <= rows.blockOf[by1]; br++) {
    for (let bc = cols.blockOf[bx0]; bc <= cols.blockOf[bx1]; bc++) {
      const i = br * nbc + bc;
      const state = supMax[i] <= t ? OFF : supMin[i] > t ? ON : MIXED;
      blockState[i] = state;
      if (state !== MIXED) continue;
      const q0 = cols.blockGroup[bc];
      const kA = Math.max(rows.blockGroup[br], rows.groupOf[by0]);
      const kB = Math.min(rows.blockGroup[br + 1] - 1, rows.groupOf[by1]);
      const qA = Math.max(q0, qBox0);
      const qB = Math.min(cols.blockGroup[bc + 1] - 1, qBox1);
      for (let k = kA; k <= kB; k++) {
        tileSupport(low, layout, k, bc);
        const { tileMin, tileMax } = scratch;
        const ya = Math.max(rows.groups.start[k], by0);
        const yb = Math.min(rows.groups.start[k + 1], by1 + 1);
        let run = -1;
        for (let q = qA; q <= qB + 1; q++) {
          let mixed = false;
          if (q <= qB) {
            const s = tileMax[q - q0] <= t ? OFF : tileMin[q - q0] > t ? ON : MIXED;
            tileState[k * nC + q] = s;
            mixed = s === MIXED;
          }
          if (mixed) {
            if (run < 0) run = q;
          } else if (run >= 0) {
            const xa = Math.max(cs[run], bx0);
            const xb = Math.min(cs[q], bx1 + 1);
            const w = xb - xa;
            if (scratch.values.length < w * (yb - ya)) scratch.values = new Float32Array(2 * w * (yb - ya));
            const v = scratch.values;
            tileValues(low, geometry, ya, yb, xa, xb, v, scratch);
            for (let y = ya; y < yb; y++) {
              for (let x = xa; x < xb; x++) bits[y * outW + x] = v[(y - ya) * w + x - xa] > t ? 1 : 0;
            }
            run = -1;
          }
        }
      }
    }
  }
}

/**
 * RLE over the frameW x frameH image of (upsampled logit > t), the crop placed at (x0, y0); `box` is
 * the mask's non-empty inclusive box in crop pixels (LowResLogits.box). supMin / supMax: the map's
 * block supports (blockSupport).
 */
export function sparseRleInFrame(
  low: Float32Array,
  layout: TileLayout,
  supMin: Float32Array,
  supMax: Float32Array,
  t: number,
  box: BoxXYXY,
  x0: number,
  y0: number,
  frameW: number,
  frameH: number,
): Rle {
  classify(low, layout, supMin, supMax, t, box);
  const { rows, cols, scratch, geometry } = layout;
  const { blockState, tileState, bits } = scratch;
  const outW = geometry.outW;
  const nbc = cols.blocks;
  const nC = cols.groups.lowMin.length;
  const rs = rows.groups.start;
  const cs = cols.groups.start;
  const [bx0, by0, bx1, by1] = box;
  const brA = rows.blockOf[by0];
  const brB = rows.blockOf[by1];
  const kFirst = rows.groupOf[by0];
  const kLast = rows.groupOf[by1];
  // The states down one column group, as (state, first row, end row) with equal neighbours merged;
  // every pixel column of the group replays them, reading bits only across straddling tiles.
  const b = new RunBuilder();
  b.zeros((x0 + bx0) * frameH);
  for (let q = cols.groupOf[bx0]; q <= cols.groupOf[bx1]; q++) {
    const bc = cols.blockOf[cs[q]];
    let nSeg = 0;
    for (let br = brA; br <= brB; br++) {
      const state = blockState[br * nbc + bc];
      if (state !== MIXED) {
        const ya = Math.max(blockStart(rows, br), by0);
        const yb = Math.min(blockStart(rows, br + 1), by1 + 1);
        if (ya < yb) nSeg = pushSegment(scratch, nSeg, state, ya, yb);
        continue;
      }
      const kB = Math.min(rows.blockGroup[br + 1] - 1, kLast);
      for (let k = Math.max(rows.blockGroup[br], kFirst); k <= kB; k++) {
        nSeg = pushSegment(scratch, nSeg, tileState[k * nC + q], Math.max(rs[k], by0), Math.min(rs[k + 1], by1 + 1));
      }
    }
    const seg = scratch.segments;
    const xEnd = Math.min(cs[q + 1], bx1 + 1);
    for (let x = Math.max(cs[q], bx0); x < xEnd; x++) {
      b.zeros(y0 + by0);
      for (let i = 0; i < nSeg; i++) {
        const state = seg[3 * i];
        const ya = seg[3 * i + 1];
        const yb = seg[3 * i + 2];
        if (state !== MIXED) b.append(yb - ya, state === ON);
        else for (let y = ya; y < yb; y++) b.pixel(bits[y * outW + x] !== 0);
      }
      b.zeros(frameH - y0 - by1 - 1);
    }
  }
  b.zeros((frameW - x0 - bx1 - 1) * frameH);
  return b.finish(frameH, frameW);
}
