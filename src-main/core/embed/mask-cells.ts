// Which cells of the encoder's patch grid a mask covers, and how much of each.
//
// The encoder sees the image resized into the top-left resizedWidth x resizedHeight part of a
// frameSize x frameSize frame (padded bottom/right) and returns one vector per cell of a
// gridH x gridW grid over that frame (SAM: 1024 frame, 64 x 64 cells of 16 x 16 frame pixels).
//
// Sampling rule: an original pixel (x, y) belongs to the cell that contains its centre in frame
// coordinates, ((x + 0.5) * resizedWidth / origWidth, (y + 0.5) * resizedHeight / origHeight).
// Because the rule is separable, each image column maps to one cell column and each image row to
// one cell row, so a column run of an RLE (a range of rows) splits into a few cell-row ranges and
// the whole mask is counted in O(runs + cell rows crossed), never per pixel and never per channel.

import { SamanticError } from '../errors';
import type { BinaryMask, FrameTransform, Rle } from '../types';

/** The cells a mask touches, in ascending cell order (cell = row * gridW + col). */
export interface CellCoverage {
  gridW: number;
  gridH: number;
  cells: Int32Array;
  /** Mask pixels (original image pixels) sampled into each listed cell. */
  maskPixels: Float64Array;
  /**
   * Image pixels sampled into each listed cell: the cell's valid (unpadded) area measured with the
   * same rule, so a cell whose every image pixel is in the mask has coverage exactly 1.
   */
  validPixels: Float64Array;
}

/** Per-axis lookup: which cell each original pixel column/row falls in, and how many per cell. */
interface AxisMap {
  /** pixel -> cell index along this axis */
  cellOf: Int32Array;
  /** cell -> first pixel in it (length cells + 1; cells with no pixel start where the next does). */
  first: Int32Array;
  /** cell -> number of pixels in it */
  count: Float64Array;
}

function axisMap(origSize: number, resizedSize: number, frameSize: number, cells: number): AxisMap {
  const cellSize = frameSize / cells;
  const cellOf = new Int32Array(origSize);
  const count = new Float64Array(cells);
  const first = new Int32Array(cells + 1).fill(origSize);
  for (let p = origSize - 1; p >= 0; p--) {
    const c = Math.min(cells - 1, Math.floor(((p + 0.5) * resizedSize) / origSize / cellSize));
    cellOf[p] = c;
    count[c] += 1;
    first[c] = p;
  }
  // Empty cells (padding, or cells skipped when upscaling a tiny image) start where the next begins.
  for (let c = cells - 1; c >= 0; c--) if (count[c] === 0) first[c] = first[c + 1];
  return { cellOf, first, count };
}

function fail(message: string): never {
  throw new SamanticError('invalid-argument', message);
}

/** Checks that a FrameTransform and grid describe a real encoder frame; throws an actionable error. */
export function checkFrame(t: FrameTransform, gridW: number, gridH: number): void {
  const ints = [t.origWidth, t.origHeight, t.resizedWidth, t.resizedHeight, t.frameSize, gridW, gridH];
  if (!ints.every((v) => Number.isInteger(v) && v > 0)) {
    fail(
      `segment embedding: the image embedding's frame is not valid (orig ${t.origWidth}x${t.origHeight}, ` +
        `resized ${t.resizedWidth}x${t.resizedHeight}, frame ${t.frameSize}, grid ${gridW}x${gridH}); ` +
        'all sizes must be positive integers: pass the FrameTransform the encoder returned',
    );
  }
  if (t.resizedWidth > t.frameSize || t.resizedHeight > t.frameSize) {
    fail(
      `segment embedding: resized image ${t.resizedWidth}x${t.resizedHeight} does not fit the ` +
        `${t.frameSize} frame; pass the FrameTransform the encoder returned`,
    );
  }
}

function checkMaskSize(width: number, height: number, t: FrameTransform, kind: string): void {
  if (width !== t.origWidth || height !== t.origHeight) {
    fail(
      `segment embedding: the ${kind} is ${width}x${height} but the image embedding was computed for a ` +
        `${t.origWidth}x${t.origHeight} image; give the mask in original pixels of the same image ` +
        '(masks found in a crop must be pasted back into image coordinates first)',
    );
  }
}

