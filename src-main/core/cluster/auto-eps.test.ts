import { describe, expect, it } from 'vitest';
import { countClusters, adjustedRandIndex } from '../../tools/bench/ari';
import { autoEpsTask, kneeIndex, kneeQueryPositions } from './auto-eps';
import { runSync } from './gemm';
import { buildPartitionTask } from './partition';
import { sphereBlobs } from '../../tools/bench/cluster-synthetic';
import { clusterSegments, clusterSegmentsAsync } from './cluster-segments';
import { loadNativeGemm } from './ort-gemm';

const flatMeta = (n: number) => Array.from({ length: n }, (_, i) => ({ imageId: i % 40, area: 10, imageArea: 1000 }));

describe('kneeIndex', () => {
  it('finds the last point before a jump (flat k-distances, then noise)', () => {
    const curve = [
      ...Array(80)
        .fill(0.05)
        .map((v, i) => v + i * 1e-4),
      ...Array(20).fill(0.9),
    ];
    expect(kneeIndex(curve)).toBe(79);
  });

  it('finds the elbow of a smooth convex curve where it bends', () => {
    // y = x^8 on [0, 1]: the chord distance x - x^8 peaks at x = (1/8)^(1/7) ~ 0.743.
    const curve = Array.from({ length: 1001 }, (_, i) => (i / 1000) ** 8);
    expect(kneeIndex(curve)).toBeGreaterThanOrEqual(738);
    expect(kneeIndex(curve)).toBeLessThanOrEqual(748);
  });

  it('puts the knee of a flat curve at its end and handles tiny inputs', () => {
    expect(kneeIndex([0.3, 0.3, 0.3, 0.3])).toBe(3);
    expect(kneeIndex([0.1])).toBe(0);
    expect(kneeIndex([])).toBe(-1);
  });
});

describe('autoEpsTask', () => {
  it('chooses eps between the class scale and the noise scale', () => {
    const b = sphereBlobs({ n: 800, classes: 6, dim: 64, spread: 0.3, noiseFraction: 0.1, seed: 2 });
    const p = runSync(buildPartitionTask(b.vectors, 64));
    const r = runSync(autoEpsTask(p, { minSamples: 8 }));
    expect(r).not.toBeNull();
    const { eps, kDistances, kneeIndex: knee } = r!;
    // Within a class, cosine distances are ~0.3^2 / (1 + 0.3^2) = 0.083; noise is ~1 away.
    expect(eps).toBeGreaterThan(0.06);
    expect(eps).toBeLessThan(0.3);
    expect(kDistances.length).toBe(800);
    expect(knee / 800).toBeGreaterThan(0.8); // ~90% of points are class members
  });

  it('samples kneeQueries points deterministically and independently of the partition', () => {
    const b = sphereBlobs({ n: 600, classes: 3, dim: 16, seed: 3 });
    const p1 = runSync(buildPartitionTask(b.vectors, 16, { cells: 1 }));
    const p2 = runSync(buildPartitionTask(b.vectors, 16, { cells: 20 }));
    const rows = (p: typeof p1, q: Int32Array) => Array.from(q, (pos) => p.order[pos]).sort((x, y) => x - y);
    const q1 = kneeQueryPositions(p1, 100, 9);
    expect(q1.length).toBe(100);
    expect(rows(p1, q1)).toEqual(rows(p2, kneeQueryPositions(p2, 100, 9)));
    expect(rows(p1, q1)).not.toEqual(rows(p1, kneeQueryPositions(p1, 100, 10)));
  });

  it('keeps a looser class when there is no noise tail (curve scaled to unrelated-pair distance)', () => {
    // Two classes, the second twice as spread, no noise: the curve's top is the loose class.
    const b = sphereBlobs({ n: 400, classes: 2, dim: 64, spread: [0.1, 0.2], seed: 4 });
    const p = runSync(buildPartitionTask(b.vectors, 64));
    const r = runSync(autoEpsTask(p, { minSamples: 8 }))!;
    expect(r.far).toBeGreaterThan(0.5); // most random pairs straddle the two classes
    expect(r.eps).toBeGreaterThanOrEqual(r.kDistances[r.kDistances.length - 1] * 0.99);
    expect(kneeIndex(r.kDistances)).toBeLessThan(r.kneeIndex); // the unscaled knee would cut the loose class
  });

  it('returns null when there are fewer points than minSamples', () => {
    const b = sphereBlobs({ n: 5, classes: 1, dim: 8, seed: 1 });
    expect(runSync(autoEpsTask(runSync(buildPartitionTask(b.vectors, 8)), { minSamples: 8 }))).toBeNull();
  });
});

describe('auto mode finds the known classes across scales (no tuning)', () => {
  const cases = [
    { name: '200 segments, tight classes', n: 200, classes: 5, dim: 256, spread: 0.2, noiseFraction: 0.15 },
    { name: '200 segments, loose classes', n: 200, classes: 5, dim: 256, spread: 0.5, noiseFraction: 0.15 },
    { name: '300 segments, no noise', n: 300, classes: 6, dim: 64, spread: 0.3, noiseFraction: 0 },
    {
      name: '2,500 segments, 12 classes of 4 different spreads',
      n: 2500,
      classes: 12,
      dim: 128,
      spread: [0.15, 0.2, 0.3, 0.4, 0.15, 0.2, 0.3, 0.4, 0.15, 0.2, 0.3, 0.4],
      noiseFraction: 0.1,
    },
  ];
  it.each(cases)('$name', (c) => {
    const b = sphereBlobs({ ...c, seed: 7 });
    const r = clusterSegments({ vectors: b.vectors, dim: c.dim, meta: flatMeta(c.n) }, { mode: 'auto' });
    expect(r.classes.length).toBe(c.classes);
    expect(countClusters(r.labels)).toBe(c.classes);
    expect(adjustedRandIndex(r.labels, b.labels)).toBeGreaterThan(0.98);
    // Noise stays noise.
    for (let i = 0; i < c.n; i++) if (b.labels[i] < 0) expect(r.labels[i]).toBe(-1);
  });

  it('20,000 segments, 60 classes, with the native kernel', async () => {
    const b = sphereBlobs({ n: 20_000, classes: 60, dim: 256, spread: 0.3, noiseFraction: 0.05, seed: 8 });
    const native = await loadNativeGemm();
    const r = await clusterSegmentsAsync({ vectors: b.vectors, dim: 256, meta: flatMeta(20_000) }, { mode: 'auto' }, native.gemm);
    expect(r.classes.length).toBe(60);
    expect(adjustedRandIndex(r.labels, b.labels)).toBeGreaterThan(0.99);
  });

  it("the seed's fixed eps 0.06 fails on the loose classes that auto mode finds", () => {
    const b = sphereBlobs({ ...cases[1], seed: 7 });
    const r = clusterSegments({ vectors: b.vectors, dim: 256, meta: flatMeta(200) }, { mode: 'dbscan' });
    expect(r.classes.length).toBe(0);
  });
});
