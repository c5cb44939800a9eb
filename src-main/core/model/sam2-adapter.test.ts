// The SAM 2 decoder contract against test-sam2, the generated stand-in with SAM 2.1's exact I/O
// (samexporter's export_sam2.py): encoder outputs, stretch preprocessing, high-res feeds, the
// three multimask outputs, 'single' on a decoder without a single-mask output, and the AMG.

import { describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { ImageEmbedding } from '../types';
import { interiorPoint } from './interior-point';
import { bestClickIous, expectCategoriesApart, logitsIou, maxDiff, useAdapterFixture } from './test-model.testing';

const fx = useAdapterFixture('test-sam2', 'sam2');
const { width: W, height: H } = fx.scene.image;

describe('SAM 2 adapter (test-sam2)', () => {
  it('loads as family sam2 with its sam2-image decoder', () => {
    expect(fx.model.descriptor.family).toBe('sam2');
    expect(fx.model.decoder.io).toBe('sam2-image');
    expect(fx.model.decoder.highResInputs).toEqual(['high_res_feats_0', 'high_res_feats_1']);
  });

  it('encodes image_embed 1x256x64x64 plus both high-resolution maps, the image stretched onto the frame', () => {
    expect([fx.embedding.channels, fx.embedding.gridH, fx.embedding.gridW]).toEqual([256, 64, 64]);
    expect(fx.embedding.transform).toMatchObject({ origWidth: W, origHeight: H, resizedWidth: 1024, resizedHeight: 1024, frameSize: 1024 });
    expect(fx.embedding.extras?.map((f) => [f.name, f.dims])).toEqual([
      ['high_res_feats_0', [1, 32, 256, 256]],
      ['high_res_feats_1', [1, 64, 128, 128]],
    ]);
    expect(fx.embedding.extras?.every((f) => f.data.length === f.dims.reduce((a, b) => a * b, 1))).toBe(true);
  });

  it('a click returns three masks, and the best one matches the clicked instance', async () => {
    const scores = await bestClickIous(fx, [0, 1, 2]);
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeGreaterThan(0.7);
  });

  it.each(['high_res_feats_0', 'high_res_feats_1'])(
    "needs %s: an encoding without it is refused, another image's spoils the masks",
    async (name) => {
      const bare: ImageEmbedding = { ...fx.embedding, extras: fx.embedding.extras!.filter((f) => f.name !== name) };
      const p0 = interiorPoint(fx.scene.instances[0].mask)!;
      await expect(fx.model.decode(bare, [{ points: [p0] }])).rejects.toThrow(
        new RegExp(`needs the encoder output "${name}".*encode the image again`),
      );
      const other = await fx.model.encode(generatePizzaScene({ seed: 12 }).image);
      const swapped: ImageEmbedding = {
        ...fx.embedding,
        extras: fx.embedding.extras!.map((f) => (f.name === name ? other.extras!.find((o) => o.name === name)! : f)),
      };
      const plane = W * H;
      const meanBest = async (e: ImageEmbedding) => {
        let sum = 0;
        const some = fx.scene.instances.slice(0, 6);
        for (const inst of some) {
          const r = await fx.model.decode(e, [{ points: [interiorPoint(inst.mask)!] }], { tokens: 'multimask' });
          sum += Math.max(...[0, 1, 2].map((j) => logitsIou(r.masks!, j * plane, inst.mask)));
        }
        return sum / some.length;
      };
      expect(await meanBest(swapped)).toBeLessThan((await meanBest(fx.embedding)) - 0.15);
    },
  );

  it("'single' on a decoder without a single-mask output returns each prompt's best-scored mask", async () => {
    const prompts = fx.scene.instances.slice(0, 3).map((i) => ({ points: [interiorPoint(i.mask)!] }));
    const all = await fx.model.decode(fx.embedding, prompts, { tokens: 'multimask', fullResolution: false });
    const single = await fx.model.decode(fx.embedding, prompts, { tokens: 'single', fullResolution: false });
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
    const prompts = fx.scene.instances.slice(0, 4).map((i) => ({ points: [interiorPoint(i.mask)!] }));
    const batch = await fx.model.decode(fx.embedding, prompts, { tokens: 'multimask', fullResolution: false, chunkSize: 4 });
    const one = await fx.model.decode(fx.embedding, prompts, { tokens: 'multimask', fullResolution: false, chunkSize: 1 });
    // Logits are 50 x (tolerance - distance): 1e-2 is far below anything that moves a mask edge.
    expect(maxDiff(batch.lowRes, one.lowRes)).toBeLessThan(1e-2);
    expect(maxDiff(batch.iou, one.iou)).toBeLessThan(1e-5);
  });

  it('refuses a SAM 1 embedding (no high-resolution maps) and SAM 1 refuses nothing it needs', async () => {
    const e1 = await fx.sam1.encode(fx.scene.image);
    expect(e1.extras).toBeUndefined();
    const p = interiorPoint(fx.scene.instances[0].mask)!;
    await expect(fx.model.decode(e1, [{ points: [p] }])).rejects.toMatchObject({ code: 'invalid-argument' });
    const r = await fx.sam1.decode(e1, [{ points: [p] }], { tokens: 'multimask' });
    expect(r.m).toBe(3);
  });

  it('segment embeddings from image_embed (stretched frame) keep same-category instances closer than other categories', () => {
    expectCategoriesApart(fx);
  });
});
