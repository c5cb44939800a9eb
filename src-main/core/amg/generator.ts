// SAM's automatic mask generator (SamAutomaticMaskGenerator.generate in segment_anything/
// automatic_mask_generator.py) over a MaskPredictor: a grid of point prompts on the image and on
// each crop, per-batch filtering (predicted IoU, stability, crop edges), NMS within each crop, RLE
// encoding of the crop's survivors (SAM encodes every batch's masks; the output is the same), NMS between crops, optional small-region clean-up.

import { SamanticError } from '../errors';
import type { AmgMask, BoxXYXY, MaskPredictor, PredictionBatch, RgbImage, Rle } from '../types';
import {
  buildAllLayerPointGrids,
  cropImage,
  flattenPointGrid,
  generateCropBoxes,
  isBoxNearCropEdge,
  scalePoints,
  uncropBox,
  uncropPoint,
} from './grids';
import { DenseLogits, type MaskLogits } from './logits';
import { MaskData } from './maskData';
import { batchedNms } from './nms';
import { resolveAmgOptions, type AmgOptions } from './options';
import { hasLowRes, LowResLogits, tileLayout, type LowResPredictionBatch, type TileLayout } from './sparse';
import { upsampleGeometry } from './upsample';
import {
  emptyRecordColumns,
  emptyRleColumns,
  postprocessSmallRegions,
  toAmgMasks,
  type RecordColumns,
  type RleColumns,
} from './records';

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
function denseMasks(pred: PredictionBatch, nPoints: number, w: number, h: number): MaskLogits[] {
  checkCounts(pred.n, pred.m, pred.iou.length, nPoints);
  if (pred.width !== w || pred.height !== h) throw predictorError(`returned ${pred.width}x${pred.height} masks for a ${w}x${h} crop`);
  const size = w * h;
  if (pred.logits.length !== pred.n * pred.m * size) {
    throw predictorError(`returned ${pred.logits.length} logits where n*m*w*h = ${pred.n * pred.m * size}`);
  }
  return Array.from({ length: pred.n * pred.m }, (_, i) => new DenseLogits(pred.logits.subarray(i * size, (i + 1) * size), w, h));
}

/** Low-res predictions as sparse MaskLogits over the crop's tile layout. */
function lowResMasks(pred: LowResPredictionBatch, nPoints: number, layout: TileLayout): MaskLogits[] {
  checkCounts(pred.n, pred.m, pred.iou.length, nPoints);
  const g = layout.geometry;
  if (pred.lowSize !== g.lowSize || pred.frameSize !== g.frameSize) {
    throw predictorError(`changed its low-res size or frame between calls (${pred.lowSize}/${pred.frameSize})`);
  }
  const size = g.lowSize * g.lowSize;
  if (pred.lowRes.length !== pred.n * pred.m * size) {
    throw predictorError(`returned ${pred.lowRes.length} low-res logits where n*m*${g.lowSize}^2 = ${pred.n * pred.m * size}`);
  }
  return Array.from({ length: pred.n * pred.m }, (_, i) => new LowResLogits(pred.lowRes.subarray(i * size, (i + 1) * size), layout));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SamanticError('cancelled', 'Mask generation was cancelled; start it again to get the masks.');
  }
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

function emptyPendingColumns(): PendingColumns {
  const { rles: _, ...rest } = emptyRleColumns();
  return { ...rest, encode: [] };
}

/**
 * _process_batch: keep masks with predicted IoU > predIouThresh and stability >= stabilityScoreThresh,
 * box them, drop those cut by the crop edge. SAM encodes the rest as RLE here; they are encoded only
 * once the crop's NMS has picked its survivors (processCrop), since NMS reads boxes and scores alone.
 */
export function processBatch(pred: BatchPrediction, points: Float64Array, ctx: CropContext): MaskData<PendingColumns> {
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

  const withStability = data.with(
    'stability',
    data.get('logits').map((l) => l.stability(o.maskThreshold, o.stabilityScoreOffset)),
  );
  if (o.stabilityScoreThresh > 0) {
    const t = f32(o.stabilityScoreThresh);
    withStability.filter(withStability.get('stability').map((s) => s >= t));
  }

  const withBoxes = withStability.with(
    'boxes',
    withStability.get('logits').map((l) => l.box(o.maskThreshold)),
  );
  const origBox: BoxXYXY = [0, 0, origW, origH];
  const edge = withBoxes.get('boxes').map((b) => !isBoxNearCropEdge(b, cropBox, origBox, o.cropEdgeTolerance));
  withBoxes.filter(edge);

  const boxes = withBoxes.get('boxes');
  const encode = withBoxes
    .get('logits')
    .map((l, i) => l.deferRleInFrame(o.maskThreshold, boxes[i], cropBox[0], cropBox[1], origW, origH));
  return withBoxes.without('logits').with('encode', encode);
}

async function processCrop(
  image: RgbImage,
  grid: Float64Array,
  predictor: MaskPredictor,
  ctx: CropContext,
  onBatch: (pointsInBatch: number) => void,
  signal: AbortSignal | undefined,
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
  let layout: TileLayout | null = null;

  const data = new MaskData(emptyPendingColumns());
  for (let start = 0; start < nPoints; start += o.pointsPerBatch) {
    throwIfAborted(signal);
    const batch = points.subarray(2 * start, 2 * Math.min(nPoints, start + o.pointsPerBatch));
    const k = batch.length / 2;
    let pred: BatchPrediction;
    if (lowRes) {
      const low = await lowRes.predictLowRes(batch);
      layout ??= tileLayout(upsampleGeometry(low.lowSize, low.frameSize, crop.width, crop.height));
      pred = { m: low.m, masks: lowResMasks(low, k, layout), iou: low.iou };
    } else {
      const full = await predictor.predict(batch);
      pred = { m: full.m, masks: denseMasks(full, k, crop.width, crop.height), iou: full.iou };
    }
    throwIfAborted(signal);
    data.cat(processBatch(pred, batch, ctx));
    onBatch(k);
  }

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
    const report = () =>
      control.onProgress?.({ cropIndex: c, cropCount: cropBoxes.length, pointsDone, pointsTotal });
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
    o.minMaskRegionArea > 0
      ? postprocessSmallRegions(data, o.minMaskRegionArea, Math.max(o.boxNmsThresh, o.cropNmsThresh))
      : data;
  return toAmgMasks(final);
}
