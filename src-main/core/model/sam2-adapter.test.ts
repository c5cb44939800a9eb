// The SAM 2 decoder contract against test-sam2, the generated stand-in with SAM 2.1's exact I/O
// (samexporter's export_sam2.py): encoder outputs, stretch preprocessing, high-res feeds, the
// three multimask outputs, 'single' on a decoder without a single-mask output, and the AMG.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { ImageEmbedding } from '../types';
import { segmentEmbedding } from '../embed/segment-embedding';
import { interiorPoint } from './interior-point';
import { loadModel, type SamModel } from './runtime';
import { logitsIou } from './test-model.testing';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-sam2-'));
const modelsDir = join(tmp, 'models');
const scene = generatePizzaScene({ seed: 11 });
const { width: W, height: H } = scene.image;
let sam2: SamModel;
let sam1: SamModel;
let embedding: ImageEmbedding;

beforeAll(async () => {
  sam2 = await loadModel('test-sam2', { modelsDir, device: 'cpu', intraOpNumThreads: 1 });
  sam1 = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1 });
  embedding = await sam2.encode(scene.image);
}, 120_000);

afterAll(async () => {
  await Promise.all([sam2?.release(), sam1?.release()]);
  rmSync(tmp, { recursive: true, force: true });
});

/** Largest absolute difference of two equally long arrays (vitest's deep equality is slow on big typed arrays). */
function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('SAM 2 adapter (test-sam2)', () => {
  it('loads as family sam2 with its sam2-image decoder', () => {
    expect(sam2.descriptor.family).toBe('sam2');
    expect(sam2.decoder.io).toBe('sam2-image');
    expect(sam2.decoder.highResInputs).toEqual(['high_res_feats_0', 'high_res_feats_1']);
  });

  it('encodes image_embed 1x256x64x64 plus both high-resolution maps, the image stretched onto the frame', () => {
    expect([embedding.channels, embedding.gridH, embedding.gridW]).toEqual([256, 64, 64]);
    expect(embedding.transform).toMatchObject({ origWidth: W, origHeight: H, resizedWidth: 1024, resizedHeight: 1024, frameSize: 1024 });
    expect(embedding.extras?.map((f) => [f.name, f.dims])).toEqual([
      ['high_res_feats_0', [1, 32, 256, 256]],
      ['high_res_feats_1', [1, 64, 128, 128]],
    ]);
    expect(embedding.extras?.every((f) => f.data.length === f.dims.reduce((a, b) => a * b, 1))).toBe(true);
  });

  it('a click returns three masks, and the best one matches the clicked instance', async () => {
    const scores: number[] = [];
    for (const inst of scene.instances.slice(0, 6)) {
      const p = interiorPoint(inst.mask)!;
      const r = await sam2.decode(embedding, [{ points: [p] }], { tokens: 'multimask' });
      expect([r.n, r.m, r.width, r.height]).toEqual([1, 3, W, H]);
      expect(r.tokens).toEqual([0, 1, 2]);
      const plane = W * H;
      scores.push(Math.max(...[0, 1, 2].map((j) => logitsIou(r.masks!, j * plane, inst.mask))));
    }
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(mean).toBeGreaterThan(0.7);
  });

  it.each(['high_res_feats_0', 'high_res_feats_1'])(
    "needs %s: an encoding without it is refused, another image's spoils the masks",
    async (name) => {
      const bare: ImageEmbedding = { ...embedding, extras: embedding.extras!.filter((f) => f.name !== name) };
      const p0 = interiorPoint(scene.instances[0].mask)!;
      await expect(sam2.decode(bare, [{ points: [p0] }])).rejects.toThrow(
        new RegExp(`needs the encoder output "${name}".*encode the image again`),
      );
      const other = await sam2.encode(generatePizzaScene({ seed: 12 }).image);
      const swapped: ImageEmbedding = {
        ...embedding,
        extras: embedding.extras!.map((f) => (f.name === name ? other.extras!.find((o) => o.name === name)! : f)),
      };
      const plane = W * H;
      const meanBest = async (e: ImageEmbedding) => {
        let sum = 0;
        const some = scene.instances.slice(0, 6);
        for (const inst of some) {
          const r = await sam2.decode(e, [{ points: [interiorPoint(inst.mask)!] }], { tokens: 'multimask' });
          sum += Math.max(...[0, 1, 2].map((j) => logitsIou(r.masks!, j * plane, inst.mask)));
        }
        return sum / some.length;
      };
      expect(await meanBest(swapped)).toBeLessThan((await meanBest(embedding)) - 0.15);
    },
  );

  it("'single' on a decoder without a single-mask output returns each prompt's best-scored mask", async () => {
    const prompts = scene.instances.slice(0, 3).map((i) => ({ points: [interiorPoint(i.mask)!] }));
    const all = await sam2.decode(embedding, prompts, { tokens: 'multimask', fullResolution: false });
    const single = await sam2.decode(embedding, prompts, { tokens: 'single', fullResolution: false });
    expect(single.tokens).toEqual([-1]);
    const L = all.lowResSize * all.lowResSize;
    for (let k = 0; k < prompts.length; k++) {
      const s = [0, 1, 2].map((j) => all.iou[k * 3 + j]);
      const j = s.indexOf(Math.max(...s));
      expect(single.iou[k]).toBe(all.iou[k * 3 + j]);
      expect(maxDiff(single.lowRes.subarray(k * L, (k + 1) * L), all.lowRes.subarray((k * 3 + j) * L, (k * 3 + j + 1) * L))).toBe(0);
    }
  });

  it('batches of prompts equal one prompt at a time (the graph pads, the caller does not)', async () => {
    const prompts = scene.instances.slice(0, 4).map((i) => ({ points: [interiorPoint(i.mask)!] }));
    const batch = await sam2.decode(embedding, prompts, { tokens: 'multimask', fullResolution: false, chunkSize: 4 });
    const one = await sam2.decode(embedding, prompts, { tokens: 'multimask', fullResolution: false, chunkSize: 1 });
    // Logits are 50 x (tolerance - distance): 1e-2 is far below anything that moves a mask edge.
    expect(maxDiff(batch.lowRes, one.lowRes)).toBeLessThan(1e-2);
    expect(maxDiff(batch.iou, one.iou)).toBeLessThan(1e-5);
  });

  it('refuses a SAM 1 embedding (no high-resolution maps) and SAM 1 refuses nothing it needs', async () => {
    const e1 = await sam1.encode(scene.image);
    expect(e1.extras).toBeUndefined();
    const p = interiorPoint(scene.instances[0].mask)!;
    await expect(sam2.decode(e1, [{ points: [p] }])).rejects.toMatchObject({ code: 'invalid-argument' });
    const r = await sam1.decode(e1, [{ points: [p] }], { tokens: 'multimask' });
    expect(r.m).toBe(3);
  });

  it('segment embeddings from image_embed (stretched frame) keep same-category instances closer than other categories', () => {
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((t, x, i) => t + x * b[i], 0);
    const byCat = new Map<string, Float32Array[]>();
    for (const inst of scene.instances) {
      const v = segmentEmbedding(embedding, inst.mask);
      if (!v) continue;
      expect(v.length).toBe(256);
      byCat.set(inst.category, [...(byCat.get(inst.category) ?? []), v]);
    }
    const pepperoni = byCat.get('pepperoni')!;
    expect(pepperoni.length).toBeGreaterThan(1);
    const same = cos(pepperoni[0], pepperoni[1]);
    for (const [cat, vs] of byCat) if (cat !== 'pepperoni') expect(cos(pepperoni[0], vs[0])).toBeLessThan(same);
  });
});
