// Does test-sam behave like a (colour-minded) SAM on the synthetic pizzas? Clicks on ground-truth
// instances, best of the three multimask outputs, as SAM's own evaluation does.

import { describe, expect, it } from 'vitest';
import { generatePizzaScene, type PizzaScene } from '../../../tools/synth/pizza';
import type { BinaryMask, ImageEmbedding } from '../../types';
import { interiorPoint } from '../interior-point';
import { logitsIou, useTestSam } from '../test-model.testing';

const testSam = useTestSam('quality');

/** Coverage-weighted mean of the patch embeddings under a mask, L2-normalised. */
function segmentVector(e: ImageEmbedding, mask: BinaryMask): Float64Array {
  const { channels: C, gridW, gridH, transform: t } = e;
  const cell = t.frameSize / gridW;
  const weights = new Float64Array(gridW * gridH);
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      const gx = Math.floor(((x + 0.5) * t.resizedWidth) / t.origWidth / cell);
      const gy = Math.floor(((y + 0.5) * t.resizedHeight) / t.origHeight / cell);
      weights[gy * gridW + gx] += 1;
    }
  }
  const v = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let k = 0; k < weights.length; k++) if (weights[k] > 0) s += weights[k] * e.data[c * weights.length + k];
    v[c] = s;
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const cosine = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

/** SAM's stability score with its default offset of 1 logit (automatic_mask_generator.py). */
function stability(logits: Float32Array, offset: number, plane: number): number {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < plane; i++) {
    if (logits[offset + i] > 1) hi++;
    if (logits[offset + i] > -1) lo++;
  }
  return lo === 0 ? 0 : hi / lo;
}

/**
 * Per instance: the best IoU of the three multimask outputs, and the best IoU among the outputs that
 * pass SAM's default AMG filters (pred_iou_thresh 0.88, stability_score_thresh 0.95).
 */
async function bestIous(scene: PizzaScene, category: string): Promise<{ any: number; kept: number }[]> {
  const embedding = await testSam().encode(scene.image);
  const insts = scene.instances.filter((i) => i.category === category);
  const r = await testSam().decode(
    embedding,
    insts.map((i) => ({ points: [interiorPoint(i.mask)!] })),
    { tokens: 'multimask' },
  );
  const plane = r.width * r.height;
  return insts.map((inst, k) => {
    let any = 0;
    let kept = 0;
    for (let j = 0; j < 3; j++) {
      const off = (k * 3 + j) * plane;
      const v = logitsIou(r.masks!, off, inst.mask);
      any = Math.max(any, v);
      if (r.iou[k * 3 + j] > 0.88 && stability(r.masks!, off, plane) >= 0.95) kept = Math.max(kept, v);
    }
    return { any, kept };
  });
}

describe('test-sam on synthetic pizzas', () => {
  it('a click inside a pepperoni gives its mask (IoU >= 0.85) for most slices, with plausible scores', async () => {
    const all: { any: number; kept: number }[] = [];
    for (const seed of [1, 2, 3]) all.push(...(await bestIous(generatePizzaScene({ seed }), 'pepperoni')));
    const good = all.filter((v) => v.any >= 0.85).length;
    const keptGood = all.filter((v) => v.kept >= 0.85).length;
    const mean = all.reduce((a, b) => a + b.any, 0) / all.length;
    console.info(
      `pepperoni over ${all.length} slices: best-of-3 IoU mean ${mean.toFixed(3)}, >= 0.85: ${good}, ` +
        `min ${Math.min(...all.map((v) => v.any)).toFixed(2)}; passing SAM's default filters with IoU >= 0.85: ${keptGood}`,
    );
    expect(all.length).toBeGreaterThanOrEqual(18);
    expect(good / all.length).toBeGreaterThanOrEqual(0.75);
    expect(mean).toBeGreaterThan(0.85);
    // The scores mean something: the AMG's default thresholds keep the good masks of most slices.
    expect(keptGood / all.length).toBeGreaterThanOrEqual(0.7);
  });

  it('a click on the cheese does not leak into the pepperoni', async () => {
    const scene = generatePizzaScene({ seed: 4 });
    const cheese = scene.instances.find((i) => i.category === 'cheese')!;
    const pepperoni = new Uint8Array(cheese.mask.data.length);
    let pepArea = 0;
    for (const inst of scene.instances.filter((i) => i.category === 'pepperoni')) {
      inst.mask.data.forEach((v, i) => {
        if (v) pepperoni[i] = 1;
      });
      pepArea += inst.area;
    }
    const embedding = await testSam().encode(scene.image);
    const r = await testSam().decode(embedding, [{ points: [interiorPoint(cheese.mask)!] }], { tokens: 'multimask' });
    const plane = r.width * r.height;
    for (let j = 0; j < 3; j++) {
      let leak = 0;
      for (let i = 0; i < plane; i++) if (r.masks![j * plane + i] > 0 && pepperoni[i]) leak++;
      expect(leak / pepArea).toBeLessThan(0.01);
    }
    // ...while the widest mask is still most of the cheese.
    expect(logitsIou(r.masks!, 2 * plane, cheese.mask)).toBeGreaterThan(0.85);
  });

  it('embeds two pepperoni closer to each other than to basil or cheese', async () => {
    const scene = generatePizzaScene({ seed: 5 });
    const embedding = await testSam().encode(scene.image);
    const of = (c: string) => scene.instances.filter((i) => i.category === c).sort((a, b) => b.area - a.area);
    const [p1, p2] = of('pepperoni');
    const v1 = segmentVector(embedding, p1.mask);
    const v2 = segmentVector(embedding, p2.mask);
    const same = cosine(v1, v2);
    expect(same).toBeGreaterThan(cosine(v1, segmentVector(embedding, of('basil')[0].mask)));
    expect(same).toBeGreaterThan(cosine(v1, segmentVector(embedding, of('cheese')[0].mask)));
    expect(same).toBeGreaterThan(0.9);
  });

  it('embeds each olive ring closer to another olive than to any basil leaf, over cheese or pepperoni alike', async () => {
    // Thin rings cover only part of each 16 px patch; the histogram features (params.ts) keep their
    // material visible under the mix. Two scenes so the olives include both colour variants.
    let checked = 0;
    for (const seed of [3, 8]) {
      const scene = generatePizzaScene({ seed });
      const embedding = await testSam().encode(scene.image);
      const vectors = (c: string) => scene.instances.filter((i) => i.category === c).map((i) => segmentVector(embedding, i.mask));
      const olives = vectors('olive');
      const basil = vectors('basil');
      expect(olives.length).toBeGreaterThan(2);
      for (const [i, o] of olives.entries()) {
        const nearestOlive = Math.max(...olives.filter((_, j) => j !== i).map((x) => cosine(o, x)));
        const nearestBasil = Math.max(...basil.map((x) => cosine(o, x)));
        expect(nearestOlive).toBeGreaterThan(nearestBasil);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});
