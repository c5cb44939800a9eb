// The interactive protocol against the decoder contract: what reaches the ONNX session (frame
// coordinates, pad point, box corners, mask_input chain), which token is kept, and test-sam's
// real answers to points and boxes.
import type ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { rleToMask } from '../mask';
import { DecoderRunner } from '../model/decode';
import { testModelDescriptor } from '../model/testsam/generate';
import type { SamModel } from '../model/runtime';
import { useTestSam } from '../model/test-model.testing';
import type { ImageEmbedding, RgbImage } from '../types';
import { decodeInteractive, maskToLowResLogits, MASK_INPUT_LOGIT, wantsMultimask } from './interactive';

const L = 256;
// An 800 x 500 image: s = 1024 / 800, resized 1024 x 640.
const transform = { origWidth: 800, origHeight: 500, scale: 1.28, resizedWidth: 1024, resizedHeight: 640, frameSize: 1024 };
const embedding: ImageEmbedding = { data: new Float32Array(256 * 64 * 64), channels: 256, gridH: 64, gridW: 64, transform };

/** A fake official decoder session: records the feeds; token k's low-res logits are +1 in column k, iou = scores[k]. */
function fakeSession(scores: number[]) {
  const calls: Record<string, { data: Float32Array; dims: readonly number[] }>[] = [];
  const session = {
    inputNames: ['image_embeddings', 'point_coords', 'point_labels', 'mask_input', 'has_mask_input', 'orig_im_size'],
    async run(feeds: Record<string, ort.Tensor>) {
      calls.push(
        Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { data: Float32Array.from(t.data as Float32Array), dims: t.dims }])),
      );
      const low = new Float32Array(4 * L * L).fill(-1);
      for (let k = 0; k < 4; k++) for (let y = 0; y < L; y++) low[k * L * L + y * L + k] = 1;
      const { Tensor } = (await import('onnxruntime-node')).default;
      return {
        low_res_masks: new Tensor('float32', low, [1, 4, L, L]),
        iou_predictions: new Tensor('float32', Float32Array.from(scores), [1, 4]),
      };
    },
  };
  return { session: session as unknown as ort.InferenceSession, calls };
}

function fakeModel(scores: number[]) {
  const spec = testModelDescriptor().decoders.find((d) => d.id === 'official')!;
  const { session, calls } = fakeSession(scores);
  const runner = new DecoderRunner(session, spec, { channels: 256, gridH: 64, gridW: 64 });
  const model = { decoder: spec, decode: (e, p, o) => runner.decode(e, p, o) } as Pick<SamModel, 'decoder' | 'decode'> as SamModel;
  return { model, calls };
}

describe('interactive protocol (decoder feeds)', () => {
  it('first click: frame coordinates, a pad point, no mask input, multimask outputs, best score kept', async () => {
    const { model, calls } = fakeModel([0.99, 0.5, 0.9, 0.7]);
    const r = await decodeInteractive(model, embedding, { points: [[100, 50]] });
    expect(calls).toHaveLength(1);
    const f = calls[0];
    expect(f.point_coords.dims).toEqual([1, 2, 2]);
    expect([...f.point_coords.data]).toEqual([128, 64, 0, 0]);
    expect([...f.point_labels.data]).toEqual([1, -1]);
    expect([...f.has_mask_input.data]).toEqual([0]);
    expect(f.mask_input.data.every((v) => v === 0)).toBe(true);
    expect([...f.orig_im_size.data]).toEqual([500, 800]);
    // Multimask tokens are 1..3: token 2 scores best among them (token 0's 0.99 is not a candidate).
    expect(r.token).toBe(2);
    expect(r.score).toBeCloseTo(0.9);
    expect(r.lowRes[0 * L + 2]).toBe(1);
    expect(r.lowRes[0 * L + 1]).toBe(-1);
  });

  it('later clicks: single-mask output, previous logits as mask_input with has_mask_input = 1', async () => {
    const { model, calls } = fakeModel([0.3, 0.5, 0.9, 0.7]);
    const first = await decodeInteractive(model, embedding, { points: [[100, 50]] });
    const second = await decodeInteractive(model, embedding, {
      points: [
        [100, 50],
        [400, 300],
      ],
      labels: [1, 0],
      previous: first.lowRes,
    });
    const f = calls[1];
    expect([...f.point_coords.data]).toEqual([128, 64, 512, 384, 0, 0]);
    expect([...f.point_labels.data]).toEqual([1, 0, -1]);
    expect([...f.has_mask_input.data]).toEqual([1]);
    expect(f.mask_input.dims).toEqual([1, 1, L, L]);
    expect([...f.mask_input.data]).toEqual([...first.lowRes]);
    expect(second.token).toBe(0);
  });

  it('a box goes in as corners labelled 2 and 3 with no pad point', async () => {
    const { model, calls } = fakeModel([0.3, 0.5, 0.9, 0.7]);
    const r = await decodeInteractive(model, embedding, { box: [10, 20, 300, 400] });
    const f = calls[0];
    expect([...f.point_coords.data]).toEqual([12.8, 25.6, 384, 512].map((v) => Math.fround(v)));
    expect([...f.point_labels.data]).toEqual([2, 3]);
    expect(r.token).toBe(0);
    expect(wantsMultimask({ box: [0, 0, 1, 1] })).toBe(false);
    expect(wantsMultimask({ points: [[1, 1]] })).toBe(true);
  });

  it('points with a box: points first, then the corners', async () => {
    const { model, calls } = fakeModel([0.3, 0.5, 0.9, 0.7]);
    await decodeInteractive(model, embedding, { points: [[100, 50]], labels: [0], box: [10, 20, 300, 400] });
    expect([...calls[0].point_labels.data]).toEqual([0, 2, 3]);
  });

  it('rejects an empty prompt before decoding', async () => {
    const { model, calls } = fakeModel([0, 0, 0, 0]);
    await expect(decodeInteractive(model, embedding, { points: [] })).rejects.toThrow(/at least one point or a box/);
    expect(calls).toHaveLength(0);
  });

  it('a segment mask becomes mask_input logits on the low-res frame grid', () => {
    // Left half of the image (x < 400) -> frame x < 512 -> low-res columns < 128; rows < 160 hold image.
    const counts = [0, 400 * 500, 400 * 500];
    const logits = maskToLowResLogits({ size: [500, 800], counts }, embedding, L);
    expect(logits[10 * L + 5]).toBe(MASK_INPUT_LOGIT);
    expect(logits[10 * L + 127]).toBe(MASK_INPUT_LOGIT);
    expect(logits[10 * L + 128]).toBe(-MASK_INPUT_LOGIT);
    expect(logits[200 * L + 5]).toBe(-MASK_INPUT_LOGIT); // padding below the image
  });
});

