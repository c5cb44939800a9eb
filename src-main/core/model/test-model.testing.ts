// Test support (imported by *.test.ts only): the generated test-sam model, written into a fresh
// temporary models folder before the file's tests and released and removed after them, so test
// files never share or race on one models folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { generatePizzaScene, type PizzaScene } from '../../tools/synth/pizza';
import { segmentEmbedding } from '../embed/segment-embedding';
import type { BinaryMask, ImageEmbedding } from '../types';
import { interiorPoint } from './interior-point';
import { loadModel, type LoadModelOptions, type SamModel } from './runtime';

/** Registers the hooks; call the returned function inside a test to get the loaded model. */
export function useTestSam(prefix: string): () => SamModel {
  const tmp = mkdtempSync(join(tmpdir(), `samantic-${prefix}-`));
  let model: SamModel | undefined;
  beforeAll(async () => {
    model = await loadModel('test-sam', { modelsDir: join(tmp, 'models'), device: 'cpu' });
  });
  afterAll(async () => {
    await model?.release();
    rmSync(tmp, { recursive: true, force: true });
  });
  return () => {
    if (!model) throw new Error('test-sam is not loaded yet: call the getter inside a test, not at module level');
    return model;
  };
}

/** IoU of the mask `logits > 0` (one mask starting at `offset`, same size as gt) with a ground truth mask. */
export function logitsIou(logits: Float32Array, offset: number, gt: BinaryMask): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < gt.data.length; i++) {
    const a = logits[offset + i] > 0;
    const b = gt.data[i] === 1;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/** What an adapter test works on: the model under test, test-sam beside it, one scene encoded. */
export interface AdapterFixture {
  readonly tmp: string;
  readonly scene: PizzaScene;
  readonly model: SamModel;
  readonly sam1: SamModel;
  /** The scene's image encoded by the model under test. */
  readonly embedding: ImageEmbedding;
}

/**
 * Registers the hooks that load a generated stand-in (`id`) and test-sam (with `sam1Options`) into a
 * fresh models folder and encode pizza scene 11 with the stand-in; read the fields inside tests.
 */
export function useAdapterFixture(id: string, prefix: string, sam1Options: LoadModelOptions = {}): AdapterFixture {
  const tmp = mkdtempSync(join(tmpdir(), `samantic-${prefix}-`));
  const modelsDir = join(tmp, 'models');
  const scene = generatePizzaScene({ seed: 11 });
  let loaded: { model: SamModel; sam1: SamModel; embedding: ImageEmbedding } | undefined;
  beforeAll(async () => {
    const model = await loadModel(id, { modelsDir, device: 'cpu', intraOpNumThreads: 1 });
    const sam1 = await loadModel('test-sam', { modelsDir, device: 'cpu', intraOpNumThreads: 1, ...sam1Options });
    loaded = { model, sam1, embedding: await model.encode(scene.image) };
  }, 120_000);
  afterAll(async () => {
    await Promise.all([loaded?.model.release(), loaded?.sam1.release()]);
    rmSync(tmp, { recursive: true, force: true });
  });
  const get = () => {
    if (!loaded) throw new Error(`${id} is not loaded yet: read the fixture inside a test, not at module level`);
    return loaded;
  };
  return {
    tmp,
    scene,
    get model() {
      return get().model;
    },
    get sam1() {
      return get().sam1;
    },
    get embedding() {
      return get().embedding;
    },
  };
}

/** Largest absolute difference of two equally long arrays (vitest's deep equality is slow on big typed arrays). */
export function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** One click inside each of the first six instances: full-size multimask results, the best IoU each. */
export async function bestClickIous(fx: AdapterFixture, tokens: number[]): Promise<number[]> {
  const { width: W, height: H } = fx.scene.image;
  const scores: number[] = [];
  for (const inst of fx.scene.instances.slice(0, 6)) {
    const r = await fx.model.decode(fx.embedding, [{ points: [interiorPoint(inst.mask)!] }], { tokens: 'multimask' });
    expect([r.n, r.m, r.width, r.height]).toEqual([1, 3, W, H]);
    expect(r.tokens).toEqual(tokens);
    scores.push(Math.max(...[0, 1, 2].map((j) => logitsIou(r.masks!, j * W * H, inst.mask))));
  }
  return scores;
}

/** Segment embeddings of the scene's instances: two pepperoni are closer than a pepperoni and anything else. */
export function expectCategoriesApart(fx: AdapterFixture): void {
  const cos = (a: Float32Array, b: Float32Array) => a.reduce((t, x, i) => t + x * b[i], 0);
  const byCat = new Map<string, Float32Array[]>();
  for (const inst of fx.scene.instances) {
    const v = segmentEmbedding(fx.embedding, inst.mask);
    if (!v) continue;
    expect(v.length).toBe(256);
    byCat.set(inst.category, [...(byCat.get(inst.category) ?? []), v]);
  }
  const pepperoni = byCat.get('pepperoni')!;
  expect(pepperoni.length).toBeGreaterThan(1);
  const same = cos(pepperoni[0], pepperoni[1]);
  for (const [cat, vs] of byCat) if (cat !== 'pepperoni') expect(cos(pepperoni[0], vs[0])).toBeLessThan(same);
}