function isRle(mask: Rle | BinaryMask): mask is Rle {
  return Array.isArray((mask as Rle).counts);
}

/**
 * Counts the mask's pixels per encoder cell. `mask` is in original image pixels: an uncompressed
 * COCO RLE (column-major runs starting with zeros, size [h, w]) or a row-major BinaryMask.
 */
export function maskCellCoverage(transform: FrameTransform, gridW: number, gridH: number, mask: Rle | BinaryMask): CellCoverage {
  checkFrame(transform, gridW, gridH);
  const w = transform.origWidth;
  const h = transform.origHeight;
  const cols = axisMap(w, transform.resizedWidth, transform.frameSize, gridW);
  const rows = axisMap(h, transform.resizedHeight, transform.frameSize, gridH);
  const counts = new Float64Array(gridW * gridH);
  if (isRle(mask)) addRle(mask, transform, cols, rows, gridW, counts);
  else addBinary(mask, transform, cols, rows, gridW, counts);

  let touched = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) touched++;
  const cells = new Int32Array(touched);
  const maskPixels = new Float64Array(touched);
  const validPixels = new Float64Array(touched);
  for (let i = 0, k = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue;
    cells[k] = i;
    maskPixels[k] = counts[i];
    validPixels[k] = cols.count[i % gridW] * rows.count[Math.floor(i / gridW)];
    k++;
  }
  return { gridW, gridH, cells, maskPixels, validPixels };
}

function addRle(rle: Rle, t: FrameTransform, cols: AxisMap, rows: AxisMap, gridW: number, out: Float64Array): void {
  const { size, counts } = rle;
  if (!Array.isArray(size) || size.length !== 2) fail('segment embedding: RLE size must be [height, width]');
  checkMaskSize(size[1], size[0], t, 'RLE mask');
  const h = size[0];
  const total = size[0] * size[1];
  let pos = 0;
  for (let r = 0; r < counts.length; r++) {
    const len = counts[r];
    if (!Number.isInteger(len) || len < 0) {
      fail(`segment embedding: RLE count #${r} is ${len}; counts must be non-negative integers`);
    }
    if (pos + len > total) {
      fail(`segment embedding: RLE counts sum past ${total} pixels (size [${h}, ${size[1]}]); the RLE is corrupt`);
    }
    // Odd runs are ones (COCO RLE starts with a run of zeros).
    if (r % 2 === 1) {
      let p = pos;
      const end = pos + len;
      while (p < end) {
        const x = Math.floor(p / h);
        const y0 = p - x * h;
        const y1 = Math.min(h, y0 + (end - p));
        addColumnRun(cols.cellOf[x], y0, y1, rows, gridW, out);
        p += y1 - y0;
      }
    }
    pos += len;
  }
  if (pos !== total) {
    fail(`segment embedding: RLE counts sum to ${pos} but size [${h}, ${size[1]}] needs ${total}; the RLE is corrupt`);
  }
}

/** Adds rows [y0, y1) of one image column, which lies in cell column `cx`. */
function addColumnRun(cx: number, y0: number, y1: number, rows: AxisMap, gridW: number, out: Float64Array): void {
  const r0 = rows.cellOf[y0];
  const r1 = rows.cellOf[y1 - 1];
  for (let r = r0; r <= r1; r++) {
    const n = Math.min(y1, rows.first[r + 1]) - Math.max(y0, rows.first[r]);
    if (n > 0) out[r * gridW + cx] += n;
  }
}

function addBinary(mask: BinaryMask, t: FrameTransform, cols: AxisMap, rows: AxisMap, gridW: number, out: Float64Array): void {
  checkMaskSize(mask.width, mask.height, t, 'binary mask');
  if (mask.data.length !== mask.width * mask.height) {
    fail(`segment embedding: binary mask data has ${mask.data.length} bytes, expected ${mask.width * mask.height}`);
  }
  // Row-major data: walk rows (cache friendly); O(pixels) is inherent to an unencoded mask.
  for (let y = 0; y < mask.height; y++) {
    const base = rows.cellOf[y] * gridW;
    const row = y * mask.width;
    for (let x = 0; x < mask.width; x++) if (mask.data[row + x] !== 0) out[base + cols.cellOf[x]] += 1;
  }
}
