import { describe, expect, it } from 'vitest';
import type { MaskPredictor, PredictionBatch, RgbImage } from '../types';
import { rleToMask } from '../mask/rle';
import { generateMasks, type AmgProgress } from './generator';
import { LabelMapPredictor } from './label-map-predictor';
import { AMG_PRESETS, SAM_DEFAULTS, resolveAmgOptions } from './options';
import { rectAndDiscScene } from './scene.testing';

describe('AMG options', () => {
  it("has SAM's defaults and the two named presets", () => {
    expect(resolveAmgOptions()).toEqual({ ...SAM_DEFAULTS });
    expect(SAM_DEFAULTS.cropOverlapRatio).toBe(512 / 1500);
    expect(AMG_PRESETS.sam).toBe(SAM_DEFAULTS);
    const seed = AMG_PRESETS.seed;
    expect([seed.pointsPerSide, seed.predIouThresh, seed.stabilityScoreThresh]).toEqual([51, 0.86, 0.92]);
    expect([seed.cropNLayers, seed.cropNPointsDownscaleFactor, seed.minMaskRegionArea]).toEqual([1, 2, 100]);
    expect(seed.boxNmsThresh).toBe(0.7);
  });

  it('takes explicit point grids instead of pointsPerSide', () => {
    const o = resolveAmgOptions({ pointGrids: [[[0.5, 0.5]]] });
    expect(o.pointsPerSide).toBeNull();
    expect(() => resolveAmgOptions({ pointGrids: [[[0.5, 0.5]]], pointsPerSide: 4 })).toThrow(/exactly one/);
    expect(() => resolveAmgOptions({ pointsPerSide: null })).toThrow(/exactly one/);
    expect(() => resolveAmgOptions({ pointGrids: [[[0.5, 0.5]]], cropNLayers: 1 })).toThrow(/one grid per layer/);
    expect(() => resolveAmgOptions({ pointGrids: [[[1.5, 0.5]]] })).toThrow(/pointGrids\[0\]\[0\]/);
  });

  it('rejects bad values naming the option', () => {
    expect(() => resolveAmgOptions({ pointsPerBatch: 0 })).toThrow(/pointsPerBatch must be an integer >= 1/);
    expect(() => resolveAmgOptions({ boxNmsThresh: 1.5 })).toThrow(/boxNmsThresh/);
    expect(() => resolveAmgOptions({ cropOverlapRatio: 1 })).toThrow(/cropOverlapRatio/);
    expect(() => resolveAmgOptions({ cropNLayers: 0.5 })).toThrow(/cropNLayers/);
  });
});

describe('generateMasks', () => {
  it('finds the objects of a label map and reports them in image coordinates', async () => {
    const masks = await generateMasks(rectAndDiscScene(), new LabelMapPredictor(), { pointsPerSide: 8 });
    // The rectangle (30x28 = 840 px) and the disc come back as label masks with IoU 0.97.
    const rect = masks.find((m) => m.predictedIou === Math.fround(0.97) && m.bbox[0] === 10);
    expect(rect?.bbox).toEqual([10, 12, 29, 27]);
    expect(rect?.area).toBe(840);
    expect(rect?.cropBox).toEqual([0, 0, 96, 64]);
    const disc = masks.find((m) => m.predictedIou === Math.fround(0.97) && m.bbox[0] > 50);
    expect(disc && rleToMask(disc.rle).data[30 * 96 + 70]).toBe(1);
    for (const m of masks) expect(m.stabilityScore).toBeGreaterThanOrEqual(Math.fround(0.95));
  });

  it('gives the same masks with explicit grids as with pointsPerSide', async () => {
    const n = 6;
    const side = Array.from({ length: n }, (_, i) => (2 * i + 1) / (2 * n));
    const grid = side.flatMap((y) => side.map((x) => [x, y] as [number, number]));
    const a = await generateMasks(rectAndDiscScene(), new LabelMapPredictor(), { pointsPerSide: n });
    const b = await generateMasks(rectAndDiscScene(), new LabelMapPredictor(), { pointGrids: [grid] });
    expect(b.map((m) => m.rle)).toEqual(a.map((m) => m.rle));
    expect(a.length).toBeGreaterThan(2);
  });

  it('runs crops in their own pixel coordinates and keeps batches within pointsPerBatch', async () => {
    const p = new LabelMapPredictor();
    const progress: AmgProgress[] = [];
    const masks = await generateMasks(
      rectAndDiscScene(),
      p,
      { pointsPerSide: 8, pointsPerBatch: 10, cropNLayers: 1, cropNPointsDownscaleFactor: 2 },
      { onProgress: (e) => progress.push(e) },
    );
    // overlap = int(512/1500 * 64) = 21, crops ceil((21 + 96) / 2) = 59 by ceil((21 + 64) / 2) = 43,
    // the second ones starting at 38 and 22 and clipped to the image (58 and 42).
    expect(p.imageSizes).toEqual([
      [96, 64],
      [59, 43],
      [59, 42],
      [58, 43],
      [58, 42],
    ]);
    expect(Math.max(...p.batchSizes)).toBe(10);
    expect(p.batchSizes.reduce((a, b) => a + b, 0)).toBe(64 + 4 * 16);
    expect(progress.at(-1)).toEqual({ cropIndex: 4, cropCount: 5, pointsDone: 128, pointsTotal: 128 });
    for (const m of masks) {
      const [x, y, w, h] = m.cropBox;
      expect(m.point[0]).toBeGreaterThanOrEqual(x);
      expect(m.point[0]).toBeLessThan(x + w);
      expect(m.point[1]).toBeGreaterThanOrEqual(y);
      expect(m.point[1]).toBeLessThan(y + h);
      expect(m.rle.size).toEqual([64, 96]);
    }
  });

  it('stops with a cancelled error when aborted', async () => {
    const controller = new AbortController();
    const inner = new LabelMapPredictor();
    let calls = 0;
    const predictor: MaskPredictor = {
      setImage: (img) => inner.setImage(img),
      predict: async (pts) => {
        if (++calls === 2) controller.abort();
        return inner.predict(pts);
      },
    };
    await expect(
      generateMasks(rectAndDiscScene(), predictor, { pointsPerSide: 8, pointsPerBatch: 8 }, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'cancelled' });
    expect(calls).toBe(2);
  });

  it('skips a crop layer whose grid has no points', async () => {
    // floor(1 / 2) = 0 points per side on layer 1: only the whole image is decoded.
    const p = new LabelMapPredictor();
    await generateMasks(rectAndDiscScene(), p, { pointsPerSide: 1, cropNLayers: 1, cropNPointsDownscaleFactor: 2 });
    expect(p.imageSizes).toEqual([[96, 64]]);
    expect(p.batchSizes).toEqual([1]);
  });

  it('names what is wrong with bad images and predictor outputs', async () => {
    const bad: RgbImage = { width: 4, height: 4, data: new Uint8Array(10) };
    await expect(generateMasks(bad, new LabelMapPredictor())).rejects.toThrow(/48 bytes of interleaved RGB/);
    const wrongSize: MaskPredictor = {
      setImage: async () => {},
      predict: async (pts): Promise<PredictionBatch> => {
        const n = pts.length / 2;
        return { n, m: 3, width: 10, height: 10, logits: new Float32Array(n * 300), iou: new Float32Array(n * 3) };
      },
    };
    await expect(generateMasks(rectAndDiscScene(), wrongSize, { pointsPerSide: 2 })).rejects.toMatchObject({
      code: 'model-invalid',
      message: expect.stringMatching(/10x10 masks for a 96x64 crop/),
    });
  });
});
