// The 'sam-points' decoder contract (EdgeSAM's and EfficientViT-SAM's ONNX exports: points and labels
// only, no mask_input, has_mask_input or orig_im_size) against test-edgesam, the generated stand-in
// with EdgeSAM's exact I/O: encoding, clicks, the caller's padding point, token choice, interactive
// steps that cannot pass a previous mask, segment embeddings and the AMG.

import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { ImageEmbedding } from '../types';
import { generateMasks } from '../amg/generator';
import { segmentEmbedding } from '../embed/segment-embedding';
import { maskIou, rleToMask } from '../mask';
import { decodeInteractive } from '../prompt/interactive';
import { interiorPoint } from './interior-point';
import { lowResPredictor } from './low-res-predictor';
import { OnnxPredictor } from './predictor';
import { loadModel, type SamModel } from './runtime';
import { logitsIou } from './test-model.testing';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-edgesam-'));
const modelsDir = join(tmp, 'models');
const scene = generatePizzaScene({ seed: 11 });
const { width: W, height: H } = scene.image;
let edge: SamModel;
let sam1: SamModel;
let embedding: ImageEmbedding;

beforeAll(async () => {
  edge = await loadModel('test-edgesam', { modelsDir, device: 'cpu', intraOpNumThreads: 1 });
  sam1 = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1, decoderFlavour: 'official' });
  embedding = await edge.encode(scene.image);
}, 120_000);

