import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { adjustedRandIndex } from '../../tools/bench/ari';
import { clusterSegments, clusterSegmentsAsync, orderBySize, type SegmentMeta } from './cluster-segments';
import { createOrtGemm } from './ort-gemm';
import { CLASS_PALETTE } from '../labels/palette';
import { gaussian, randomUnitVectors, sphereBlobs } from '../../tools/bench/cluster-synthetic';

const flatMeta = (n: number): SegmentMeta[] => Array.from({ length: n }, (_, i) => ({ imageId: i % 30, area: 50, imageArea: 10_000 }));

/**
 * 24 pizza photos. Per image: 4 pepperoni and 3 dough segments (small, inside the pizza's box), the
 * pizza itself (30% of the image, its embedding mostly pepperoni: 0.9 P + 0.1 D), and a whole-image
 * background mask (90%, half and half).
 */
function pizzaFolder(seed: number) {
  const dim = 64;
  const [P, D] = [randomUnitVectors(1, dim, seed), randomUnitVectors(1, dim, seed + 1)];
  const g = gaussian(mulberry32(seed + 2));
  const rows: number[][] = [];
  const meta: SegmentMeta[] = [];
  const kind: string[] = [];
  const add = (k: string, wP: number, wD: number, spread: number, m: SegmentMeta) => {
    const v = Array.from({ length: dim }, (_, t) => wP * P[t] + wD * D[t] + (spread * g()) / Math.sqrt(dim));
    const norm = Math.hypot(...v);
    rows.push(v.map((x) => x / norm));
    meta.push(m);
    kind.push(k);
  };
  for (let img = 0; img < 24; img++) {
    const imageArea = 100 * 100;
    for (let t = 0; t < 4; t++) add('pepperoni', 1, 0, 0.15, { imageId: img, area: 80, imageArea, bbox: [20 + 10 * t, 30, 9, 9] });
    for (let t = 0; t < 3; t++) add('dough', 0, 1, 0.15, { imageId: img, area: 90, imageArea, bbox: [25 + 12 * t, 50, 10, 9] });
    add('pizza', 0.9, 0.1, 0.05, { imageId: img, area: 3000, imageArea, bbox: [15, 20, 60, 55] });
    add('background', 0.5, 0.5, 0.05, { imageId: img, area: 9000, imageArea, bbox: [0, 0, 100, 100] });
  }
  return { vectors: Float32Array.from(rows.flat()), dim, meta, kind };
}

function labelsOf(kind: string[], labels: Int32Array, k: string): number[] {
  return [...new Set(kind.flatMap((x, i) => (x === k ? [labels[i]] : [])))];
}

describe('clusterSegments: nested segments', () => {
  const f = pizzaFolder(5);

  it("clustered together ('none', the seed's way), the pizzas fall into the pepperoni class", () => {
    const r = clusterSegments(f, { mode: 'auto', nested: 'none' });
    const pep = labelsOf(f.kind, r.labels, 'pepperoni');
    expect(pep.length).toBe(1);
    expect(labelsOf(f.kind, r.labels, 'pizza')).toContain(pep[0]);
    expect(Array.from(r.container).every((c) => c === 0)).toBe(true);
  });

  it("'separate' (default): containers form their own classes, never a class of their parts", () => {
    const r = clusterSegments(f, { mode: 'auto' });
    f.kind.forEach((k, i) => expect(r.container[i]).toBe(k === 'pizza' || k === 'background' ? 1 : 0));
    const pep = labelsOf(f.kind, r.labels, 'pepperoni');
    const dough = labelsOf(f.kind, r.labels, 'dough');
    const pizza = labelsOf(f.kind, r.labels, 'pizza');
    const bg = labelsOf(f.kind, r.labels, 'background');
    for (const group of [pep, dough, pizza, bg]) expect(group.length).toBe(1);
    expect(new Set([pep[0], dough[0], pizza[0], bg[0]]).size).toBe(4);
    expect(r.classes.map((c) => c.size)).toEqual([96, 72, 24, 24]);
    expect(r.groups.map((g) => [g.name, g.size])).toEqual([
      ['things', 168],
      ['containers', 48],
    ]);
  });

  it("'exclude' leaves containers unlabelled; the area rule alone works without boxes", () => {
    const r = clusterSegments(f, { mode: 'auto', nested: 'exclude' });
    f.kind.forEach((k, i) => (k === 'pizza' || k === 'background' ? expect(r.labels[i]).toBe(-1) : undefined));
    expect(r.classes.length).toBe(2);
    const noBoxes = { ...f, meta: f.meta.map(({ bbox: _b, ...m }) => m) };
    const byArea = clusterSegments(noBoxes, { mode: 'auto', nested: 'exclude' });
    f.kind.forEach((k, i) => expect(byArea.container[i]).toBe(k === 'background' ? 1 : 0));
  });
});

