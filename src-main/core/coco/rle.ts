// COCO RLE in either form (uncompressed counts, or pycocotools' compressed string): the mask-level
// helpers the exporter and the store call. The string codec itself is mask/rle-string.ts, shared
// with the renderer.

import {
  checkRle,
  maskToRle,
  rleArea as uncompressedArea,
  rleBboxCoco as uncompressedBbox,
  rleIou as uncompressedIou,
  rleMerge as uncompressedMerge,
  rleToMask,
} from '../mask';
import { rleFromString, rleToString } from '../mask/rle-string';
import type { BinaryMask, BoxXYWH, Rle } from '../types';

export { rleFromString, rleToString };

// The uncompressed-RLE operations live in ../mask; these names keep coco's public surface whole.
export { maskToRle, rleToMask, normaliseRle, rleOverlapCounts as rleOverlap, checkRle as validateRle } from '../mask';

/** RLE with pycocotools' compressed string counts, as stored in COCO json and the API. */
export interface CompressedRle {
  size: [number, number];
  counts: string;
}

/** Either form of COCO RLE; the helpers below accept both. */
export type AnyRle = Rle | CompressedRle;

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