afterAll(async () => {
  await Promise.all([edge?.release(), sam1?.release()]);
  rmSync(tmp, { recursive: true, force: true });
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe("'sam-points' adapter (test-edgesam)", () => {
  it('loads as family sam1 with a points-only decoder: no mask_input, has_mask_input or orig_im_size', () => {
    expect(edge.descriptor.family).toBe('sam1');
    expect(edge.decoder.io).toBe('sam-points');
    expect(edge.decoder.inputs).toMatchObject({ maskInput: null, hasMaskInput: null, origImSize: null });
    expect(edge.decoder.outputs).toMatchObject({ iouPredictions: 'scores', lowResMasks: 'masks' });
    expect(edge.decoder.batched).toBe(false);
  });

  it("encodes image_embeddings 1x256x64x64 from input 'image', longest side to 1024 (SAM's preprocessing)", async () => {
    expect([embedding.channels, embedding.gridH, embedding.gridW]).toEqual([256, 64, 64]);
    expect(embedding.extras).toBeUndefined();
    expect(embedding.transform.frameSize).toBe(1024);
    expect(Math.max(embedding.transform.resizedWidth, embedding.transform.resizedHeight)).toBe(1024);
    // Same preprocessing and the same stand-in encoder as test-sam: the same embedding.
    const e1 = await sam1.encode(scene.image);
    expect(maxDiff(embedding.data, e1.data)).toBeLessThan(1e-4);
  });

  it('a click returns the three multimask outputs, and the best one matches the clicked instance', async () => {
    const scores: number[] = [];
    for (const inst of scene.instances.slice(0, 6)) {
      const p = interiorPoint(inst.mask)!;
      const r = await edge.decode(embedding, [{ points: [p] }], { tokens: 'multimask' });
      expect([r.n, r.m, r.width, r.height]).toEqual([1, 3, W, H]);
      expect(r.tokens).toEqual([1, 2, 3]);
      const plane = W * H;
      scores.push(Math.max(...[0, 1, 2].map((j) => logitsIou(r.masks!, j * plane, inst.mask))));
    }
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeGreaterThan(0.7);
  });

  it("decodes like test-sam's official decoder on the same clicks, inside the image", async () => {
    const prompts = scene.instances.slice(0, 4).map((i) => ({ points: [interiorPoint(i.mask)!] }));
    const a = await edge.decode(embedding, prompts, { tokens: 'all', fullResolution: false });
    const b = await sam1.decode(embedding, prompts, { tokens: 'all', fullResolution: false });
    expect(a.tokens).toEqual([0, 1, 2, 3]);
    // Scores weigh the mask's edges, and a points-only decoder sees the padding as image: close, not equal.
    expect(maxDiff(a.iou, b.iou)).toBeLessThan(0.1);
    const L = a.lowResSize;
    // Compare the masks where test-sam knows the image is (not the frame's padding, which a
    // points-only decoder cannot tell apart).
    const { resizedWidth: rw, resizedHeight: rh, frameSize } = embedding.transform;
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
    const p = interiorPoint(scene.instances[0].mask)!;
    const plain = await edge.decode(embedding, [{ points: [p] }], { tokens: 'single', fullResolution: false });
    expect(plain.tokens).toEqual([0]);
    const junk = new Float32Array(plain.lowResSize ** 2).fill(20);
    const withMask = await edge.decode(embedding, [{ points: [p], maskInput: junk }], { tokens: 'single', fullResolution: false });
    expect(maxDiff(withMask.lowRes, plain.lowRes)).toBe(0);
    // test-sam's official decoder does take it: the same junk mask changes its output.
    const official = await sam1.decode(embedding, [{ points: [p], maskInput: junk }], { tokens: 'single', fullResolution: false });
    const officialPlain = await sam1.decode(embedding, [{ points: [p] }], { tokens: 'single', fullResolution: false });
    expect(maxDiff(official.lowRes, officialPlain.lowRes)).toBeGreaterThan(1);
  });

  it('interactive steps decode the points alone: a previous mask neither changes the mask nor forces the single output', async () => {
    const p = interiorPoint(scene.instances[1].mask)!;
    const first = await decodeInteractive(edge, embedding, { points: [p] });
    const again = await decodeInteractive(edge, embedding, { points: [p], previous: first.lowRes });
    expect(again.token).toBe(first.token);
    expect(again.rle).toEqual(first.rle);
    expect(first.token).toBeGreaterThan(0); // a lone click: the best of the multimask outputs
    const neg = interiorPoint(scene.instances[2].mask)!;
    const two = await decodeInteractive(edge, embedding, { points: [p, neg], labels: [1, 0], previous: first.lowRes });
    expect(two.token).toBe(0);
    expect(two.area).toBeGreaterThan(0);
  });

  it("models/edgesam/model.json describes files with test-edgesam's I/O: they load and decode under EdgeSAM's names", async () => {
    const dir = join(tmp, 'edgesam');
    cpSync(resolve(new URL('.', import.meta.url).pathname, '../../../models/edgesam'), dir, { recursive: true });
    copyFileSync(join(edge.dir, 'encoder.onnx'), join(dir, 'edge_sam_3x_encoder.onnx'));
    copyFileSync(join(edge.dir, 'decoder.onnx'), join(dir, 'edge_sam_3x_decoder.onnx'));
    const real = await loadModel(dir, { device: 'cpu', intraOpNumThreads: 1 });
    try {
      const p = interiorPoint(scene.instances[0].mask)!;
      const a = await real.decode(embedding, [{ points: [p] }], { tokens: 'multimask', fullResolution: false });
      const b = await edge.decode(embedding, [{ points: [p] }], { tokens: 'multimask', fullResolution: false });
      expect(maxDiff(a.lowRes, b.lowRes)).toBe(0);
    } finally {
      await real.release();
    }
  });

  it('segment embeddings from image_embeddings keep same-category instances closer than other categories', () => {
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

  it('the automatic mask generator finds the scene instances through a one-prompt-per-call decoder', async () => {
    const masks = await generateMasks(scene.image, lowResPredictor(new OnnxPredictor(edge)), { pointsPerSide: 8 });
    expect(masks.length).toBeGreaterThan(3);
    let matched = 0;
    for (const inst of scene.instances) {
      const best = Math.max(0, ...masks.map((m) => maskIou(rleToMask(m.rle), inst.mask)));
      if (best > 0.7) matched++;
    }
    expect(matched).toBeGreaterThanOrEqual(Math.min(4, scene.instances.length));
  }, 120_000);
});
