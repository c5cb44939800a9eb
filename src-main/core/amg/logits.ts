// Per-mask post-processing of one full-resolution logit map (row-major float32, crop size), split
// into the steps of SAM's _process_batch: stability score on the logits, thresholding, box, RLE.
// Thresholds are compared in float32 because torch compares a float32 tensor with a Python float
// after casting the scalar to float32. MaskLogits is the seam where the sparse low-res path
// (sparse.ts) replaces these dense loops.

import type { BinaryMask, BoxXYXY, Rle } from '../types';
import { RunBuilder } from '../mask/rle';

const f32 = Math.fround;

/**
 * calculate_stability_score (utils/amg.py): the IoU of the masks cut at threshold + offset and at
 * threshold - offset, i.e. #(logit > t + o) / #(logit > t - o) since one contains the other.
 * float32 division as torch's int/int; NaN when nothing is above t - o (SAM then drops the mask,
 * since NaN >= x is false).
 */
export function stabilityScore(logits: Float32Array, maskThreshold: number, offset: number): number {
  const hi = f32(maskThreshold + offset);
  const lo = f32(maskThreshold - offset);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v > lo) {
      union++;
      if (v > hi) inter++;
    }
  }
  return f32(inter / union);
}

/** The binary mask logit > maskThreshold. */
export function thresholdLogits(logits: Float32Array, width: number, height: number, maskThreshold: number): BinaryMask {
  const t = f32(maskThreshold);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = logits[i] > t ? 1 : 0;
  return { width, height, data };
}

/**
 * SAM's box (batched_mask_to_box) of logit > maskThreshold without building the mask: inclusive
 * [x0, y0, x1, y1], or [0, 0, 0, 0] when empty.
 */
export function logitsBox(logits: Float32Array, width: number, height: number, maskThreshold: number): BoxXYXY {
  const t = f32(maskThreshold);
  let xs = width;
  let ys = -1;
  let xe = -1;
  let ye = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    for (let x = 0; x < width; x++) {
      if (logits[row + x] > t) {
        first = x;
        break;
      }
    }
    if (first < 0) continue;
    let last = width - 1;
    while (!(logits[row + last] > t)) last--;
    if (ys < 0) ys = y;
    ye = y;
    if (first < xs) xs = first;
    if (last > xe) xe = last;
  }
  return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe, ye];
}

/**
 * RLE over the whole image of logit > maskThreshold, for a crop placed at (x0, y0) in a frame of
 * frameW x frameH (uncrop_masks + mask_to_rle_pytorch). Only the pixels inside `box` (the mask's
 * inclusive box in crop coordinates, from logitsBox) are read; everything else is background.
 */
export function logitsToRleInFrame(
  logits: Float32Array,
  width: number,
  height: number,
  maskThreshold: number,
  box: BoxXYXY,
  x0: number,
  y0: number,
  frameW: number,
  frameH: number,
): Rle {
  const t = f32(maskThreshold);
  const [bx0, by0, bx1, by1] = box;
  const b = new RunBuilder();
  const empty = !(logits[by0 * width + bx0] > t) && bx0 === 0 && by0 === 0 && bx1 === 0 && by1 === 0;
  if (empty || width === 0 || height === 0) {
    b.zeros(frameW * frameH);
    return b.finish(frameH, frameW);
  }
  b.zeros((x0 + bx0) * frameH);
  for (let x = bx0; x <= bx1; x++) {
    b.zeros(y0 + by0);
    for (let y = by0; y <= by1; y++) b.pixel(logits[y * width + x] > t);
    b.zeros(frameH - y0 - by1 - 1);
  }
  b.zeros((frameW - x0 - bx1 - 1) * frameH);
  return b.finish(frameH, frameW);
}

/** The per-mask questions the generator asks of a logit map, whatever its storage. */
export interface MaskLogits {
  /** calculate_stability_score of this map. */
  stability(maskThreshold: number, offset: number): number;
  /** SAM's inclusive box of logit > maskThreshold, [0, 0, 0, 0] when empty. */
  box(maskThreshold: number): BoxXYXY;
  /** Image-frame RLE of logit > maskThreshold; `box` is what box() returned. */
  rleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle;
  /**
   * rleInFrame, to be run later: the generator encodes only the masks that survive the crop's NMS
   * (about 1 in 9 at SAM's defaults on the bench photos), so it asks for this instead. What it
   * returns must not hold the map: a batch's maps are freed before the crop ends.
   */
  deferRleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): () => Rle;
}

/** A full-resolution map, as PredictionBatch.logits holds them. */
export class DenseLogits implements MaskLogits {
  constructor(
    readonly logits: Float32Array,
    readonly width: number,
    readonly height: number,
  ) {}

  stability(maskThreshold: number, offset: number): number {
    return stabilityScore(this.logits, maskThreshold, offset);
  }

  box(maskThreshold: number): BoxXYXY {
    return logitsBox(this.logits, this.width, this.height, maskThreshold);
  }

  rleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
    return logitsToRleInFrame(this.logits, this.width, this.height, maskThreshold, box, x0, y0, frameW, frameH);
  }

  deferRleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): () => Rle {
    // A full-resolution map is far larger than its RLE: encode now, keep the RLE.
    const rle = this.rleInFrame(maskThreshold, box, x0, y0, frameW, frameH);
    return () => rle;
  }
}
