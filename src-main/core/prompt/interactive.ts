// Interactive decoding on an image's cached embedding, following SAM's own protocol
// (segment_anything/predictor.py and its notebooks, utils/onnx.py):
//   - a lone click with no earlier mask asks for the multimask outputs and keeps the best-scored one
//     (one point is ambiguous: part, object or whole);
//   - every later step (more points, a box, a mask to refine) asks for the single-mask output and
//     passes the previous low-res logits as mask_input with has_mask_input = 1;
//   - points go in original pixels; the decoder runner converts them to the encoder's resized frame,
//     adds SAM's pad point (label -1) when there is no box and the box corners (labels 2, 3) when there is.
//   - a decoder that takes no mask_input (EdgeSAM's and EfficientViT-SAM's exports) gets no previous
//     mask: every step is decoded from its points and box alone (the caller keeps sending all of them).
// Only the decoder runs here: the caller supplies the embedding (from the project's cache).

import { SamanticError } from '../errors';
import { maskCellCoverage } from '../embed/mask-cells';
import { rleArea, rleBoxInclusive } from '../mask';
import { LowResLogits, tileLayout, type TileLayout } from '../amg/sparse';
import { upsampleGeometry } from '../amg/upsample';
import type { SamModel } from '../model/runtime';
import type { BoxXYWH, ImageEmbedding, Rle } from '../types';

/** A mask given as mask_input: cells the mask covers fully get +MASK_INPUT_LOGIT, empty cells -MASK_INPUT_LOGIT. */
export const MASK_INPUT_LOGIT = 10;
/** SAM's mask threshold: logits above it are the mask (predictor.py mask_threshold). */
export const MASK_THRESHOLD = 0;

export interface InteractivePrompt {
  /** Original image pixels. */
  points?: ReadonlyArray<readonly [number, number]>;
  /** 1 positive, 0 negative; default all 1. */
  labels?: readonly number[];
  /** [x0, y0, x1, y1] in original image pixels. */
  box?: readonly [number, number, number, number];
  /** Low-res logits of the previous step of this interaction (or of a segment being refined). */
  previous?: Float32Array | null;
}

export interface InteractiveMask {
  rle: Rle;
  area: number;
  /** pycocotools [x, y, w, h]; [0, 0, 0, 0] for an empty mask. */
  bbox: BoxXYWH;
  /** The decoder's predicted IoU of the kept mask. */
  score: number;
  /** Decoder token the mask came from. */
  token: number;
  /** The kept mask's low-res logits (lowResSize^2), to chain the next step. */
  lowRes: Float32Array;
  lowResSize: number;
}

/** Whether SAM's protocol asks for the multimask outputs for this step. */
export function wantsMultimask(prompt: InteractivePrompt): boolean {
  return !prompt.previous && !prompt.box && (prompt.points?.length ?? 0) === 1;
}

/** Runs one interactive step. Throws SamanticError on an empty prompt. */
export async function decodeInteractive(model: SamModel, embedding: ImageEmbedding, prompt: InteractivePrompt): Promise<InteractiveMask> {
  const points = prompt.points ?? [];
  if (points.length === 0 && !prompt.box) {
    throw new SamanticError('invalid-argument', 'A prompt needs at least one point or a box: click on the object or drag a box around it.');
  }
  // A decoder without mask_input ('sam-points': EdgeSAM, EfficientViT-SAM) cannot refine a previous
  // mask: each step decodes the points (and box) alone, and a lone click stays ambiguous, so it
  // gets the multimask outputs as a first click does.
  const previous = model.decoder.inputs.maskInput === null ? null : (prompt.previous ?? null);
  const multimask = wantsMultimask({ ...prompt, previous }) && model.decoder.multimaskIndices.length > 0;
  // Only the kept mask is brought to full resolution, and only where it is undecided: the AMG's
  // sparse path (amg/sparse.ts) gives SAM's upsampled mask bit for bit from the low-res logits,
  // computing full-resolution pixels only near the mask's edge (a dense upsample of a 2250x1500
  // photo costs more than the decoder).
  const r = await model.decode(embedding, [{ points, labels: prompt.labels, box: prompt.box, maskInput: previous ?? undefined }], {
    tokens: multimask ? 'multimask' : 'single',
    fullResolution: false,
  });
  let best = 0;
  for (let j = 1; j < r.m; j++) if (r.iou[j] > r.iou[best]) best = j;
  const L = r.lowResSize;
  const low = new LowResLogits(r.lowRes.slice(best * L * L, (best + 1) * L * L), layoutFor(embedding, L));
  const rle = low.rleInFrame(MASK_THRESHOLD, low.box(MASK_THRESHOLD), 0, 0, r.width, r.height);
  return {
    rle,
    area: rleArea(rle),
    bbox: cocoBbox(rle),
    score: r.iou[best],
    token: r.tokens[best],
    lowRes: low.low,
    lowResSize: L,
  };
}

/** Tile layouts of the last few image sizes: clicks come in runs on one image, and go back and forth between a few. */
const layouts = new Map<string, TileLayout>();
const LAYOUTS_KEPT = 4;

export function layoutFor(embedding: ImageEmbedding, lowResSize: number): TileLayout {
  const t = embedding.transform;
  const key = `${t.origWidth}x${t.origHeight}/${t.frameSize}/${lowResSize}`;
  let layout = layouts.get(key);
  if (layout) layouts.delete(key);
  else layout = tileLayout(upsampleGeometry(lowResSize, t.frameSize, t.origWidth, t.origHeight));
  layouts.set(key, layout);
  while (layouts.size > LAYOUTS_KEPT) layouts.delete(layouts.keys().next().value as string);
  return layout;
}

/** pycocotools bbox of an RLE: [x, y, w, h] with w and h counting pixels; zeros when empty. */
export function cocoBbox(rle: Rle): BoxXYWH {
  const box = rleBoxInclusive(rle);
  return box ? [box[0], box[1], box[2] - box[0] + 1, box[3] - box[1] + 1] : [0, 0, 0, 0];
}

/**
 * A mask (original pixels) as mask_input logits on the decoder's low-res grid of the encoder frame:
 * (2 * coverage - 1) * MASK_INPUT_LOGIT per cell, -MASK_INPUT_LOGIT in the padding.
 */
export function maskToLowResLogits(rle: Rle, embedding: ImageEmbedding, lowResSize: number): Float32Array {
  const t = embedding.transform;
  if (rle.size[0] !== t.origHeight || rle.size[1] !== t.origWidth) {
    throw new SamanticError(
      'invalid-argument',
      `the mask is ${rle.size[1]}x${rle.size[0]} but the image is ${t.origWidth}x${t.origHeight}.`,
    );
  }
  const out = new Float32Array(lowResSize * lowResSize).fill(-MASK_INPUT_LOGIT);
  const cov = maskCellCoverage(t, lowResSize, lowResSize, rle);
  for (let k = 0; k < cov.cells.length; k++) {
    const f = cov.validPixels[k] > 0 ? cov.maskPixels[k] / cov.validPixels[k] : 0;
    out[cov.cells[k]] = (2 * f - 1) * MASK_INPUT_LOGIT;
  }
  return out;
}
