import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { RgbImage } from '../types';
import { interiorPoint } from './interior-point';
import { OnnxPredictor } from './predictor';
import { pruneOutputs } from './decode';
import { loadModel, type SamModel } from './runtime';
import { ensureTestModel } from './testsam/generate';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-predictor-'));
const modelsDir = join(tmp, 'models');
let model: SamModel;
beforeAll(async () => {
  model = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1 });
});
afterAll(async () => {
  await model?.release();
  rmSync(tmp, { recursive: true, force: true });
});

/** A crop of an RgbImage, as the AMG hands crops to the predictor. */
function crop(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + w) * 3), y * w * 3);
  return { width: w, height: h, data };
}

describe('OnnxPredictor', () => {
  it('returns the three multimask outputs per point at crop resolution', async () => {
    const scene = generatePizzaScene({ seed: 7 });
    const pep = scene.instances.find((i) => i.category === 'pepperoni')!;
    const [px, py] = interiorPoint(pep.mask)!;
    const [x0, y0] = [Math.max(0, px - 200), Math.max(0, py - 150)];
    const part = crop(scene.image, x0, y0, 400, 300);
    const predictor = new OnnxPredictor(model, { chunkSize: 2 });
    await expect(predictor.predict(new Float64Array([1, 1]))).rejects.toThrow(/before setImage/);
    await predictor.setImage(part);
    expect(predictor.embedding?.transform).toMatchObject({ origWidth: 400, origHeight: 300, resizedWidth: 1024, resizedHeight: 768 });

    const points = new Float64Array([px - x0, py - y0, 10, 10, 390, 290]);
    const b = await predictor.predict(points);
    expect([b.n, b.m, b.width, b.height]).toEqual([3, 3, 400, 300]);
    expect(b.logits.length).toBe(3 * 3 * 400 * 300);
    expect(b.iou.length).toBe(9);
    // The click on the pepperoni selects pixels around it (in crop coordinates), and its wider masks contain the narrower.
    const plane = 400 * 300;
    const at = (k: number, x: number, y: number) => b.logits[k * plane + y * 400 + x];
    expect(at(0, px - x0, py - y0)).toBeGreaterThan(0);
    const area = (k: number) => b.logits.subarray(k * plane, (k + 1) * plane).reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
    expect(area(2)).toBeGreaterThanOrEqual(area(1));
    for (const v of b.iou) expect(v).toBeGreaterThanOrEqual(0);
    for (const v of b.iou) expect(v).toBeLessThanOrEqual(1);

    // The detailed form carries the same scores plus the low-res maps, and can skip upsampling.
    const d = await predictor.predictDetailed(points, false);
    expect(d.batch.iou).toEqual(b.iou);
    expect(d.lowRes.length).toBe(9 * 256 * 256);
    expect(d.batch.logits.length).toBe(0);
  });

  it('rejects an odd number of coordinates', async () => {
    const predictor = new OnnxPredictor(model);
    predictor.setEmbedding(await model.encode({ width: 8, height: 8, data: new Uint8Array(192) }));
    await expect(predictor.predict(new Float64Array([1, 2, 3]))).rejects.toThrow(/flat \(x, y\) pairs/);
  });
});

describe('pruneOutputs', () => {
  it('drops the masks output and the nodes that only fed it', () => {
    const bytes = readFileSync(join(ensureTestModel(modelsDir), 'decoder.onnx'));
    const full = onnxProto.onnx.ModelProto.decode(bytes);
    const pruned = onnxProto.onnx.ModelProto.decode(pruneOutputs(bytes, ['iou_predictions', 'low_res_masks']).bytes);
    expect(pruned.graph!.output!.map((o) => o.name)).toEqual(['iou_predictions', 'low_res_masks']);
    const resizes = (m: onnxProto.onnx.ModelProto) => m.graph!.node!.filter((n) => n.opType === 'Resize').length;
    // The decoder keeps one Resize (nearest, coarse to fine); the two bilinear ones of `masks` go.
    expect(resizes(full) - resizes(pruned)).toBe(2);
    expect(() => pruneOutputs(bytes, ['nope'])).toThrow(/no output "nope"/);
  });
});