// Real decoding with test-sam on a painted scene: two discs on a plain background.
const testSam = useTestSam('interactive');
const W = 320;
const H = 240;
function scene(): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inA = (x + 0.5 - 90) ** 2 + (y + 0.5 - 120) ** 2 <= 50 ** 2;
      const inB = (x + 0.5 - 230) ** 2 + (y + 0.5 - 120) ** 2 <= 40 ** 2;
      const c = inA ? [200, 40, 30] : inB ? [40, 60, 200] : [230, 225, 200];
      const ripple = ((x * 7 + y * 13) % 7) - 3;
      for (let k = 0; k < 3; k++) data[(y * W + x) * 3 + k] = c[k] + ripple;
    }
  }
  return { width: W, height: H, data };
}
function discIou(rle: Parameters<typeof rleToMask>[0], cx: number, cy: number, r: number): number {
  const m = rleToMask(rle);
  let inter = 0;
  let union = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const g = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r;
      const p = m.data[y * W + x] === 1;
      if (g && p) inter++;
      if (g || p) union++;
    }
  }
  return inter / union;
}

describe('interactive decoding with test-sam', () => {
  it('a click, a second positive click, and a box each give the intended discs', async () => {
    const model = testSam();
    const e = await model.encode(scene());
    const one = await decodeInteractive(model, e, { points: [[90, 120]] });
    expect(discIou(one.rle, 90, 120, 50)).toBeGreaterThan(0.85);
    const two = await decodeInteractive(model, e, {
      points: [
        [90, 120],
        [230, 120],
      ],
      previous: one.lowRes,
    });
    expect(discIou(two.rle, 230, 120, 40)).toBeLessThan(0.9); // both discs now
    expect(two.area).toBeGreaterThan(one.area * 1.4);
    const boxed = await decodeInteractive(model, e, { box: [190, 80, 270, 160] });
    expect(discIou(boxed.rle, 230, 120, 40)).toBeGreaterThan(0.85);
  });

  it("gives the same pixels as SAM's dense postprocessing of the kept token", async () => {
    const model = testSam();
    const e = await model.encode(scene());
    const r = await decodeInteractive(model, e, { points: [[90, 120]] });
    const dense = await model.decode(e, [{ points: [[90, 120]] }], { tokens: 'all', fullResolution: true });
    const k = dense.tokens.indexOf(r.token);
    const plane = W * H;
    const m = rleToMask(r.rle);
    let differ = 0;
    for (let p = 0; p < plane; p++) if ((dense.masks![k * plane + p] > 0 ? 1 : 0) !== m.data[p]) differ++;
    expect(differ).toBe(0);
    expect(r.area).toBeGreaterThan(0);
  });

  it('a box limits the mask: a loose box on the background stays inside the box', async () => {
    const model = testSam();
    const e = await model.encode(scene());
    const r = await decodeInteractive(model, e, { box: [150, 20, 310, 60] });
    const m = rleToMask(r.rle);
    let outside = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (m.data[y * W + x] && (x < 146 || x > 314 || y < 16 || y > 64)) outside++;
    expect(r.area).toBeGreaterThan(0);
    expect(outside).toBe(0);
  });
});

describe('a box on the synthetic pizzas (test-sam)', () => {
  it('one box around the pizza gives its crust at IoU >= 0.8', async () => {
    const { generatePizzaScene } = await import('../../tools/synth/pizza');
    const model = testSam();
    const ious: number[] = [];
    for (const seed of [1, 2, 3]) {
      const scene = generatePizzaScene({ seed });
      const crust = scene.instances.find((i) => i.category === 'crust')!;
      const [x, y, w, h] = crust.bbox;
      const e = await model.encode(scene.image);
      const r = await decodeInteractive(model, e, { box: [x, y, x + w - 1, y + h - 1] });
      const m = rleToMask(r.rle);
      let inter = 0;
      let union = 0;
      for (let p = 0; p < m.data.length; p++) {
        if (m.data[p] && crust.mask.data[p]) inter++;
        if (m.data[p] || crust.mask.data[p]) union++;
      }
      ious.push(inter / union);
    }
    expect(Math.min(...ious), `IoUs ${ious.map((v) => v.toFixed(3)).join(', ')}`).toBeGreaterThanOrEqual(0.8);
  });
});
