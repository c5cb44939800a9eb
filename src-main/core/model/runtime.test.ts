import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { ImageEmbedding } from '../types';
import { interiorPoint } from './interior-point';
import { cudaProviderInstalled } from './providers';
import { loadModel, type PointPrompt, type SamModel } from './runtime';
import { ensureTestModel } from './testsam/generate';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-runtime-'));
const modelsDir = join(tmp, 'models');
const scene = generatePizzaScene({ seed: 11 });
const { width: W, height: H } = scene.image;
let batched: SamModel;
let official: SamModel;
let embedding: ImageEmbedding;

function centreOf(category: string, nth = 0): [number, number] {
  const inst = scene.instances.filter((i) => i.category === category)[nth];
  const p = interiorPoint(inst.mask)!;
  expect(inst.mask.data[p[1] * W + p[0]]).toBe(1);
  return p;
}

beforeAll(async () => {
  ensureTestModel(modelsDir);
  batched = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1 });
  official = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1, decoderFlavour: 'official' });
  embedding = await batched.encode(scene.image);
});

afterAll(async () => {
  await Promise.all([batched?.release(), official?.release()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('loadModel and encode', () => {
  it('picks the batched decoder by default and reports the CPU provider', () => {
    expect(batched.decoder.id).toBe('batched');
    expect(official.decoder.id).toBe('official');
    expect(batched.provider).toBe('cpu');
    expect(batched.warnings).toEqual([]);
  });

  it('encodes an image into a 1x256x64x64 embedding with its frame transform', () => {
    expect([embedding.channels, embedding.gridH, embedding.gridW]).toEqual([256, 64, 64]);
    expect(embedding.data.length).toBe(256 * 64 * 64);
    expect(embedding.transform).toMatchObject({ origWidth: W, origHeight: H, resizedWidth: 1024, resizedHeight: 768, frameSize: 1024 });
    expect(embedding.data.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('validates thread counts and decoder names', async () => {
    await expect(loadModel('test-sam', { modelsDir, intraOpNumThreads: -1 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(loadModel('test-sam', { modelsDir, interOpNumThreads: 1.5 })).rejects.toThrow(
      /interOpNumThreads must be a non-negative integer/,
    );
    await expect(loadModel('test-sam', { modelsDir, decoderFlavour: 'tiny' })).rejects.toThrow(/no decoder "tiny".*batched, official/);
  });

  it('checks the encoder at load time but starts its session only when asked to encode (encoderOnDemand)', async () => {
    const lazy = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1, encoderOnDemand: true });
    try {
      const again = await lazy.encode(scene.image);
      expect(again.transform).toEqual(embedding.transform);
      expect(Buffer.from(again.data.buffer).equals(Buffer.from(embedding.data.buffer))).toBe(true);
    } finally {
      await lazy.release();
    }
    // A broken encoder still fails the load, not the first image.
    const copy = join(tmp, 'bad-encoder');
    cpSync(join(modelsDir, 'test-sam'), copy, { recursive: true });
    writeFileSync(join(copy, 'encoder.onnx'), 'not an onnx file');
    await expect(loadModel(copy, { device: 'cpu', encoderOnDemand: true })).rejects.toThrow();
  });

  it('names the missing file and how to get it', async () => {
    const copy = join(tmp, 'broken-model');
    cpSync(join(modelsDir, 'test-sam'), copy, { recursive: true });
    rmSync(join(copy, 'decoder-batched.onnx'));
    await expect(loadModel(copy, { device: 'cpu' })).rejects.toMatchObject({
      code: 'model-missing',
      message: expect.stringContaining(join(copy, 'decoder-batched.onnx')),
    });
  });
});

describe('device fallback', () => {
  it('webgpu without an adapter falls back to the CPU with a warning', async () => {
    const seen: string[] = [];
    const m = await loadModel('test-sam', { modelsDir, device: 'webgpu', onWarning: (w) => seen.push(w) });
    try {
      // Where a WebGPU adapter exists the session really runs on it; here there is none.
      if (m.provider !== 'webgpu') {
        expect(m.provider).toBe('cpu');
        expect(seen.join(' ')).toMatch(/webgpu/);
        expect(m.warnings).toEqual(seen);
      }
    } finally {
      await m.release();
    }
  });

  it('auto tries the GPU providers and ends on the CPU with a warning when none starts', async () => {
    const seen: string[] = [];
    const m = await loadModel('test-sam', { modelsDir, device: 'auto', onWarning: (w) => seen.push(w) });
    try {
      if (m.provider === 'cpu' && seen.length > 0) expect(seen.join(' ')).toMatch(/CPU/);
      expect(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']).toContain(m.provider);
      if (m.provider !== 'cpu') expect(seen).toEqual([]);
    } finally {
      await m.release();
    }
  });

  it('cuda without its libraries falls back clearly, or fails when strict', async () => {
    if (cudaProviderInstalled()) return; // a CUDA machine: nothing to fall back from
    const seen: string[] = [];
    const m = await loadModel('test-sam', { modelsDir, device: 'cuda', onWarning: (w) => seen.push(w) });
    expect(m.provider).toBe('cpu');
    expect(seen.join(' ')).toMatch(/cuda/);
    await m.release();
    await expect(loadModel('test-sam', { modelsDir, device: 'cuda', strictDevice: true })).rejects.toThrow(/cuda/);
  });
});

describe('decode', () => {
  const prompts = (): PointPrompt[] => [
    { points: [centreOf('pepperoni')] },
    { points: [centreOf('basil'), centreOf('pepperoni')] },
    { points: [centreOf('cheese'), centreOf('pepperoni')], labels: [1, 0] },
  ];

  it('gives the same masks with the batched and the official decoder', async () => {
    const a = await batched.decode(embedding, prompts(), { chunkSize: 2 });
    const b = await official.decode(embedding, prompts());
    expect([a.n, a.m, a.width, a.height]).toEqual([3, 4, W, H]);
    expect(b.tokens).toEqual(a.tokens);
    let worst = 0;
    for (let i = 0; i < a.masks!.length; i++) worst = Math.max(worst, Math.abs(a.masks![i] - b.masks![i]));
    expect(worst).toBeLessThan(1e-3);
    for (let i = 0; i < a.iou.length; i++) expect(a.iou[i]).toBeCloseTo(b.iou[i], 4);
  });

  it('rebuilds exactly the masks the full decoder graph outputs', async () => {
    const p = centreOf('pepperoni');
    const ours = await official.decode(embedding, [{ points: [p] }]);
    const full = await ort.InferenceSession.create(join(modelsDir, 'test-sam', 'decoder.onnx'));
    const s = 1024 / W;
    const out = await full.run({
      image_embeddings: new ort.Tensor('float32', embedding.data, [1, 256, 64, 64]),
      point_coords: new ort.Tensor('float32', new Float32Array([p[0] * s, p[1] * s, 0, 0]), [1, 2, 2]),
      point_labels: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]),
      mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
      has_mask_input: new ort.Tensor('float32', new Float32Array(1), [1]),
      orig_im_size: new ort.Tensor('float32', new Float32Array([H, W]), [2]),
    });
    await full.release();
    const ref = out.masks.data as Float32Array;
    expect(out.masks.dims).toEqual([1, 4, H, W]);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - ours.masks![i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('honours labels: padding is ignored, a negative point removes what resembles it', async () => {
    const other = centreOf('pepperoni', 1);
    const base = centreOf('pepperoni');
    const r = await batched.decode(
      embedding,
      [{ points: [base] }, { points: [base, [5, 5]], labels: [1, -1] }, { points: [base, other], labels: [1, 0] }],
      { tokens: 'single' },
    );
    const plane = W * H;
    const area = (k: number) => r.masks!.subarray(k * plane, (k + 1) * plane).reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
    expect(r.m).toBe(1);
    expect(area(0)).toBeGreaterThan(200);
    expect(area(1)).toBe(area(0));
    expect(area(2)).toBeLessThan(area(0));
  });

  it('rejects malformed prompts with a clear error', async () => {
    await expect(batched.decode(embedding, [{ points: [] }])).rejects.toThrow(/prompt 0 has no points/);
    await expect(batched.decode(embedding, [{ points: [[1, 2]], labels: [1, 0] }])).rejects.toThrow(/1 points but 2 labels/);
    await expect(batched.decode(embedding, [{ points: [[Number.NaN, 2]] }])).rejects.toThrow(/non-finite/);
  });
});