describe('clusterSegments: classes', () => {
  const sizes = [5, 4, 3, 2, 1];
  const b = sphereBlobs({ n: 900, classes: 5, dim: 32, spread: 0.25, weights: sizes, noiseFraction: 0.05, seed: 9 });

  it('orders classes by size with stable default names and palette colours', () => {
    const r = clusterSegments({ vectors: b.vectors, dim: 32, meta: flatMeta(900) }, { mode: 'auto' });
    expect(r.classes.map((c) => c.index)).toEqual([0, 1, 2, 3, 4]);
    expect(r.classes.map((c) => c.name)).toEqual(['class 1', 'class 2', 'class 3', 'class 4', 'class 5']);
    expect(r.classes.map((c) => c.color)).toEqual(CLASS_PALETTE.slice(0, 5));
    const s = r.classes.map((c) => c.size);
    expect([...s].sort((x, y) => y - x)).toEqual(s);
    for (const c of r.classes) expect(r.labels.filter((l) => l === c.index).length).toBe(c.size);
    expect(adjustedRandIndex(r.labels, b.labels)).toBeGreaterThan(0.98);
    // class 1 is the truth's biggest class (weight 5)
    const members = [...r.labels.keys()].filter((i) => r.labels[i] === 0);
    expect(new Set(members.map((i) => b.labels[i]))).toEqual(new Set([0]));
  });

  it('is deterministic, does not depend on input order, and the onnxruntime kernel agrees', async () => {
    const input = { vectors: b.vectors, dim: 32, meta: flatMeta(900) };
    const r1 = clusterSegments(input, { mode: 'auto' });
    const r2 = clusterSegments(input, { mode: 'auto' });
    expect(Array.from(r2.labels)).toEqual(Array.from(r1.labels));
    expect(r2.classes).toEqual(r1.classes);
    // Reversed input: the same segments end up in the same named classes.
    const rev = Float32Array.from({ length: 900 * 32 }, (_, k) => b.vectors[(899 - Math.floor(k / 32)) * 32 + (k % 32)]);
    const r3 = clusterSegments({ vectors: rev, dim: 32, meta: flatMeta(900) }, { mode: 'auto' });
    expect(Array.from(r3.labels).reverse()).toEqual(Array.from(r1.labels));
    const ort = await createOrtGemm({ threads: 1 });
    try {
      const r4 = await clusterSegmentsAsync(input, { mode: 'auto' }, ort.gemm);
      expect(Array.from(r4.labels)).toEqual(Array.from(r1.labels));
      expect(r4.groups[0].eps).toBeCloseTo(r1.groups[0].eps as number, 5);
    } finally {
      await ort.release();
    }
  });

  it("'dbscan' mode uses the seed's preset by default and reports what it used", () => {
    const r = clusterSegments({ vectors: b.vectors, dim: 32, meta: flatMeta(900) }, { mode: 'dbscan' });
    expect(r.groups[0]).toMatchObject({ name: 'things', eps: 0.06, minSamples: 8, approximate: false });
    const loose = clusterSegments({ vectors: b.vectors, dim: 32, meta: flatMeta(900) }, { mode: 'dbscan', eps: 1.5, minSamples: 3 });
    expect(loose.classes.length).toBe(1); // everything within 1.5 of everything: one class
  });

  it('normalises unnormalised input and rejects what cannot be clustered, saying what to do', () => {
    const scaled = b.vectors.map((v) => v * 3);
    const a = clusterSegments({ vectors: scaled, dim: 32, meta: flatMeta(900) }, { mode: 'auto' });
    const c = clusterSegments({ vectors: b.vectors, dim: 32, meta: flatMeta(900) }, { mode: 'auto' });
    expect(adjustedRandIndex(a.labels, c.labels)).toBeGreaterThan(0.999);
    const zero = b.vectors.slice();
    zero.fill(0, 32 * 7, 32 * 8);
    expect(() => clusterSegments({ vectors: zero, dim: 32, meta: flatMeta(900) }, { mode: 'auto' })).toThrow(/#7 is all zeros/);
    expect(() => clusterSegments({ vectors: b.vectors, dim: 32, meta: flatMeta(5) }, { mode: 'auto' })).toThrow(/5 entries for 900/);
    // @ts-expect-error wrong mode on purpose
    expect(() => clusterSegments({ vectors: b.vectors, dim: 32, meta: flatMeta(900) }, { mode: 'kmeans' })).toThrow(/mode must be/);
    expect(clusterSegments({ vectors: new Float32Array(0), dim: 32, meta: [] }, { mode: 'auto' }).classes).toEqual([]);
  });
});

describe('orderBySize', () => {
  it('renumbers by decreasing size, ties by first member, drops empty clusters', () => {
    const r = orderBySize(Int32Array.of(2, 0, 0, -1, 2, 1, 3, 3), 5);
    expect(Array.from(r.labels)).toEqual([0, 1, 1, -1, 0, 3, 2, 2]);
    expect(r.sizes).toEqual([2, 2, 2, 1]);
  });
});
