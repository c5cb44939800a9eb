// An encoder that takes its pixels in a smaller square than the prompt frame (EfficientViT-SAM-L:
// 512 x 512 in a 1024 frame): the preprocessing, the descriptor's rules, and a stand-in with that
// geometry (test-sam's encoder at 512 behind test-sam's decoders) whose clicks land on the objects.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import { generateMasks } from '../amg/generator';
import { maskIou, rleToMask } from '../mask';
import type { RgbImage } from '../types';
import { DESCRIPTOR_FILE, encoderInputSize, type ModelDescriptor } from './descriptor';
import { parseModelDescriptor, readModelDescriptor } from './descriptor-read';
import { interiorPoint } from './interior-point';
import { lowResPredictor } from './low-res-predictor';
import { OnnxPredictor } from './predictor';
import { computeFrameTransform, preprocess } from './preprocess';
import { loadModel, type SamModel } from './runtime';
import { logitsIou } from './test-model.testing';
import { buildEncoderGraph } from './testsam/encoder-graph';
import { buildTestModelFiles, testModelDescriptor } from './testsam/generate';
import { encodeModel } from './testsam/onnx-builder';

const repoModels = resolve(new URL('.', import.meta.url).pathname, '../../../models');

function image(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + (i >> 7)) & 255;
  return { width, height, data };
}

describe('preprocessing for an encoder input smaller than the frame', () => {
  it('resizes the image into the input square; prompts and masks keep the frame transform', async () => {
    const img = image(800, 600);
    const small = await preprocess(img, 'nchw-normalized', { frameSize: 1024, inputSize: 512 });
    expect(small.input.dims).toEqual([1, 3, 512, 512]);
    expect(small.transform).toEqual(computeFrameTransform(800, 600, 1024));
    // The pixels are those of a 512 frame.
    const asFrame = await preprocess(img, 'nchw-normalized', { frameSize: 512 });
    expect(asFrame.transform.resizedWidth).toBe(512);
    expect(Buffer.from(small.input.data.buffer).equals(Buffer.from(asFrame.input.data.buffer))).toBe(true);
  });
});

describe("model.json: the encoder input's side", () => {
  const xl0 = readModelDescriptor(join(repoModels, 'efficientvit-sam-xl0'));
  const withInput = (shape: (number | string)[]): unknown => ({
    ...xl0,
    encoder: { ...xl0.encoder, input: { ...xl0.encoder.input, shape } },
  });

  it('EfficientViT-SAM L0-L2 encode at 512 in a 1024 frame; XL0 and XL1 at 1024', () => {
    for (const id of ['efficientvit-sam-l0', 'efficientvit-sam-l1', 'efficientvit-sam-l2']) {
      const d = readModelDescriptor(join(repoModels, id));
      expect([d.frameSize, encoderInputSize(d)], id).toEqual([1024, 512]);
      expect(d.decoders[0].io).toBe('sam-points');
    }
    for (const id of ['efficientvit-sam-xl0', 'efficientvit-sam-xl1'])
      expect(encoderInputSize(readModelDescriptor(join(repoModels, id)))).toBe(1024);
  });

  it('refuses an input larger than the frame, or not square, saying what to change', () => {
    expect(() => parseModelDescriptor(withInput([1, 3, 2048, 2048]), 'm.json')).toThrow(/2048 x 2048 pixels, more than the 1024 frame/);
    expect(() => parseModelDescriptor(withInput([1, 3, 512, 768]), 'm.json')).toThrow(/must be square/);
    expect(encoderInputSize(parseModelDescriptor(withInput(['batch_size', 3, 512, 512]), 'm.json') as ModelDescriptor)).toBe(512);
  });
});

describe("a stand-in with EfficientViT-SAM-L's geometry (test-sam's encoder at 512)", () => {
  const tmp = mkdtempSync(join(tmpdir(), 'samantic-encoder-input-'));
  const scene = generatePizzaScene({ seed: 11 });
  const { width: W, height: H } = scene.image;
  let small: SamModel;
  let full: SamModel;

  beforeAll(async () => {
    const files = buildTestModelFiles();
    const dir = join(tmp, 'test-sam-512');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'encoder.onnx'), encodeModel(buildEncoderGraph(false, undefined, 512), 'test-sam encoder at 512', '1'));
    for (const name of ['decoder.onnx', 'decoder-batched.onnx']) writeFileSync(join(dir, name), files.files.get(name)!);
    const d = testModelDescriptor();
    const descriptor: ModelDescriptor = {
      ...d,
      id: 'test-sam-512',
      generator: null,
      encoder: { ...d.encoder, input: { ...d.encoder.input, shape: [1, 3, 512, 512] } },
    };
    writeFileSync(join(dir, DESCRIPTOR_FILE), JSON.stringify(descriptor));
    small = await loadModel(dir, { device: 'cpu', intraOpNumThreads: 1 });
    full = await loadModel('test-sam', { modelsDir: join(tmp, 'models'), device: 'cpu', intraOpNumThreads: 1 });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([small?.release(), full?.release()]);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('clicks land on the clicked objects, as with the 1024 encoder', async () => {
    const e512 = await small.encode(scene.image);
    const e1024 = await full.encode(scene.image);
    expect(e512.transform).toEqual(e1024.transform);
    expect([e512.gridH, e512.gridW]).toEqual([64, 64]);
    const plane = W * H;
    let sum = 0;
    let agree = 0;
    const some = scene.instances.slice(0, 6);
    for (const inst of some) {
      const p = interiorPoint(inst.mask)!;
      const a = await small.decode(e512, [{ points: [p] }], { tokens: 'multimask' });
      const b = await full.decode(e1024, [{ points: [p] }], { tokens: 'multimask' });
      const best = [0, 1, 2].map((j) => logitsIou(a.masks!, j * plane, inst.mask));
      sum += Math.max(...best);
      // The same token's mask from both encoders covers the same pixels (no shift, no scale).
      const j = best.indexOf(Math.max(...best));
      const bMask = { width: W, height: H, data: Uint8Array.from(b.masks!.subarray(j * plane, (j + 1) * plane), (v) => (v > 0 ? 1 : 0)) };
      agree += logitsIou(a.masks!, j * plane, bMask);
    }
    expect(sum / some.length).toBeGreaterThan(0.7);
    expect(agree / some.length).toBeGreaterThan(0.85);
  });

  it('the automatic mask generator finds the scene instances', async () => {
    const masks = await generateMasks(scene.image, lowResPredictor(new OnnxPredictor(small)), { pointsPerSide: 8 });
    let matched = 0;
    for (const inst of scene.instances) if (Math.max(0, ...masks.map((m) => maskIou(rleToMask(m.rle), inst.mask))) > 0.7) matched++;
    expect(matched).toBeGreaterThanOrEqual(Math.min(4, scene.instances.length));
  }, 120_000);
});
