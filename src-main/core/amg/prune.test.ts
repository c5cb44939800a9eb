import { describe, expect, it } from 'vitest';
import type { AmgMask } from '../types';
import { generateMasks } from './generator';
import { LabelMapPredictor } from './label-map-predictor';
import { AMG_PRESETS, resolveAmgOptions } from './options';
import { maskToRle, rleArea } from '../mask/rle';
import { gridSpacing, nextBatch, PromptPruner, rleContains, smallestPerPrompt } from './prune';
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

  // A 40 x 40 image; prompts on a 4-pixel grid (x, y = 2, 6, ..., 38), 100 of them, row by row.
  const W = 40;
  const grid = Float64Array.from({ length: 200 }, (_, i) => 2 + 4 * (i % 2 === 0 ? Math.floor(i / 2) % 10 : Math.floor(i / 20)));
  const at = (x: number, y: number) => ((y - 2) / 4) * 10 + (x - 2) / 4;
  const left = rleOf(W, W, (x) => x < 20);
  // The same region seen by another click, a column narrower: IoU 19/20 = 0.95.
  const leftNarrow = rleOf(W, W, (x) => x < 19);
  const marked = (p: PromptPruner) => [...p.pruned].flatMap((v, j) => (v ? [j] : []));

  it('prunes only inside a mask that two prompts found, from the given prompt on', () => {
    const p = new PromptPruner(grid, { minPrompts: 2, sameMaskIou: 0.9, marginPx: 0 });
    expect(p.afterBatch([[2, 2]], [left], 1)).toBe(0);
    expect(p.pruned.every((v) => v === 0)).toBe(true);
    // A second prompt finds the same region: every later prompt with x < 20 goes (x = 2..18).
    expect(p.afterBatch([[6, 2]], [leftNarrow], 2)).toBe(5 * 10 - 2);
    expect(p.pruned[at(2, 2)]).toBe(0);
    expect(p.pruned[at(6, 2)]).toBe(0);
    expect(p.pruned[at(18, 2)]).toBe(1);
    expect(p.pruned[at(18, 38)]).toBe(1);
    expect(p.pruned[at(22, 2)]).toBe(0);
    // The region is marked once; a third finder adds nothing.
    expect(p.afterBatch([[10, 2]], [left], 3)).toBe(0);
  });

  it('does not count masks that are not the same (IoU below the threshold) or one prompt twice', () => {
    const p = new PromptPruner(grid, { minPrompts: 2, sameMaskIou: 0.9, marginPx: 0 });
    const half = rleOf(W, W, (x) => x < 16); // IoU 16/20 = 0.8 with `left`
    p.afterBatch([[2, 2]], [left], 1);
    expect(p.afterBatch([[6, 2]], [half], 2)).toBe(0);
    // The same prompt again (same point) is still one finder.
    expect(p.afterBatch([[2, 2]], [leftNarrow], 2)).toBe(0);
    expect(marked(p)).toEqual([]);
  });

  it("counts a prompt's larger kept mask as finding the region too", () => {
    const p = new PromptPruner(grid, { minPrompts: 2, sameMaskIou: 0.9, marginPx: 0 });
    const corner = rleOf(W, W, (x, y) => x < 8 && y < 8);
    p.afterBatch([[2, 2]], [left], 1);
    // This prompt's smallest mask is the corner (a region of its own); its larger one is `left`.
    expect(
      p.afterBatch(
        [
          [6, 2],
          [6, 2],
        ],
        [leftNarrow, corner],
        2,
      ),
    ).toBe(48);
  });

  it('keeps prompts within the margin of the boundary', () => {
    const p = new PromptPruner(grid, { minPrompts: 2, sameMaskIou: 0.9, marginPx: 3 });
    p.afterBatch([[2, 2]], [left], 1);
    p.afterBatch([[6, 2]], [left], 2);
    // x = 18 is 2 px from the edge at 20 and x = 2 is 2 px from the image's edge: both stay; rows
    // y = 2 and y = 38 likewise. Left: x = 6, 10, 14 on rows y = 6..34.
    expect(marked(p)).toEqual([6, 10, 14].flatMap((x) => [6, 10, 14, 18, 22, 26, 30, 34].map((y) => at(x, y))).sort((a, b) => a - b));
  });

  it("with one finder and no margin, prunes inside the first prompt's smallest mask", () => {
    const p = new PromptPruner(grid, { minPrompts: 1, sameMaskIou: 0.9, marginPx: 0 });
    expect(p.afterBatch([[2, 2]], [left], 1)).toBe(5 * 10 - 1);
  });

  it('measures the grid spacing on the short side', () => {
    expect(gridSpacing(320, 200, 1024)).toBe(200 / 32);
    expect(gridSpacing(10, 10, 0)).toBe(10);
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
    expect(() => resolveAmgOptions({ pruneMinPrompts: 0 })).toThrow(/pruneMinPrompts must be an integer >= 1/);
    expect(() => resolveAmgOptions({ pruneSameMaskIou: 0 })).toThrow(/pruneSameMaskIou must be in \(0, 1\]/);
    expect(() => resolveAmgOptions({ pruneSameMaskIou: 1.1 })).toThrow(/pruneSameMaskIou/);
    expect(() => resolveAmgOptions({ pruneMargin: -1 })).toThrow(/pruneMargin must be a number/);
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
