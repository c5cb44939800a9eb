// The key check of faithfulness: segment-anything's own SamAutomaticMaskGenerator was run with a
// fake predictor on two label maps (../shared/amg/reference-runs.json); our generator, driven by the
// same fake (label-map-predictor.ts) with the same parameters, must return the same set of masks.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { AmgMask, RgbImage, Rle } from '../types';
import { rleIou } from '../mask/rle';
import { generateMasks } from './generator';
import { LabelMapPredictor } from './label-map-predictor';
import type { AmgOptions } from './options';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const amgDir = path.resolve(repoRoot, '../shared/amg');

interface RefMask {
  rle_counts: number[];
  size: [number, number];
  bbox: number[];
  area: number;
  predicted_iou: number;
  stability_score: number;
  point_coords: number[][];
  crop_box: number[];
}

interface RefRun {
  name: string;
  image: string;
  params: Record<string, number>;
  masks: RefMask[];
}

const runs = (JSON.parse(readFileSync(path.join(amgDir, 'reference-runs.json'), 'utf8')) as { runs: RefRun[] }).runs;

async function loadLabelMap(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(path.join(amgDir, file)).raw().toBuffer({ resolveWithObject: true });
  const rgb = new Uint8Array(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) rgb.fill(data[i * info.channels], 3 * i, 3 * i + 3);
  return { width: info.width, height: info.height, data: rgb };
}

function toOptions(p: Record<string, number>): Partial<AmgOptions> {
  return {
    pointsPerSide: p.points_per_side,
    pointsPerBatch: p.points_per_batch,
    predIouThresh: p.pred_iou_thresh,
    stabilityScoreThresh: p.stability_score_thresh,
    stabilityScoreOffset: p.stability_score_offset,
    boxNmsThresh: p.box_nms_thresh,
    cropNLayers: p.crop_n_layers,
    cropNmsThresh: p.crop_nms_thresh,
    cropOverlapRatio: p.crop_overlap_ratio,
    cropNPointsDownscaleFactor: p.crop_n_points_downscale_factor,
    minMaskRegionArea: p.min_mask_region_area,
  };
}

/** Pairs every reference mask with an unused output mask of IoU >= 0.99 that has the same point. */
function matchMasks(ours: AmgMask[], ref: RefMask[]): { pairs: [AmgMask, RefMask][]; unmatched: RefMask[] } {
  const used = new Set<number>();
  const pairs: [AmgMask, RefMask][] = [];
  const unmatched: RefMask[] = [];
  for (const r of ref) {
    const rle: Rle = { size: r.size, counts: r.rle_counts };
    let best = -1;
    let bestScore = -1;
    ours.forEach((o, i) => {
      if (used.has(i)) return;
      const iou = rleIou(o.rle, rle);
      const samePoint = o.point[0] === r.point_coords[0][0] && o.point[1] === r.point_coords[0][1];
      const score = iou + (samePoint ? 1 : 0);
      if (iou >= 0.99 && score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    if (best < 0) unmatched.push(r);
    else {
      used.add(best);
      pairs.push([ours[best], r]);
    }
  }
  return { pairs, unmatched };
}

describe('AMG against segment-anything reference runs', () => {
  it('has both runs and the label maps', () => {
    expect(runs.map((r) => r.name)).toEqual(['single-crop', 'crops-and-small-regions']);
  });

  for (const run of runs) {
    it(`reproduces '${run.name}' (${run.masks.length} masks)`, async () => {
      const image = await loadLabelMap(run.image);
      const predictor = new LabelMapPredictor();
      const ours = await generateMasks(image, predictor, toOptions(run.params));

      const { pairs, unmatched } = matchMasks(ours, run.masks);
      expect(unmatched.map((r) => [r.bbox, r.point_coords[0]])).toEqual([]);
      expect(ours.length).toBe(run.masks.length);
      for (const [o, r] of pairs) {
        const label = `mask at ${JSON.stringify(r.point_coords[0])}`;
        expect(o.rle.size, label).toEqual(r.size);
        expect(o.rle.counts, label).toEqual(r.rle_counts);
        expect(o.bbox, label).toEqual(r.bbox);
        expect(o.area, label).toBe(r.area);
        expect(Math.abs(o.predictedIou - r.predicted_iou), label).toBeLessThan(1e-5);
        expect(Math.abs(o.stabilityScore - r.stability_score), label).toBeLessThan(1e-5);
        expect(o.point, label).toEqual(r.point_coords[0]);
        expect(o.cropBox, label).toEqual(r.crop_box);
      }
      // Every crop was visited with the crop's own size, in batches of points_per_batch at most.
      expect(Math.max(...predictor.batchSizes)).toBeLessThanOrEqual(run.params.points_per_batch);
      expect(predictor.imageSizes[0]).toEqual([image.width, image.height]);
    });

    it(`reproduces '${run.name}' with the pruned generator when nothing is pruned (one batch per crop)`, async () => {
      const image = await loadLabelMap(run.image);
      const predictor = new LabelMapPredictor();
      const ours = await generateMasks(image, predictor, { ...toOptions(run.params), pointsPerBatch: 100_000, pruneInsideKept: true });
      const { unmatched } = matchMasks(ours, run.masks);
      expect(unmatched.map((r) => [r.bbox, r.point_coords[0]])).toEqual([]);
      expect(ours.length).toBe(run.masks.length);
    });
  }
});
