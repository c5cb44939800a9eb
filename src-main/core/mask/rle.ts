// Uncompressed COCO run-length encoding (the `Rle` of types.ts): counts over the column-major
// flattening (index x*h + y), always starting with a run of zeros that may be empty, size [h, w].
// Same layout as segment-anything's mask_to_rle_pytorch / rle_to_mask (utils/amg.py) and
// pycocotools' rleEncode / rleDecode (common/maskApi.c). This is the one home of uncompressed-RLE
// operations; rle-string.ts adds pycocotools' compressed strings.

import { SamanticError } from '../errors';
import type { BinaryMask, BoxXYXY, Rle } from '../types';

/** Throws a clear error unless `mask` is a well-formed BinaryMask. */
export function checkMask(mask: BinaryMask, what = 'mask'): void {
  const { width: w, height: h, data } = mask;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 0 || h < 0) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: width ${w} and height ${h} must be non-negative integers; pass the mask's pixel size.`,
    );
  }
  if (!(data instanceof Uint8Array)) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: data must be a Uint8Array (one byte per pixel, row-major), got ${describeData(data)}.`,
    );
  }
  if (data.length !== w * h) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: data has ${data.length} bytes but ${w}x${h} needs ${w * h}; ` + 'build the mask row-major with one byte per pixel.',
    );
  }
}

function describeData(data: unknown): string {
  if (data === null || typeof data !== 'object') return String(data);
  return data.constructor?.name ?? 'an object';
}

/**
 * Throws a clear error unless size is two non-negative integers and the counts are non-negative
 * integers summing to h*w. `what` names the mask in the message (e.g. a file and annotation id).
 */
export function checkRle(rle: Rle, what = 'RLE mask'): void {
  const size = rle?.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: size must be [height, width] with non-negative integers, got ${JSON.stringify(size)}.`,
    );
  }
  if (!Array.isArray(rle.counts)) {
    throw new SamanticError('invalid-argument', `${what}: counts must be an array of run lengths.`);
  }
  let total = 0;
  for (const c of rle.counts) {
    if (!Number.isInteger(c) || c < 0) {
      throw new SamanticError(
        'invalid-argument',
        `${what}: run length ${c} is not a non-negative integer; the counts are corrupt, regenerate the mask.`,
      );
    }
    total += c;
  }
  if (total !== size[0] * size[1]) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: run lengths sum to ${total} but size ${size[0]}x${size[1]} needs ${size[0] * size[1]}; ` +
        'the RLE does not belong to a mask of this size, re-encode the mask with its real [height, width].',
    );
  }
}

/** Encodes a row-major mask (any non-zero byte is foreground). */
export function maskToRle(mask: BinaryMask): Rle {
  checkMask(mask);
  return maskToRleInFrame(mask, 0, 0, mask.width, mask.height);
}

/**
 * Builds uncompressed-RLE counts pixel by pixel in column-major order; runs of zeros known in
 * advance (outside a crop or a box) are added in one step.
 */
export class RunBuilder {
  private readonly counts: number[] = [];
  private value = 0;
  private run = 0;

  /** Appends one pixel (any non-zero is foreground). */
  pixel(on: boolean): void {
    const v = on ? 1 : 0;
    if (v !== this.value) {
      this.counts.push(this.run);
      this.value = v;
      this.run = 0;
    }
    this.run++;
  }

  /** Appends `n` background pixels. */
  zeros(n: number): void {
    this.append(n, false);
  }

  /** Appends `n` foreground pixels. */
  ones(n: number): void {
    this.append(n, true);
  }

  /** Appends a stretch of `n` pixels of one value (n <= 0 appends nothing). */
  append(n: number, on: boolean): void {
    if (n <= 0) return;
    const v = on ? 1 : 0;
    if (v !== this.value) {
      this.counts.push(this.run);
      this.value = v;
      this.run = 0;
    }
    this.run += n;
  }

