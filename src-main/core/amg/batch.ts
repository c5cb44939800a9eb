// One batch of point prompts in SAM's automatic mask generator (_process_batch in segment_anything/
// automatic_mask_generator.py): checking the predictor's output, the per-batch filters, and the
// deferred RLE of what passes. Used by the generator in process and by the AMG worker thread.

import { SamanticError } from '../errors';
import type { BoxXYXY, PredictionBatch, Rle } from '../types';
import { isBoxNearCropEdge } from './grids';
import { DenseLogits, type MaskLogits } from './logits';
import { MaskData } from './mask-data';
import type { AmgOptions } from './options';
import { emptyRleColumns, type RleColumns } from './records';
import { LowResLogits, type LowResPredictionBatch, type SparseKernel, type TileLayout } from './sparse';
import type { UpsampleGeometry } from './upsample';

const f32 = Math.fround;

function predictorError(problem: string): SamanticError {
  return new SamanticError(
    'model-invalid',
    `The mask predictor ${problem}; the decoder's outputs do not match what the AMG asked for (check the model descriptor).`,
  );
}

function checkCounts(n: number, m: number, iouLength: number, nPoints: number): void {
  if (n !== nPoints) throw predictorError(`returned ${n} prompts for ${nPoints} points`);
  if (!Number.isInteger(m) || m < 1) throw predictorError(`returned ${m} masks per point`);
  if (iouLength !== n * m) throw predictorError(`returned ${iouLength} IoU scores for ${n * m} masks`);
}

/** Full-resolution predictions as MaskLogits views (no copies). */
export function denseMasks(pred: PredictionBatch, nPoints: number, w: number, h: number): MaskLogits[] {
  checkCounts(pred.n, pred.m, pred.iou.length, nPoints);
  if (pred.width !== w || pred.height !== h) throw predictorError(`returned ${pred.width}x${pred.height} masks for a ${w}x${h} crop`);
  const size = w * h;
  if (pred.logits.length !== pred.n * pred.m * size) {
    throw predictorError(`returned ${pred.logits.length} logits where n*m*w*h = ${pred.n * pred.m * size}`);
  }
  return Array.from({ length: pred.n * pred.m }, (_, i) => new DenseLogits(pred.logits.subarray(i * size, (i + 1) * size), w, h));
}

/** Throws if a low-res prediction does not fit the crop's layout or its prompts. */
export function checkLowRes(pred: LowResPredictionBatch, nPoints: number, g: UpsampleGeometry): void {
  checkCounts(pred.n, pred.m, pred.iou.length, nPoints);
  if (pred.lowSize !== g.lowSize || pred.frameSize !== g.frameSize) {
    throw predictorError(`changed its low-res size or frame between calls (${pred.lowSize}/${pred.frameSize})`);
  }
  const size = g.lowSize * g.lowSize;
  if (pred.lowRes.length !== pred.n * pred.m * size) {
    throw predictorError(`returned ${pred.lowRes.length} low-res logits where n*m*${g.lowSize}^2 = ${pred.n * pred.m * size}`);
  }
}

/** Low-res predictions as sparse MaskLogits over the crop's tile layout (views, no copies). */
export function lowResMasks(pred: LowResPredictionBatch, nPoints: number, layout: TileLayout, kernel: SparseKernel | null): MaskLogits[] {
  checkLowRes(pred, nPoints, layout.geometry);
  const size = layout.geometry.lowSize ** 2;
  return Array.from(
    { length: pred.n * pred.m },
    (_, i) => new LowResLogits(pred.lowRes.subarray(i * size, (i + 1) * size), layout, kernel),
  );
}

/** The crop a batch belongs to and the image around it. */
export interface CropContext {
  cropBox: BoxXYXY;
  origW: number;
  origH: number;
  options: AmgOptions;
}

/** One predictor call's output in a storage-neutral form. */
export interface BatchPrediction {
  /** Masks per point. */
  m: number;
  /** n*m maps, point-major (the m masks of point 0 first). */
  masks: MaskLogits[];
  iou: ArrayLike<number>;
}

