// The 'sam-points' decoder contract (EdgeSAM's and EfficientViT-SAM's ONNX exports: points and labels
// only, no mask_input, has_mask_input or orig_im_size) against test-edgesam, the generated stand-in
// with EdgeSAM's exact I/O: encoding, clicks, the caller's padding point, token choice, interactive
// steps that cannot pass a previous mask, segment embeddings and the AMG.

import { copyFileSync, cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateMasks } from '../amg/generator';
import { maskIou, rleToMask } from '../mask';
import { decodeInteractive } from '../prompt/interactive';
import { interiorPoint } from './interior-point';
import { lowResPredictor } from './low-res-predictor';
import { OnnxPredictor } from './predictor';
import { loadModel } from './runtime';
import { bestClickIous, expectCategoriesApart, maxDiff, useAdapterFixture } from './test-model.testing';

const fx = useAdapterFixture('test-edgesam', 'edgesam', { decoderFlavour: 'official' });

describe("'sam-points' adapter (test-edgesam)", () => {
  it('loads as family sam1 with a points-only decoder: no mask_input, has_mask_input or orig_im_size', () => {
    expect(fx.model.descriptor.family).toBe('sam1');
    expect(fx.model.decoder.io).toBe('sam-points');
    expect(fx.model.decoder.inputs).toMatchObject({ maskInput: null, hasMaskInput: null, origImSize: null });
    expect(fx.model.decoder.outputs).toMatchObject({ iouPredictions: 'scores', lowResMasks: 'masks' });
    expect(fx.model.decoder.batched).toBe(false);
  });

  it("encodes image_embeddings 1x256x64x64 from input 'image', longest side to 1024 (SAM's preprocessing)", async () => {
    expect([fx.embedding.channels, fx.embedding.gridH, fx.embedding.gridW]).toEqual([256, 64, 64]);
    expect(fx.embedding.extras).toBeUndefined();
    expect(fx.embedding.transform.frameSize).toBe(1024);
    expect(Math.max(fx.embedding.transform.resizedWidth, fx.embedding.transform.resizedHeight)).toBe(1024);
    // Same preprocessing and the same stand-in encoder as test-sam: the same embedding.
    const e1 = await fx.sam1.encode(fx.scene.image);
    expect(maxDiff(fx.embedding.data, e1.data)).toBeLessThan(1e-4);
  });

  it('a click returns the three multimask outputs, and the best one matches the clicked instance', async () => {
    const scores = await bestClickIous(fx, [1, 2, 3]);
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeGreaterThan(0.7);
  });

  it("decodes like test-sam's official decoder on the same clicks, inside the image", async () => {
    const prompts = fx.scene.instances.slice(0, 4).map((i) => ({ points: [interiorPoint(i.mask)!] }));
    const a = await fx.model.decode(fx.embedding, prompts, { tokens: 'all', fullResolution: false });
    const b = await fx.sam1.decode(fx.embedding, prompts, { tokens: 'all', fullResolution: false });
    expect(a.tokens).toEqual([0, 1, 2, 3]);
    // Scores weigh the mask's edges, and a points-only decoder sees the padding as image: close, not equal.
    expect(maxDiff(a.iou, b.iou)).toBeLessThan(0.1);
    const L = a.lowResSize;
    // Compare the masks where test-sam knows the image is (not the frame's padding, which a
    // points-only decoder cannot tell apart).
    const { resizedWidth: rw, resizedHeight: rh, frameSize } = fx.embedding.transform;
    let differ = 0;
    let inside = 0;
    for (let k = 0; k < a.n * a.m; k++) {
      for (let y = 0; y < L; y++) {
        if ((y * frameSize) / L >= rh) continue;
        for (let x = 0; x < L; x++) {
          if ((x * frameSize) / L >= rw) continue;
          inside++;
          if (a.lowRes[k * L * L + y * L + x] > 0 !== b.lowRes[k * L * L + y * L + x] > 0) differ++;
        }
      }
    }
    expect(differ / inside).toBeLessThan(0.01);
  });

  it("'single' returns token 0, and a mask input is not sent (the result does not change)", async () => {
    const p = interiorPoint(fx.scene.instances[0].mask)!;
    const plain = await fx.model.decode(fx.embedding, [{ points: [p] }], { tokens: 'single', fullResolution: false });
    expect(plain.tokens).toEqual([0]);
    const junk = new Float32Array(plain.lowResSize ** 2).fill(20);
    const withMask = await fx.model.decode(fx.embedding, [{ points: [p], maskInput: junk }], { tokens: 'single', fullResolution: false });
    expect(maxDiff(withMask.lowRes, plain.lowRes)).toBe(0);
    // test-sam's official decoder does take it: the same junk mask changes its output.
    const official = await fx.sam1.decode(fx.embedding, [{ points: [p], maskInput: junk }], { tokens: 'single', fullResolution: false });
    const officialPlain = await fx.sam1.decode(fx.embedding, [{ points: [p] }], { tokens: 'single', fullResolution: false });
    expect(maxDiff(official.lowRes, officialPlain.lowRes)).toBeGreaterThan(1);
  });

  it('interactive steps decode the points alone: a previous mask neither changes the mask nor forces the single output', async () => {
    const p = interiorPoint(fx.scene.instances[1].mask)!;
    const first = await decodeInteractive(fx.model, fx.embedding, { points: [p] });
    const again = await decodeInteractive(fx.model, fx.embedding, { points: [p], previous: first.lowRes });
    expect(again.token).toBe(first.token);
    expect(again.rle).toEqual(first.rle);
    expect(first.token).toBeGreaterThan(0); // a lone click: the best of the multimask outputs
    const neg = interiorPoint(fx.scene.instances[2].mask)!;
    const two = await decodeInteractive(fx.model, fx.embedding, { points: [p, neg], labels: [1, 0], previous: first.lowRes });
    expect(two.token).toBe(0);
    expect(two.area).toBeGreaterThan(0);
  });

  it("models/edgesam/model.json describes files with test-edgesam's I/O: they load and decode under EdgeSAM's names", async () => {
    const dir = join(fx.tmp, 'edgesam');
    cpSync(resolve(new URL('.', import.meta.url).pathname, '../../../models/edgesam'), dir, { recursive: true });
    copyFileSync(join(fx.model.dir, 'encoder.onnx'), join(dir, 'edge_sam_3x_encoder.onnx'));
    copyFileSync(join(fx.model.dir, 'decoder.onnx'), join(dir, 'edge_sam_3x_decoder.onnx'));
    const real = await loadModel(dir, { device: 'cpu', intraOpNumThreads: 1 });
    try {
      const p = interiorPoint(fx.scene.instances[0].mask)!;
      const a = await real.decode(fx.embedding, [{ points: [p] }], { tokens: 'multimask', fullResolution: false });
      const b = await fx.model.decode(fx.embedding, [{ points: [p] }], { tokens: 'multimask', fullResolution: false });
      expect(maxDiff(a.lowRes, b.lowRes)).toBe(0);
    } finally {
      await real.release();
    }
  });

  it('segment embeddings from image_embeddings keep same-category instances closer than other categories', () => {
    expectCategoriesApart(fx);
  });

  it('the automatic mask generator finds the scene instances through a one-prompt-per-call decoder', async () => {
    const masks = await generateMasks(fx.scene.image, lowResPredictor(new OnnxPredictor(fx.model)), { pointsPerSide: 8 });
    expect(masks.length).toBeGreaterThan(3);
    let matched = 0;
    for (const inst of fx.scene.instances) {
      const best = Math.max(0, ...masks.map((m) => maskIou(rleToMask(m.rle), inst.mask)));
      if (best > 0.7) matched++;
    }
    expect(matched).toBeGreaterThanOrEqual(Math.min(4, fx.scene.instances.length));
  }, 120_000);
});