  finish(height: number, width: number): Rle {
    const counts = this.counts.slice();
    counts.push(this.run);
    return { size: [height, width], counts };
  }
}

/**
 * Encodes `mask` as if it were pasted at (x0, y0) into an all-zero frame of frameW x frameH (SAM's
 * uncrop_masks followed by mask_to_rle_pytorch), without building the padded mask.
 */
export function maskToRleInFrame(mask: BinaryMask, x0: number, y0: number, frameW: number, frameH: number): Rle {
  const { width: w, height: h, data } = mask;
  if (x0 < 0 || y0 < 0 || x0 + w > frameW || y0 + h > frameH) {
    throw new SamanticError(
      'invalid-argument',
      `mask of ${w}x${h} at (${x0}, ${y0}) does not fit in a ${frameW}x${frameH} frame; check the crop box.`,
    );
  }
  const b = new RunBuilder();
  b.zeros(x0 * frameH);
  const below = frameH - y0 - h;
  const n = w * h;
  for (let x = 0; x < w; x++) {
    b.zeros(y0);
    // One append per run of the column rather than one call per pixel: this is the hot loop of
    // encoding whole-image masks.
    for (let i = x; i < n;) {
      const on = data[i] !== 0;
      const start = i;
      while (i < n && (data[i] !== 0) === on) i += w;
      b.append((i - start) / w, on);
    }
    b.zeros(below);
  }
  b.zeros((frameW - x0 - w) * frameH);
  return b.finish(frameH, frameW);
}

/** Decodes to a row-major 0/1 mask. */
export function rleToMask(rle: Rle): BinaryMask {
  checkRle(rle);
  const [h, w] = rle.size;
  return rleToMaskWindow(rle, 0, 0, w, h);
}

/**
 * Decodes only the w x h window at (x0, y0) of the RLE's frame (the inverse of maskToRleInFrame).
 * The foreground must lie inside the window (e.g. from rleBoxInclusive); the RLE is not validated.
 */
export function rleToMaskWindow(rle: Rle, x0: number, y0: number, w: number, h: number): BinaryMask {
  const [frameH] = rle.size;
  const data = new Uint8Array(w * h);
  let pos = 0;
  for (let r = 0; r < rle.counts.length; r++) {
    const end = pos + rle.counts[r];
    if (r % 2 === 1) {
      for (let k = pos; k < end; k++) {
        const x = Math.floor(k / frameH);
        data[(k - x * frameH - y0) * w + x - x0] = 1;
      }
    }
    pos = end;
  }
  return { width: w, height: h, data };
}

/** Foreground pixel count: the sum of the odd-index counts (SAM's area_from_rle). */
export function rleArea(rle: Rle): number {
  let area = 0;
  for (let r = 1; r < rle.counts.length; r += 2) area += rle.counts[r];
  return area;
}

/**
 * Inclusive box [x0, y0, x1, y1] (x1, y1 the last foreground column/row), or null when empty.
 * A run that spans two or more columns covers the bottom of one and the top of the next, hence the
 * full row range (as pycocotools' rleToBbox reasons).
 */
export function rleBoxInclusive(rle: Rle): BoxXYXY | null {
  const [h] = rle.size;
  let xs = Infinity;
  let ys = Infinity;
  let xe = -1;
  let ye = -1;
  let pos = 0;
  for (let r = 0; r < rle.counts.length; r++) {
    const c = rle.counts[r];
    if (r % 2 === 1 && c > 0) {
      const first = pos;
      const last = pos + c - 1;
      const fx = Math.floor(first / h);
      const lx = Math.floor(last / h);
      xs = Math.min(xs, fx);
      xe = Math.max(xe, lx);
      if (lx > fx) {
        ys = 0;
        ye = h - 1;
      } else {
        ys = Math.min(ys, first - fx * h);
        ye = Math.max(ye, last - lx * h);
      }
    }
    pos += c;
  }
  return xe < 0 ? null : [xs, ys, xe, ye];
}

