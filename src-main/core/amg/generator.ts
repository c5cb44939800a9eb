// SAM's automatic mask generator (SamAutomaticMaskGenerator.generate in segment_anything/
// automatic_mask_generator.py) over a MaskPredictor: a grid of point prompts on the image and on
// each crop, per-batch filtering (predicted IoU, stability, crop edges; batch.ts, in worker threads
// where given), NMS within each crop, RLE encoding of the crop's survivors (SAM encodes every
// batch's masks; the output is the same), NMS between crops, optional small-region clean-up.

import { SamanticError } from '../errors';
import type { AmgMask, BoxXYXY, MaskPredictor, RgbImage } from '../types';
import {
  checkLowRes,
  denseMasks,
  emptyPendingColumns,
  lowResMasks,
  processBatch,
  type BatchPrediction,
  type BatchWorkers,
  type CropContext,
  type PendingColumns,
} from './batch';
import { buildAllLayerPointGrids, cropImage, flattenPointGrid, generateCropBoxes, scalePoints, uncropBox, uncropPoint } from './grids';
import { MaskData } from './mask-data';
import { gridSpacing, nextBatch, PromptPruner } from './prune';
import { batchedNms } from './nms';
import { resolveAmgOptions, type AmgOptions } from './options';
import { hasLowRes, sparseKernel, tileLayout, type TileLayout } from './sparse';
import { upsampleGeometry } from './upsample';
import { emptyRecordColumns, postprocessSmallRegions, toAmgMasks, type RecordColumns } from './records';

export { processBatch, type BatchPrediction, type BatchWorkers, type CropContext } from './batch';

const f32 = Math.fround;

export interface AmgProgress {
  /** Index of the crop being processed (0 is the whole image). */
  cropIndex: number;
  cropCount: number;
  /** Point prompts decoded so far over all crops, and in total. */
  pointsDone: number;
  pointsTotal: number;
}

export interface AmgRunControl {
  onProgress?: (progress: AmgProgress) => void;
  /** Aborting stops at the next predictor call with a 'cancelled' SamanticError. */
  signal?: AbortSignal;
  /** Where to post-process low-res batches (worker-pool.ts); in process when absent or not alive. */
  workers?: BatchWorkers;
}

function checkImage(image: RgbImage): void {
  const { width: w, height: h, data } = image ?? ({} as RgbImage);
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) {
    throw new SamanticError('invalid-argument', `AMG image: size ${w}x${h} is not a positive integer size; decode the image first.`);
  }
  if (!(data instanceof Uint8Array) || data.length !== w * h * 3) {
    throw new SamanticError(
      'invalid-argument',
      `AMG image: expected ${w * h * 3} bytes of interleaved RGB for ${w}x${h}, got ${data?.length}; convert to 8-bit RGB.`,
    );
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SamanticError('cancelled', 'Mask generation was cancelled; start it again to get the masks.');
  }
}