/** A batch's masks before RLE: `encode` gives each one's RLE in image coordinates. */
export type PendingColumns = Omit<RleColumns, 'rles'> & { encode: (() => Rle)[] };

export function emptyPendingColumns(): PendingColumns {
  const { rles: _, ...rest } = emptyRleColumns();
  return { ...rest, encode: [] };
}

/**
 * Threads that run selectBatch for low-res predictions (worker-pool.ts), so that the next batch is
 * decoded meanwhile and, where cores allow, several batches are post-processed at once.
 */
export interface BatchWorkers {
  /** False once they cannot take batches; the generator then works in process. */
  readonly alive: boolean;
  /** Batches in flight before the generator waits for the oldest (each holds its maps). */
  readonly capacity: number;
  /**
   * processBatch of `low` on a crop of `layout`, in a worker. `low`'s buffers may be transferred:
   * the caller must not read them afterwards.
   */
  process(low: LowResPredictionBatch, points: Float64Array, ctx: CropContext, layout: TileLayout): Promise<MaskData<PendingColumns>>;
}

/** A batch's masks that pass SAM's per-batch filters, with their logits, before any RLE. */
export type SelectedColumns = {
  logits: MaskLogits[];
  iouPreds: number[];
  points: [number, number][];
  stability: number[];
  boxes: BoxXYXY[];
};

/**
 * _process_batch up to its RLE: keep masks with predicted IoU > predIouThresh and stability >=
 * stabilityScoreThresh, box them, drop those cut by the crop edge. The costly part of a batch, and
 * what an AMG worker thread runs (worker.ts).
 */
export function selectBatch(pred: BatchPrediction, points: Float64Array, ctx: CropContext): MaskData<SelectedColumns> {
  const { options: o, cropBox, origW, origH } = ctx;
  const { m, masks } = pred;
  const pts: [number, number][] = masks.map((_, i) => {
    const p = Math.floor(i / m);
    return [points[2 * p], points[2 * p + 1]];
  });
  const data = new MaskData({ logits: masks, iouPreds: Array.from(pred.iou), points: pts });

  if (o.predIouThresh > 0) {
    const t = f32(o.predIouThresh);
    data.filter(data.get('iouPreds').map((v) => v > t));
  }

  // Mask by mask: its stability, then, if it passes, its box and the crop-edge test. SAM filters
  // the whole batch at each step; the kept set is the same, and a map's box is read while the sparse
  // kernel still holds the cut its stability made (sparse.ts LowResLogits).
  const logits = data.get('logits');
  const stability = new Array<number>(logits.length);
  const boxes = new Array<BoxXYXY>(logits.length);
  const keep = new Uint8Array(logits.length);
  const stabilityThresh = f32(o.stabilityScoreThresh);
  const origBox: BoxXYXY = [0, 0, origW, origH];
  for (let i = 0; i < logits.length; i++) {
    const s = logits[i].stability(o.maskThreshold, o.stabilityScoreOffset);
    stability[i] = s;
    boxes[i] = NO_BOX;
    if (o.stabilityScoreThresh > 0 && !(s >= stabilityThresh)) continue;
    const box = logits[i].box(o.maskThreshold);
    boxes[i] = box;
    keep[i] = isBoxNearCropEdge(box, cropBox, origBox, o.cropEdgeTolerance) ? 0 : 1;
  }
  return data.with('stability', stability).with('boxes', boxes).filter(keep);
}

/** The box of a mask dropped before its box was asked for. */
const NO_BOX: BoxXYXY = [0, 0, 0, 0];

/**
 * _process_batch. SAM encodes the kept masks as RLE here; they are encoded only once the crop's NMS
 * has picked its survivors (generator.ts), since NMS reads boxes and scores alone.
 */
export function processBatch(pred: BatchPrediction, points: Float64Array, ctx: CropContext): MaskData<PendingColumns> {
  const { options: o, cropBox, origW, origH } = ctx;
  const selected = selectBatch(pred, points, ctx);
  const boxes = selected.get('boxes');
  const encode = selected.get('logits').map((l, i) => l.deferRleInFrame(o.maskThreshold, boxes[i], cropBox[0], cropBox[1], origW, origH));
  return selected.without('logits').with('encode', encode);
}
