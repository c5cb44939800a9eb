// Options of the automatic mask generator, named after SamAutomaticMaskGenerator.__init__
// (facebookresearch/segment-anything, segment_anything/automatic_mask_generator.py), with its
// defaults. Mapping to SAM's argument names:
//
//   pointsPerSide               points_per_side                 32
//   pointsPerBatch              points_per_batch                64
//   predIouThresh               pred_iou_thresh                 0.88
//   stabilityScoreThresh        stability_score_thresh          0.95
//   stabilityScoreOffset        stability_score_offset          1.0
//   maskThreshold               model.mask_threshold            0.0  (Sam.mask_threshold)
//   boxNmsThresh                box_nms_thresh                  0.7
//   cropNLayers                 crop_n_layers                   0
//   cropNmsThresh               crop_nms_thresh                 0.7
//   cropOverlapRatio            crop_overlap_ratio              512 / 1500
//   cropNPointsDownscaleFactor  crop_n_points_downscale_factor  1
//   pointGrids                  point_grids                     null
//   minMaskRegionArea           min_mask_region_area            0
//   cropEdgeTolerance           is_box_near_crop_edge(atol=)    20   (not a SAM argument)
//   useLowResLogits             -                               true (ours: sparse/)
//   sparseKernel                -                               true (ours: sparse/kernel-host.ts)
//   pruneInsideKept             -                               false (ours: prune.ts)
//   pruneMinPrompts             -                               2     (ours: prune.ts)
//   pruneSameMaskIou            -                               0.9   (ours: prune.ts)
//   pruneMargin                 -                               0.5   (ours: prune.ts)
//
// SAM's output_mode is not needed: masks always leave as uncompressed RLE.

import { SamanticError } from '../errors';

export interface AmgOptions {
  /** Points sampled along each side of the image (points_per_side); null when pointGrids is given. */
  pointsPerSide: number | null;
  /** Points decoded per predictor call; bounds memory to pointsPerBatch * m logit maps. */
  pointsPerBatch: number;
  /** Keep masks whose predicted IoU is strictly above this (0 disables the filter). */
  predIouThresh: number;
  /** Keep masks whose stability score is at least this (0 disables the filter). */
  stabilityScoreThresh: number;
  /** Shift of the logit cutoff used to compute the stability score. */
  stabilityScoreOffset: number;
  /** Logit cutoff that binarises a mask: mask = logit > maskThreshold. */
  maskThreshold: number;
  /** Box IoU above which a lower-scored mask of the same crop is dropped. */
  boxNmsThresh: number;
  /** Crop layers after the full image; layer i has (2^i)^2 crops. */
  cropNLayers: number;
  /** Box IoU above which duplicates between crops are dropped (smaller crops win). */
  cropNmsThresh: number;
  /** Crops of the first layer overlap by this fraction of the image's short side. */
  cropOverlapRatio: number;
  /** Layer i samples floor(pointsPerSide / factor^i) points per side. */
  cropNPointsDownscaleFactor: number;
  /**
   * Explicit point grids normalised to [0, 1] as (x, y); grid i is used for crop layer i. Exclusive
   * with pointsPerSide.
   */
  pointGrids: ReadonlyArray<ReadonlyArray<readonly [number, number]>> | null;
  /** If > 0, fill holes and remove islands smaller than this many pixels, then NMS again. */
  minMaskRegionArea: number;
  /** Pixels within which a box counts as touching a crop edge (SAM's atol=20.0). */
  cropEdgeTolerance: number;
  /**
   * When the predictor offers predictLowRes, work from the 256x256 logits with the sparse path
   * (same answers as upsampling them, far less work); otherwise ask for full-resolution maps.
   */
  useLowResLogits: boolean;
  /**
   * Classify the low-res maps in the WASM kernel where the runtime has one; false takes the JS path
   * (same answers; for comparing the two).
   */
  sparseKernel: boolean;
  /**
   * Skip grid prompts that fall well inside a kept mask that earlier prompts of the same crop
   * already found (prune.ts; pruneMinPrompts, pruneSameMaskIou, pruneMargin): fewer decoder runs,
   * not SAM's exact output. Batches are then decoded one
   * after another (the next batch's prompts depend on this one's masks).
   */
  pruneInsideKept: boolean;
  /**
   * With pruneInsideKept: a kept mask prunes only once this many different prompts found it (one
   * prompt's mask says nothing about the clicks around it; 1 prunes after a single finder).
   */
  pruneMinPrompts: number;
  /** With pruneInsideKept: two prompts found the same mask when their kept masks have mask IoU >= this. */
  pruneSameMaskIou: number;
  /**
   * With pruneInsideKept: a prompt is skipped only if the points this many grid spacings around it
   * (8 directions) are inside the mask too; clicks near a boundary are ambiguous. 0: the point alone.
   */
  pruneMargin: number;
}

/** SAM's defaults (automatic_mask_generator.py), chosen there for SAM ViT-H. */
export const SAM_DEFAULTS: Readonly<AmgOptions> = Object.freeze({
  pointsPerSide: 32,
  pointsPerBatch: 64,
  predIouThresh: 0.88,
  stabilityScoreThresh: 0.95,
  stabilityScoreOffset: 1.0,
  maskThreshold: 0.0,
  boxNmsThresh: 0.7,
  cropNLayers: 0,
  cropNmsThresh: 0.7,
  cropOverlapRatio: 512 / 1500,
  cropNPointsDownscaleFactor: 1,
  pointGrids: null,
  minMaskRegionArea: 0,
  cropEdgeTolerance: 20,
  useLowResLogits: true,
  sparseKernel: true,
  pruneInsideKept: false,
  pruneMinPrompts: 2,
  pruneSameMaskIou: 0.9,
  pruneMargin: 0.5,
});

