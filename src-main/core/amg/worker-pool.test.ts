import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import { generateMasks } from './generator';
import { labelScene, LowResLabelPredictor } from './sparse/maps.testing';
import { AmgWorkerPool, defaultAmgWorkers, defaultAmgWorkersFor } from './worker-pool';

// Crops and small batches: many batches in flight at once, over several crop layouts.
const OPTIONS = { pointsPerSide: 10, pointsPerBatch: 8, cropNLayers: 1, minMaskRegionArea: 30, stabilityScoreThresh: 0.8 };

describe('AMG worker pool', () => {
  let pool: AmgWorkerPool;
  beforeAll(async () => {
    pool = await AmgWorkerPool.start(2);
  }, 60_000);
  afterAll(async () => {
    await pool.stop();
  });

  it('gives exactly the in-process masks, batches merged in order', async () => {
    const inProcess = await generateMasks(labelScene(), new LowResLabelPredictor(), OPTIONS);
    const before = pool.batches;
    const pooled = await generateMasks(labelScene(), new LowResLabelPredictor(), OPTIONS, { workers: pool });
    expect(inProcess.length).toBeGreaterThan(3);
    expect(pool.batches - before).toBeGreaterThan(4);
    expect(pooled).toEqual(inProcess);
  });

  it('prunes the same prompts as in process (pruneInsideKept), batch by batch', async () => {
    const o = { ...OPTIONS, pruneInsideKept: true };
    const count = (p: LowResLabelPredictor) => {
      let n = 0;
      return {
        setImage: (img: Parameters<LowResLabelPredictor['setImage']>[0]) => p.setImage(img),
        predict: (pts: Float64Array) => p.predict(pts),
        predictLowRes: (pts: Float64Array) => {
          n += pts.length / 2;
          return p.predictLowRes(pts);
        },
        prompts: () => n,
      };
    };
    const a = count(new LowResLabelPredictor());
    const b = count(new LowResLabelPredictor());
    const inProcess = await generateMasks(labelScene(), a, o);
    const pooled = await generateMasks(labelScene(), b, o, { workers: pool });
    expect(pooled).toEqual(inProcess);
    expect(b.prompts()).toBe(a.prompts());
    // Crop layer 1 has 4 crops of 10 x 10 points: 500 prompts without pruning.
    expect(a.prompts()).toBeLessThan(500);
  });

  it('leaves full-resolution predictions in process', async () => {
    const before = pool.batches;
    const masks = await generateMasks(labelScene(), new LowResLabelPredictor(), { ...OPTIONS, useLowResLogits: false }, { workers: pool });
    expect(masks.length).toBeGreaterThan(3);
    expect(pool.batches).toBe(before);
  });

  it('fails the image of a batch in flight when a worker dies, then stops taking batches', async () => {
    const doomed = await AmgWorkerPool.start(1);
    const slot = (doomed as unknown as { slots: { worker: Worker }[] }).slots[0];
    const predictor = new LowResLabelPredictor();
    let calls = 0;
    const killing = {
      setImage: (img: Parameters<LowResLabelPredictor['setImage']>[0]) => predictor.setImage(img),
      predict: (pts: Float64Array) => predictor.predict(pts),
      predictLowRes: async (pts: Float64Array) => {
        // The worker is gone before the second batch's reply.
        if (++calls === 2) await slot.worker.terminate();
        return predictor.predictLowRes(pts);
      },
    };
    await expect(generateMasks(labelScene(), killing, OPTIONS, { workers: doomed })).rejects.toThrow(/AMG worker/);
    expect(doomed.alive).toBe(false);
    // Without live workers the generator works in process, with the same result as ever.
    const after = await generateMasks(labelScene(), new LowResLabelPredictor(), OPTIONS, { workers: doomed });
    expect(after).toEqual(await generateMasks(labelScene(), new LowResLabelPredictor(), OPTIONS));
  }, 60_000);

  it('rejects a bad worker count and a missing worker file with the reason', async () => {
    await expect(AmgWorkerPool.start(0)).rejects.toThrow(/positive whole number/);
    await expect(AmgWorkerPool.start(1, { workerUrl: new URL('file:///nonexistent/amg-worker.js') })).rejects.toThrow(/could not start/);
  });

  it('sizes the default pool from the cores beside the decoder', () => {
    expect([1, 2, 3, 8, 64].map((c) => defaultAmgWorkers(c))).toEqual([1, 1, 2, 4, 4]);
    // On the CPU the decoder's threads take the cores: none by default.
    expect(defaultAmgWorkersFor('cpu', 16)).toBe(0);
    expect(defaultAmgWorkersFor('cuda', 16)).toBe(4);
  });
});
