import { describe, expect, it } from 'vitest';
import type { AmgMask } from '../types';
import { generateMasks } from './generator';
import { LabelMapPredictor } from './label-map-predictor';
import { AMG_PRESETS, resolveAmgOptions } from './options';
import { maskToRle, rleArea } from '../mask/rle';
import { markPromptsInside, nextBatch, rleContains, smallestPerPrompt } from './prune';
import { rectAndDiscScene } from './scene.testing';

/** A w x h mask (row-major) with the pixels where `inside(x, y)` holds. */
function rleOf(w: number, h: number, inside: (x: number, y: number) => boolean) {
  const m = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) m[y * w + x] = inside(x, y) ? 1 : 0;
  return maskToRle({ width: w, height: h, data: m });
}

describe('pruning rule', () => {
  it('reads pixels and areas of a column-major RLE', () => {
    const rle = rleOf(7, 5, (x, y) => x >= 2 && x < 5 && y >= 1 && y < 4);
    expect(rleArea(rle)).toBe(9);
    expect(rleContains(rle, 2, 1)).toBe(true);
    expect(rleContains(rle, 4.9, 3.9)).toBe(true);
    expect(rleContains(rle, 5, 3)).toBe(false);
    expect(rleContains(rle, 3, 0)).toBe(false);
    expect(rleContains(rle, -1, 2)).toBe(false);
    expect(rleContains(rle, 3, 9)).toBe(false);
  });

  it("takes each prompt's smallest kept mask", () => {
    const points: [number, number][] = [
      [1, 1],
      [1, 1],
      [5, 5],
      [1, 1],
      [5, 5],
    ];
    expect(smallestPerPrompt(points, [50, 20, 30, 40, 10])).toEqual([1, 4]);
    expect(smallestPerPrompt([], [])).toEqual([]);
  });

  it('marks only later, not yet skipped prompts inside a mask', () => {
    const mask = rleOf(10, 10, (x) => x < 5);
    // Prompts: (1,1) (8,1) (2,5) (9,9) (4.5,8) as x, y.
    const points = Float64Array.from([1, 1, 8, 1, 2, 5, 9, 9, 4.5, 8]);
    const pruned = new Uint8Array(5);
    expect(markPromptsInside([mask], points, 1, pruned)).toBe(2);
    expect([...pruned]).toEqual([0, 0, 1, 0, 1]);
    // Already skipped prompts are not counted again; no mask, nothing marked.
    expect(markPromptsInside([mask], points, 0, pruned)).toBe(1);
    expect(markPromptsInside([], points, 0, new Uint8Array(5))).toBe(0);
  });

  it('forms batches from the prompts that are left, in grid order', () => {
    const pruned = Uint8Array.from([0, 1, 1, 0, 0, 1, 0]);
    expect(nextBatch(pruned, 0, 2)).toEqual({ indices: [0, 3], next: 4 });
    expect(nextBatch(pruned, 4, 5)).toEqual({ indices: [4, 6], next: 7 });
    expect(nextBatch(pruned, 7, 5)).toEqual({ indices: [], next: 7 });
  });
});

describe('pruned generator', () => {
  it('is off in SAM\'s preset and on in "pruned"', () => {
    expect(resolveAmgOptions().pruneInsideKept).toBe(false);
    expect(AMG_PRESETS.pruned).toEqual({ ...AMG_PRESETS.sam, pruneInsideKept: true });
    expect(() => resolveAmgOptions({ pruneInsideKept: 'yes' as unknown as boolean })).toThrow(/pruneInsideKept must be true or false/);
  });

  it('reproduces the full generator exactly when nothing can be pruned (one batch)', async () => {
    for (const extra of [{}, { cropNLayers: 1 }, { minMaskRegionArea: 30 }]) {
      const o = { pointsPerSide: 8, pointsPerBatch: 64, ...extra };
      const full = await generateMasks(rectAndDiscScene(), new LabelMapPredictor(), o);
      const pruned = await generateMasks(rectAndDiscScene(), new LabelMapPredictor(), { ...o, pruneInsideKept: true });
      expect(full.length).toBeGreaterThan(1);
      expect(pruned).toEqual(full);
    }
  });

  it('skips prompts inside kept masks and keeps every object mask the full generator keeps', async () => {
    const o = { pointsPerSide: 16, pointsPerBatch: 16 };
    const fullPredictor = new LabelMapPredictor();
    const prunedPredictor = new LabelMapPredictor();
    const full = await generateMasks(rectAndDiscScene(), fullPredictor, o);
    const pruned = await generateMasks(rectAndDiscScene(), prunedPredictor, { ...o, pruneInsideKept: true });
    const prompts = (p: LabelMapPredictor) => p.batchSizes.reduce((a, b) => a + b, 0);
    expect(prompts(fullPredictor)).toBe(256);
    expect(prompts(prunedPredictor)).toBeLessThan(256);
    // Both label masks (rectangle and disc, IoU 0.97) survive, with the same pixels.
    const labels = (ms: AmgMask[]) =>
      ms
        .filter((m) => m.predictedIou === Math.fround(0.97))
        .map((m) => [...m.bbox, m.area])
        .sort();
    expect(labels(full).length).toBeGreaterThanOrEqual(2);
    expect(labels(pruned)).toEqual(labels(full));
  });
});