/**
 * Named presets. `sam` is SAM's defaults. `seed` is a denser, crop-layered setting that finds more
 * and smaller segments (the values of the project brief: 51 points per side, laxer IoU and stability
 * filters, one crop layer with half the points, and clean-up of regions under 100 pixels).
 */
export const AMG_PRESETS = Object.freeze({
  sam: SAM_DEFAULTS,
  seed: Object.freeze({
    ...SAM_DEFAULTS,
    pointsPerSide: 51,
    predIouThresh: 0.86,
    stabilityScoreThresh: 0.92,
    cropNLayers: 1,
    cropNPointsDownscaleFactor: 2,
    minMaskRegionArea: 100,
  }) as Readonly<AmgOptions>,
  /** SAM's generator with grid prompts well inside masks several prompts already found skipped (prune.ts). */
  pruned: Object.freeze({ ...SAM_DEFAULTS, pruneInsideKept: true }) as Readonly<AmgOptions>,
});

export type AmgPresetName = keyof typeof AMG_PRESETS;

function fail(message: string): never {
  throw new SamanticError('invalid-argument', `AMG option ${message}`);
}

function checkInt(name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${name} must be an integer >= ${min}, got ${String(v)}.`);
}

function checkNumber(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    fail(`${name} must be a number in [${min}, ${max}], got ${String(v)}.`);
  }
}

/**
 * Merges `partial` over SAM's defaults and validates the result. pointGrids replaces
 * pointsPerSide: giving grids without pointsPerSide means pointsPerSide = null.
 */
export function resolveAmgOptions(partial: Partial<AmgOptions> = {}): AmgOptions {
  const o: AmgOptions = { ...SAM_DEFAULTS, ...partial };
  if (partial.pointGrids != null && partial.pointsPerSide === undefined) o.pointsPerSide = null;
  if ((o.pointsPerSide === null) === (o.pointGrids === null)) {
    fail('pointsPerSide / pointGrids: give exactly one of them (the other null); SAM requires the same.');
  }
  if (o.pointsPerSide !== null) checkInt('pointsPerSide', o.pointsPerSide, 1);
  checkInt('pointsPerBatch', o.pointsPerBatch, 1);
  checkNumber('predIouThresh', o.predIouThresh, -Infinity, Infinity);
  checkNumber('stabilityScoreThresh', o.stabilityScoreThresh, -Infinity, Infinity);
  checkNumber('stabilityScoreOffset', o.stabilityScoreOffset, 0, Infinity);
  checkNumber('maskThreshold', o.maskThreshold, -Infinity, Infinity);
  checkNumber('boxNmsThresh', o.boxNmsThresh, 0, 1);
  checkInt('cropNLayers', o.cropNLayers, 0);
  checkNumber('cropNmsThresh', o.cropNmsThresh, 0, 1);
  if (!(o.cropOverlapRatio >= 0 && o.cropOverlapRatio < 1)) {
    fail(`cropOverlapRatio must be in [0, 1), got ${String(o.cropOverlapRatio)}.`);
  }
  checkInt('cropNPointsDownscaleFactor', o.cropNPointsDownscaleFactor, 1);
  checkNumber('minMaskRegionArea', o.minMaskRegionArea, 0, Infinity);
  checkNumber('cropEdgeTolerance', o.cropEdgeTolerance, 0, Infinity);
  if (typeof o.useLowResLogits !== 'boolean') fail(`useLowResLogits must be true or false, got ${String(o.useLowResLogits)}.`);
  if (typeof o.sparseKernel !== 'boolean') fail(`sparseKernel must be true or false, got ${String(o.sparseKernel)}.`);
  if (typeof o.pruneInsideKept !== 'boolean') fail(`pruneInsideKept must be true or false, got ${String(o.pruneInsideKept)}.`);
  checkInt('pruneMinPrompts', o.pruneMinPrompts, 1);
  // Above 0: IoU 0 would make every mask "the same" as every other.
  if (!(typeof o.pruneSameMaskIou === 'number' && o.pruneSameMaskIou > 0 && o.pruneSameMaskIou <= 1)) {
    fail(`pruneSameMaskIou must be in (0, 1], got ${String(o.pruneSameMaskIou)}.`);
  }
  checkNumber('pruneMargin', o.pruneMargin, 0, Infinity);
  const grids = o.pointGrids;
  if (grids !== null) {
    const isList = Array.isArray(grids as unknown);
    if (!isList || grids.length < o.cropNLayers + 1) {
      fail(
        `pointGrids must hold one grid per layer (cropNLayers + 1 = ${o.cropNLayers + 1}), ` +
          `got ${isList ? grids.length : typeof grids}.`,
      );
    }
    grids.forEach((grid, i) => {
      grid.forEach((p, j) => {
        const ok = Array.isArray(p as unknown) && p.length === 2 && p.every((c) => Number.isFinite(c) && c >= 0 && c <= 1);
        if (!ok) fail(`pointGrids[${i}][${j}] must be an (x, y) pair normalised to [0, 1], got ${JSON.stringify(p)}.`);
      });
    });
  }
  return o;
}
