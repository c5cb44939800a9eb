import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../tools/bench/ari';
import { nearestSegments, splitCluster, splitClusterAsync } from './refine';
import { createOrtGemm } from './ort-gemm';
import { randomUnitVectors, sphereBlobs } from '../../tools/bench/cluster-synthetic';

describe('splitCluster', () => {
  // One "class" that is really three sub-blobs (close to each other: centres at cos ~0.8).
  const base = randomUnitVectors(1, 48, 3);
  const offsets = randomUnitVectors(3, 48, 4);
  const centres = new Float32Array(3 * 48);
  for (let c = 0; c < 3; c++) for (let k = 0; k < 48; k++) centres[c * 48 + k] = base[k] + 0.7 * offsets[c * 48 + k];
  const sub = sphereBlobs({ n: 240, classes: 3, dim: 48, spread: 0.15, centres, weights: [3, 2, 1], seed: 8 });
  // Embed them among other segments so indices are not 0..n-1.
  const other = sphereBlobs({ n: 100, classes: 2, dim: 48, spread: 0.2, seed: 9 });
  const vectors = new Float32Array((240 + 100) * 48);
  vectors.set(other.vectors.subarray(0, 50 * 48), 0);
  vectors.set(sub.vectors, 50 * 48);
  vectors.set(other.vectors.subarray(50 * 48), 290 * 48);
  const members = Array.from({ length: 240 }, (_, i) => 50 + i);

  it('recovers the sub-blobs, largest group first, members ascending', () => {
    const groups = splitCluster(vectors, 48, members, 3, { seed: 1 });
    expect(groups.length).toBe(3);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(members);
    const predicted = new Int32Array(240);
    groups.forEach((g, gi) => g.forEach((m) => (predicted[m - 50] = gi)));
    expect(adjustedRandIndex(predicted, sub.labels)).toBeGreaterThan(0.98);
    for (const g of groups) expect([...g].sort((a, b) => a - b)).toEqual(g);
    expect(groups[0].length).toBeGreaterThanOrEqual(groups[1].length);
    expect(groups[1].length).toBeGreaterThanOrEqual(groups[2].length);
  });

  it('is deterministic for a seed, whatever order the members are listed in', () => {
    const a = splitCluster(vectors, 48, members, 3, { seed: 5 });
    const b = splitCluster(vectors, 48, [...members].reverse(), 3, { seed: 5 });
    expect(b).toEqual(a);
  });

  it('k = 2 splits the class along its biggest divide; the native kernel agrees', async () => {
    const g2 = splitCluster(vectors, 48, members, 2, { seed: 2 });
    expect(g2.length).toBe(2);
    // No sub-blob is cut in half: every sub-blob lies inside one of the two groups.
    for (let c = 0; c < 3; c++) {
      const inGroup = g2.map((g) => g.filter((m) => sub.labels[m - 50] === c).length);
      expect(Math.min(...inGroup)).toBe(0);
    }
    const ort = await createOrtGemm({ threads: 1 });
    try {
      expect(await splitClusterAsync(vectors, 48, members, 2, { seed: 2 }, ort.gemm)).toEqual(g2);
    } finally {
      await ort.release();
    }
  });

  it('rejects impossible splits with a clear message', () => {
    expect(() => splitCluster(vectors, 48, [1, 2], 3)).toThrow(/cannot split 2 segments into 3/);
    expect(() => splitCluster(vectors, 48, members, 1)).toThrow(/k must be an integer >= 2/);
    expect(() => splitCluster(vectors, 48, [1, 1, 2], 2)).toThrow(/listed twice/);
    expect(() => splitCluster(vectors, 48, [1, 999], 2)).toThrow(/999 is not a row/);
  });

  it('duplicate members give fewer, non-empty groups', () => {
    const dup = new Float32Array(6 * 4);
    for (let i = 0; i < 6; i++) dup[i * 4 + (i < 3 ? 0 : 1)] = 1;
    const groups = splitCluster(dup, 4, [0, 1, 2, 3, 4, 5], 3);
    expect(groups).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });
});

describe('nearestSegments', () => {
  const b = sphereBlobs({ n: 300, classes: 3, dim: 32, spread: 0.2, seed: 12 });
  const ofClass = (c: number) => [...b.labels.keys()].filter((i) => b.labels[i] === c);

  it('ranks the query class first, most similar first, without the queries themselves', () => {
    const cls = ofClass(1);
    const queries = cls.slice(0, 3);
    const got = nearestSegments(b.vectors, 32, queries, cls.length - 3);
    expect(new Set(got)).toEqual(new Set(cls.slice(3)));
    const mean = new Float64Array(32);
    for (const q of queries) for (let k = 0; k < 32; k++) mean[k] += b.vectors[q * 32 + k];
    const sim = (i: number) => mean.reduce((s, v, k) => s + v * b.vectors[i * 32 + k], 0);
    for (let t = 1; t < got.length; t++) expect(sim(got[t - 1])).toBeGreaterThanOrEqual(sim(got[t]));
  });

  it('honours limit, exclude, includeQueries and minSimilarity', () => {
    const cls = ofClass(0);
    const q = [cls[0]];
    expect(nearestSegments(b.vectors, 32, q, 5).length).toBe(5);
    expect(nearestSegments(b.vectors, 32, q, 1, { includeQueries: true })).toEqual(q);
    const ex = nearestSegments(b.vectors, 32, q, 400, { exclude: cls.slice(1, 10) });
    expect(ex.some((i) => cls.slice(1, 10).includes(i))).toBe(false);
    expect(ex.length).toBe(300 - 1 - 9);
    expect(new Set(nearestSegments(b.vectors, 32, q, 400, { minSimilarity: 0.5 }))).toEqual(new Set(cls.slice(1)));
    expect(() => nearestSegments(b.vectors, 32, [], 3)).toThrow(/at least one segment/);
  });
});