/** Foreground-run intervals [start, end) over the column-major index, in order. */
function foregroundRuns(rle: Rle): number[] {
  const out: number[] = [];
  let pos = 0;
  for (let r = 0; r < rle.counts.length; r++) {
    const c = rle.counts[r];
    if (r % 2 === 1 && c > 0) out.push(pos, pos + c);
    pos += c;
  }
  return out;
}

/** Throws a clear error unless the two RLEs have the same [height, width]; `op` says what failed. */
export function checkSameSize(a: Rle, b: Rle, op: string): void {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new SamanticError(
      'invalid-argument',
      `cannot ${op}: the masks differ in size (${a.size.join('x')} vs ${b.size.join('x')}); both must be [height, width] of the same image.`,
    );
  }
}

/** Intersection and union pixel counts of two RLEs of the same size, without decoding. */
export function rleOverlapCounts(a: Rle, b: Rle): { intersection: number; union: number } {
  checkSameSize(a, b, 'compare RLE masks');
  const ra = foregroundRuns(a);
  const rb = foregroundRuns(b);
  let i = 0;
  let j = 0;
  let inter = 0;
  while (i < ra.length && j < rb.length) {
    const lo = Math.max(ra[i], rb[j]);
    const hi = Math.min(ra[i + 1], rb[j + 1]);
    if (hi > lo) inter += hi - lo;
    if (ra[i + 1] < rb[j + 1]) i += 2;
    else j += 2;
  }
  return { intersection: inter, union: rleArea(a) + rleArea(b) - inter };
}

/** Mask IoU of two RLEs; 0 when both are empty (nothing to overlap). */
export function rleIou(a: Rle, b: Rle): number {
  const { intersection, union } = rleOverlapCounts(a, b);
  return union > 0 ? intersection / union : 0;
}

// Union and intersection on the runs, without decoding, as pycocotools' rleMerge (maskApi.c);
// normalisation removes the zero-length inner runs that valid COCO counts may carry (rleFrString
// accepts them) but rleEncode never writes.

/**
 * Union (default) or intersection of same-size RLEs, walking the runs like pycocotools' rleMerge.
 * The result is normalised: no zero-length runs except a possible leading zero run.
 */
export function rleMerge(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) {
    throw new SamanticError('invalid-argument', 'rleMerge needs at least one RLE; pass the masks to merge.');
  }
  let acc = normaliseRle(rles[0]);
  for (let i = 1; i < rles.length; i++) {
    checkSameSize(acc, rles[i], 'merge RLE masks');
    const out = new RunBuilder();
    walkPair(acc.counts, rles[i].counts, (len, a, b) => out.append(len, intersect ? a && b : a || b));
    acc = out.finish(acc.size[0], acc.size[1]);
  }
  return acc;
}

/** Merges zero-length inner runs so counts alternate strictly (a leading zero run is kept). */
export function normaliseRle(rle: Rle): Rle {
  const out = new RunBuilder();
  let on = false;
  for (const c of rle.counts) {
    out.append(c, on);
    on = !on;
  }
  return out.finish(rle.size[0], rle.size[1]);
}

/** Calls visit(length, aValue, bValue) for each maximal stretch where neither RLE changes value. */
function walkPair(ca: readonly number[], cb: readonly number[], visit: (len: number, a: boolean, b: boolean) => void): void {
  let ia = 0;
  let ib = 0;
  let ra = ca.length > 0 ? ca[0] : 0;
  let rb = cb.length > 0 ? cb[0] : 0;
  let va = false;
  let vb = false;
  for (;;) {
    // Skip exhausted runs (zero-length runs flip the value without covering pixels).
    while (ra === 0 && ia < ca.length - 1) {
      ra = ca[++ia];
      va = !va;
    }
    while (rb === 0 && ib < cb.length - 1) {
      rb = cb[++ib];
      vb = !vb;
    }
    if (ra === 0 || rb === 0) break;
    const len = Math.min(ra, rb);
    visit(len, va, vb);
    ra -= len;
    rb -= len;
  }
}
