// pycocotools' compressed RLE strings (cocodataset/cocoapi common/maskApi.c rleToString and
// rleFrString), plus the mask-level helpers the exporter, the store and the UI call.
//
// The format: each count is written as 5-bit groups, least significant first, one character per
// group (value + 48, so characters '0'..'o'); bit 0x20 says "another group follows". Counts from
// index 3 on are stored as the difference to the count two places earlier (same-kind runs tend to
// be similar), so a group may carry a negative number: the last group's bit 0x10 is its sign.

import { SamanticError } from '../errors';
import {
  checkRle,
  maskToRle,
  rleArea as uncompressedArea,
  rleBboxCoco as uncompressedBbox,
  rleIou as uncompressedIou,
  rleMerge as uncompressedMerge,
  rleToMask,
} from '../mask';
import type { BinaryMask, BoxXYWH, Rle } from '../types';

// The uncompressed-RLE operations live in ../mask; these names keep coco's public surface whole.
export { maskToRle, rleToMask, normaliseRle, rleOverlapCounts as rleOverlap, checkRle as validateRle } from '../mask';

/** RLE with pycocotools' compressed string counts, as stored in COCO json and the API. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** Either form of COCO RLE; the helpers below accept both. */
export type AnyRle = Rle | CompressedRle;

/** Encodes run lengths as pycocotools' string. */
export function rleToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // Floor division and a positive modulo behave like C's arithmetic shift on longs and also
      // hold beyond 32 bits, where JS bit operators would truncate.
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/**
 * Decodes pycocotools' string back to run lengths. Throws on characters outside '0'..'o', on a
 * string that ends inside a multi-character count, and on counts that come out negative.
 */
export function rleFromString(s: string, what = 'RLE string'): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) {
        throw new SamanticError(
          'invalid-argument',
          `${what}: the string ends in the middle of a run length (truncated?); re-export the mask.`,
        );
      }
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new SamanticError(
          'invalid-argument',
          `${what}: character ${JSON.stringify(s[p])} at ${p} is not part of pycocotools' RLE alphabet ('0'..'o').`,
        );
      }
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    if (x < 0) {
      throw new SamanticError('invalid-argument', `${what}: run ${counts.length} decodes to a negative length ${x}.`);
    }
    counts.push(x);
  }
  return counts;
}

/** Compresses an uncompressed RLE. */
export function compressRle(rle: Rle): CompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: rleToString(rle.counts) };
}

/** Decompresses (and validates against its size) a compressed RLE. */
export function decompressRle(rle: CompressedRle, what = 'RLE mask'): Rle {
  const out: Rle = { size: [rle.size[0], rle.size[1]], counts: rleFromString(rle.counts, what) };
  checkRle(out, what);
  return out;
}

/** Accepts either RLE form and returns the uncompressed one (same object when already so). */
export function toUncompressed(rle: AnyRle, what?: string): Rle {
  return typeof rle.counts === 'string' ? decompressRle(rle as CompressedRle, what) : (rle as Rle);
}

/** Row-major mask -> pycocotools' {size: [h, w], counts: string} (column-major runs). */
export function encodeMask(mask: BinaryMask): CompressedRle {
  return compressRle(maskToRle(mask));
}

/** Either RLE form -> row-major 0/1 mask. */
export function decodeMask(rle: AnyRle): BinaryMask {
  return rleToMask(toUncompressed(rle));
}

/** Foreground pixel count (pycocotools mask.area). */
export function rleArea(rle: AnyRle): number {
  return uncompressedArea(toUncompressed(rle));
}

/** pycocotools mask.toBbox: [xs, ys, xe-xs+1, ye-ys+1], [0,0,0,0] when empty. */
export function rleBbox(rle: AnyRle): BoxXYWH {
  return uncompressedBbox(toUncompressed(rle));
}

/** Mask IoU (no crowd semantics): intersection / union, 0 when they do not overlap. */
export function rleIou(a: AnyRle, b: AnyRle): number {
  return uncompressedIou(toUncompressed(a), toUncompressed(b));
}

/** Union (or intersection) of same-size masks, returned in the form of the first input. */
export function rleMerge<T extends AnyRle>(rles: readonly T[], intersect = false): T {
  const merged = uncompressedMerge(
    rles.map((r) => toUncompressed(r)),
    intersect,
  );
  return (rles.length > 0 && typeof rles[0].counts === 'string' ? compressRle(merged) : merged) as T;
}