async function processCrop(
  image: RgbImage,
  grid: Float64Array,
  predictor: MaskPredictor,
  ctx: CropContext,
  onBatch: (pointsInBatch: number) => void,
  signal: AbortSignal | undefined,
  workers: BatchWorkers | undefined,
): Promise<MaskData<RecordColumns>> {
  const { cropBox, options: o } = ctx;
  const nPoints = grid.length / 2;
  // A layer can have no points (floor(pointsPerSide / factor^i) = 0): nothing to decode there.
  if (nPoints === 0) return new MaskData(emptyRecordColumns());
  const crop = cropImage(image, cropBox);
  throwIfAborted(signal);
  await predictor.setImage(crop);
  const points = scalePoints(grid, crop.width, crop.height);

  const lowRes = o.useLowResLogits && hasLowRes(predictor) ? predictor : null;
  const pool = lowRes && workers?.alive ? workers : null;
  let layout: TileLayout | null = null;
  const kernel = o.sparseKernel ? sparseKernel() : null;

  const data = new MaskData(emptyPendingColumns());
  // Batches in the workers, oldest first; merged in batch order, so the output is the same.
  const inFlight: Promise<MaskData<PendingColumns>>[] = [];
  const pruner = o.pruneInsideKept
    ? new PromptPruner(
        points.map((v, i) => v + cropBox[i % 2]),
        {
          minPrompts: o.pruneMinPrompts,
          sameMaskIou: o.pruneSameMaskIou,
          marginPx: o.pruneMargin * gridSpacing(crop.width, crop.height, nPoints),
        },
      )
    : null;
  const pruning = pruner !== null;
  let decoded = 0;
  let start = 0;
  // With pruning a batch's kept masks decide the next batch's prompts, so each batch is merged
  // (and prunes) before the next is decoded.
  const merge = (batch: MaskData<PendingColumns>, next: number) => {
    data.cat(pruner ? pruneAfter(batch, pruner, next) : batch);
  };
  try {
    while (start < nPoints) {
      throwIfAborted(signal);
      let batch: Float64Array;
      if (pruner) {
        const picked = nextBatch(pruner.pruned, start, o.pointsPerBatch);
        start = picked.next;
        if (picked.indices.length === 0) break;
        batch = Float64Array.from(picked.indices.flatMap((j) => [points[2 * j], points[2 * j + 1]]));
      } else {
        batch = points.subarray(2 * start, 2 * Math.min(nPoints, start + o.pointsPerBatch));
        start = Math.min(nPoints, start + o.pointsPerBatch);
      }
      const k = batch.length / 2;
      decoded += k;
      let pred: BatchPrediction;
      if (lowRes) {
        const low = await lowRes.predictLowRes(batch);
        layout ??= tileLayout(upsampleGeometry(low.lowSize, low.frameSize, crop.width, crop.height, low.stretch));
        if (pool) {
          checkLowRes(low, k, layout.geometry);
          const job = pool.process(low, batch.slice(), ctx, layout);
          // Awaited in order below; a failure is thrown there, not reported as unhandled here.
          job.catch(() => {});
          inFlight.push(job);
          onBatch(k);
          const capacity = pruning ? 1 : pool.capacity;
          while (inFlight.length >= capacity) merge(await (inFlight.shift() as Promise<MaskData<PendingColumns>>), start);
          continue;
        }
        pred = { m: low.m, masks: lowResMasks(low, k, layout, kernel), iou: low.iou };
      } else {
        const full = await predictor.predict(batch);
        pred = { m: full.m, masks: denseMasks(full, k, crop.width, crop.height), iou: full.iou };
      }
      throwIfAborted(signal);
      merge(processBatch(pred, batch, ctx), start);
      onBatch(k);
    }
    while (inFlight.length > 0) merge(await (inFlight.shift() as Promise<MaskData<PendingColumns>>), start);
  } finally {
    // On an error, let the workers finish what they hold before the next image is given to them.
    await Promise.allSettled(inFlight);
  }
  // Skipped prompts count as done for progress.
  if (decoded < nPoints) onBatch(nPoints - decoded);
  throwIfAborted(signal);

  // Remove duplicates within this crop, best predicted IoU first.
  const keep = batchedNms(data.get('boxes'), data.get('iouPreds'), new Float64Array(data.length), o.boxNmsThresh);
  data.select(keep);
  const rles = data.get('encode').map((encode) => encode());

  return new MaskData({
    rles,
    boxes: data.get('boxes').map((b) => uncropBox(b, cropBox)),
    iouPreds: data.get('iouPreds'),
    points: data.get('points').map((p) => uncropPoint(p, cropBox)),
    stability: data.get('stability'),
    cropBoxes: rles.map((): BoxXYXY => [...cropBox]),
  });
}

/**
 * Encodes a batch's kept masks now (memoised for the crop's NMS) and lets the pruner mark the
 * prompts from `from` on that it skips.
 */
function pruneAfter(batch: MaskData<PendingColumns>, pruner: PromptPruner, from: number): MaskData<PendingColumns> {
  const rles = batch.get('encode').map((encode) => encode());
  pruner.afterBatch(batch.get('points'), rles, from);
  return batch.with(
    'encode',
    rles.map((r) => () => r),
  );
}

/**
 * Generates masks for the whole image as SAM's automatic mask generator does, given a predictor
 * that decodes point prompts on each crop. Returns SAM's records in its output order.
 */
export async function generateMasks(
  image: RgbImage,
  predictor: MaskPredictor,
  options: Partial<AmgOptions> = {},
  control: AmgRunControl = {},
): Promise<AmgMask[]> {
  checkImage(image);
  const o = resolveAmgOptions(options);
  const { width: origW, height: origH } = image;
  const grids = o.pointGrids
    ? o.pointGrids.map((g) => flattenPointGrid(g))
    : buildAllLayerPointGrids(o.pointsPerSide as number, o.cropNLayers, o.cropNPointsDownscaleFactor);
  const { boxes: cropBoxes, layers } = generateCropBoxes(origW, origH, o.cropNLayers, o.cropOverlapRatio);

  const pointsTotal = layers.reduce((sum, l) => sum + grids[l].length / 2, 0);
  let pointsDone = 0;
  const data = new MaskData(emptyRecordColumns());
  for (let c = 0; c < cropBoxes.length; c++) {
    const report = () => control.onProgress?.({ cropIndex: c, cropCount: cropBoxes.length, pointsDone, pointsTotal });
    report();
    const ctx: CropContext = { cropBox: cropBoxes[c], origW, origH, options: o };
    const cropData = await processCrop(
      image,
      grids[layers[c]],
      predictor,
      ctx,
      (k) => {
        pointsDone += k;
        report();
      },
      control.signal,
      control.workers,
    );
    data.cat(cropData);
  }

  // Remove duplicates between crops, preferring masks from smaller crops (score 1 / crop area,
  // float32 as torch's true division of int64 areas).
  if (cropBoxes.length > 1) {
    const scores = data.get('cropBoxes').map((b) => f32(1 / ((b[2] - b[0]) * (b[3] - b[1]))));
    data.select(batchedNms(data.get('boxes'), scores, new Float64Array(data.length), o.cropNmsThresh));
  }

  const final =
    o.minMaskRegionArea > 0 ? postprocessSmallRegions(data, o.minMaskRegionArea, Math.max(o.boxNmsThresh, o.cropNmsThresh)) : data;
  return toAmgMasks(final);
}
