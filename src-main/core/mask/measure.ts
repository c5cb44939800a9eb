// Measurements of masks: bounding boxes in the two conventions the project meets, and mask IoU.
//
// Boxes:
// - SAM's (utils/amg.py batched_mask_to_box + box_xyxy_to_xywh): inclusive xyxy, x1/y1 the last
//   foreground pixel, so its XYWH is [x0, y0, x1 - x0, y1 - y0] (a single pixel has width 0).
// - pycocotools' (maskApi.c rleToBbox): [xs, ys, xe - xs + 1, ye - ys + 1], one pixel wider and
//   taller; this is what COCO files carry.
// Both give [0, 0, 0, 0] for an empty mask, as their sources do. rleIou (rle.ts) gives the same IoU
// as maskIou without decoding.

import { SamanticError } from '../errors';
import type { BinaryMask, BoxXYWH, BoxXYXY, Rle } from '../types';
import { checkMask, rleBoxInclusive } from './rle';

/** Inclusive [x0, y0, x1, y1] of the foreground, or null when the mask is empty. */
export function maskBoxInclusive(mask: BinaryMask): BoxXYXY | null {
  checkMask(mask);
  const { width: w, height: h, data } = mask;
  let xs = w;
  let ys = h;
  let xe = -1;
  let ye = -1;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let first = -1;
    let last = -1;
    for (let x = 0; x < w; x++) {
      if (data[row + x] !== 0) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (ys === h) ys = y;
    ye = y;
    if (first < xs) xs = first;
    if (last > xe) xe = last;
  }
  return xe < 0 ? null : [xs, ys, xe, ye];
}

/** SAM's box: inclusive xyxy, [0, 0, 0, 0] for an empty mask (batched_mask_to_box). */
export function samBoxXYXY(box: BoxXYXY | null): BoxXYXY {
  return box ? [box[0], box[1], box[2], box[3]] : [0, 0, 0, 0];
}

/** SAM's XYWH from an inclusive xyxy box (box_xyxy_to_xywh): [x0, y0, x1 - x0, y1 - y0]. */
export function samXYWHFromXYXY(box: BoxXYXY): BoxXYWH {
  return [box[0], box[1], box[2] - box[0], box[3] - box[1]];
}

/** pycocotools' XYWH from an inclusive box: [xs, ys, xe - xs + 1, ye - ys + 1]; zeros if empty. */
export function cocoXYWHFromInclusive(box: BoxXYXY | null): BoxXYWH {
  return box ? [box[0], box[1], box[2] - box[0] + 1, box[3] - box[1] + 1] : [0, 0, 0, 0];
}

/** SAM's bbox (AmgMask.bbox) of a mask. */
export function maskBboxSam(mask: BinaryMask): BoxXYWH {
  return samXYWHFromXYXY(samBoxXYXY(maskBoxInclusive(mask)));
}

/** pycocotools' bbox (COCO annotation bbox) of a mask. */
export function maskBboxCoco(mask: BinaryMask): BoxXYWH {
  return cocoXYWHFromInclusive(maskBoxInclusive(mask));
}

/** SAM's bbox of an RLE. */
export function rleBboxSam(rle: Rle): BoxXYWH {
  return samXYWHFromXYXY(samBoxXYXY(rleBoxInclusive(rle)));
}

/**
 * pycocotools' bbox of an RLE (mask.toBbox, as COCO annotations carry it): the same numbers as
 * maskApi.c rleToBbox for every RLE its rleEncode writes; for counts with zero-length foreground
 * runs, which rleToBbox misreads as pixels, this gives the box of the pixels actually set.
 */
export function rleBboxCoco(rle: Rle): BoxXYWH {
  return cocoXYWHFromInclusive(rleBoxInclusive(rle));
}

/** Intersection and union pixel counts of two masks of the same size. */
export function maskOverlapCounts(a: BinaryMask, b: BinaryMask): { intersection: number; union: number } {
  checkMask(a, 'first mask');
  checkMask(b, 'second mask');
  if (a.width !== b.width || a.height !== b.height) {
    throw new SamanticError(
      'invalid-argument',
      `cannot compare masks of ${a.width}x${a.height} and ${b.width}x${b.height}; both must cover the same image.`,
    );
  }
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    const pa = a.data[i] !== 0;
    const pb = b.data[i] !== 0;
    if (pa && pb) intersection++;
    if (pa || pb) union++;
  }
  return { intersection, union };
}

/** Mask IoU; 0 when both masks are empty (nothing to overlap). */
export function maskIou(a: BinaryMask, b: BinaryMask): number {
  const { intersection, union } = maskOverlapCounts(a, b);
  return union > 0 ? intersection / union : 0;
}
