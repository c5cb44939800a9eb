// Uncompressed COCO run-length encoding with the semantics of pycocotools' C mask API
// (cocodataset/cocoapi common/maskApi.c: rleEncode, rleDecode, rleArea, rleToBbox, rleMerge, rleIou).
// Counts run over the column-major flattening (index x*h + y) and always start with a zero run.

import { SamanticError } from '../errors';
import type { BinaryMask, BoxXYWH, Rle } from '../types';

/** RLE with pycocotools' compressed string counts, as stored in COCO json and the API. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/**
 * Encodes a row-major mask as column-major counts, like pycocotools' rleEncode on a Fortran-order
 * array. Any non-zero byte counts as foreground.
 */
export function maskToRle(mask: BinaryMask): Rle {
  const { width: w, height: h, data } = mask;
  checkMaskShape(mask);
  const counts: number[] = [];
  let prev = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0, i = x; y < h; y++, i += w) {
      const v = data[i] !== 0 ? 1 : 0;
      if (v !== prev) {
        counts.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [h, w], counts };
}

/** Decodes counts back to a row-major 0/1 mask. */
export function rleToMask(rle: Rle): BinaryMask {
  validateRle(rle);
  const [h, w] = rle.size;
  const data = new Uint8Array(w * h);
  let pos = 0;
  let v = 0;
  for (const c of rle.counts) {
    if (v === 1) {
      for (let k = pos, end = pos + c; k < end; k++) {
        // column-major index k = x*h + y
        const x = (k / h) | 0;
        data[(k - x * h) * w + x] = 1;
      }
    }
    pos += c;
    v ^= 1;
  }
  return { width: w, height: h, data };
}

/** Foreground pixel count: the sum of the odd-index counts (pycocotools rleArea). */
export function rleArea(rle: Rle): number {
  let a = 0;
  for (let j = 1; j < rle.counts.length; j += 2) a += rle.counts[j];
  return a;
}

/**
 * Tight box [xs, ys, xe-xs+1, ye-ys+1] exactly as pycocotools' rleToBbox computes it, including
 * its conventions: an empty mask gives [0, 0, 0, 0]; a run crossing a column spans the full height.
 */
export function rleBbox(rle: Rle): BoxXYWH {
  const [h, w] = rle.size;
  const m = Math.floor(rle.counts.length / 2) * 2;
  if (m === 0 || h === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += rle.counts[j];
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/**
 * Union (default) or intersection of same-size RLEs, walking the runs like pycocotools' rleMerge.
 * The result is normalised: no zero-length runs except a possible leading zero run.
 */
export function rleMerge(rles: readonly Rle[], intersect = false): Rle {
  if (rles.length === 0) throw new SamanticError('invalid-argument', 'rleMerge needs at least one RLE.');
  let acc = normaliseRle(rles[0]);
  for (let i = 1; i < rles.length; i++) {
    sameSize(acc, rles[i], 'rleMerge');
    const out = new RunWriter();
    walkPair(acc.counts, rles[i].counts, (len, a, b) => out.push(len, intersect ? a && b : a || b));
    acc = { size: acc.size, counts: out.finish() };
  }
  return acc;
}

/** Intersection and union pixel counts of two same-size RLEs. */
export function rleOverlap(a: Rle, b: Rle): { intersection: number; union: number } {
  sameSize(a, b, 'rleOverlap');
  let inter = 0;
  let union = 0;
  walkPair(a.counts, b.counts, (len, va, vb) => {
    if (va || vb) union += len;
    if (va && vb) inter += len;
  });
  return { intersection: inter, union };
}

/**
 * Mask IoU of two same-size RLEs (pycocotools rleIou without crowd): 0 when they do not overlap,
 * including when both are empty.
 */
export function rleIou(a: Rle, b: Rle): number {
  const { intersection, union } = rleOverlap(a, b);
  return intersection === 0 ? 0 : intersection / union;
}

/** Merges zero-length inner runs so counts alternate strictly (a leading zero run is kept). */
export function normaliseRle(rle: Rle): Rle {
  const out = new RunWriter();
  let v = false;
  for (const c of rle.counts) {
    out.push(c, v);
    v = !v;
  }
  return { size: [rle.size[0], rle.size[1]], counts: out.finish() };
}

/**
 * Throws a clear error unless size is two non-negative integers and the counts are non-negative
 * integers summing to h*w. `what` names the mask in the message (e.g. a file and annotation id).
 */
export function validateRle(rle: Rle, what = 'RLE mask'): void {
  const size = rle?.size;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: size must be [height, width] with non-negative integers, got ${JSON.stringify(size)}.`,
    );
  }
  if (!Array.isArray(rle.counts)) {
    throw new SamanticError('invalid-argument', `${what}: counts must be an array of run lengths.`);
  }
  let sum = 0;
  for (const c of rle.counts) {
    if (!Number.isInteger(c) || c < 0) {
      throw new SamanticError('invalid-argument', `${what}: run length ${c} is not a non-negative integer.`);
    }
    sum += c;
  }
  if (sum !== size[0] * size[1]) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: run lengths sum to ${sum} but size ${size[0]}x${size[1]} needs ${size[0] * size[1]}; ` +
        're-encode the mask with its real [height, width].',
    );
  }
}

function checkMaskShape(mask: BinaryMask): void {
  const { width, height, data } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new SamanticError('invalid-argument', `Mask size ${width}x${height} is not two non-negative integers.`);
  }
  if (data.length !== width * height) {
    throw new SamanticError(
      'invalid-argument',
      `Mask data has ${data.length} bytes but ${width}x${height} needs ${width * height} (one byte per pixel, row-major).`,
    );
  }
}

function sameSize(a: Rle, b: Rle, op: string): void {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new SamanticError(
      'invalid-argument',
      `${op}: masks differ in size (${a.size.join('x')} vs ${b.size.join('x')}); both must be [height, width] of the same image.`,
    );
  }
}

/** Calls visit(length, aValue, bValue) for each maximal stretch where neither RLE changes value. */
function walkPair(
  ca: readonly number[],
  cb: readonly number[],
  visit: (len: number, a: boolean, b: boolean) => void,
): void {
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

/** Accumulates (length, value) stretches into alternating counts starting with zeros. */
class RunWriter {
  private counts: number[] = [];
  private value = false;
  private run = 0;

  push(len: number, v: boolean): void {
    if (len === 0) return;
    if (v !== this.value) {
      this.counts.push(this.run);
      this.run = 0;
      this.value = v;
    }
    this.run += len;
  }

  finish(): number[] {
    this.counts.push(this.run);
    return this.counts;
  }
}
