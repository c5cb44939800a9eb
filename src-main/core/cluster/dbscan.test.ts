import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { adjustedRandIndex, countClusters } from '../../tools/bench/ari';
import { dbscan, dbscanAsync, dbscanTask, SEED_DBSCAN_PRESET } from './dbscan';
import { jsGemm, runSync } from './gemm';
import { createOrtGemm } from './ort-gemm';
import { buildPartitionTask } from './partition';
import { sphereBlobs } from '../../tools/bench/cluster-synthetic';

/** Textbook sequential DBSCAN (scikit-learn's dbscan_inner), all pairs in float64: the reference. */
function referenceDbscan(v: Float32Array, dim: number, eps: number, minSamples: number): Int32Array {
  const n = v.length / dim;
  const nb: number[][] = [];
  for (let i = 0; i < n; i++) {
    nb.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += v[i * dim + k] * v[j * dim + k];
      if (s >= 1 - eps || i === j) nb[i].push(j);
    }
  }
  const labels = new Int32Array(n).fill(-1);
  const core = nb.map((l) => l.length >= minSamples);
  let label = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -1 || !core[i]) continue;
    const stack = [i];
    labels[i] = label;
    while (stack.length) {
      const p = stack.pop() as number;
      if (!core[p]) continue;
      for (const q of nb[p]) {
        if (labels[q] === -1) {
          labels[q] = label;
          stack.push(q);
        }
      }
    }
    label++;
  }
  return labels;
}

/** Points on a circle in the first two dimensions: chains and borders on purpose. */
function ringData(n: number, dim: number, seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const v = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = rnd() < 0.5 ? rnd() * 1.2 : 3 + rnd() * 0.8; // two arcs
    v[i * dim] = Math.cos(t);
    v[i * dim + 1] = Math.sin(t);
  }
  return v;
}

describe('dbscan', () => {
  it('equals a textbook sequential DBSCAN on arcs with chains, borders and noise', () => {
    for (const [seed, eps, minSamples] of [
      [1, 0.002, 4],
      [2, 0.0005, 3],
      [3, 0.004, 8],
    ] as const) {
      const v = ringData(300, 3, seed);
      const ref = referenceDbscan(v, 3, eps, minSamples);
      expect(Array.from(dbscan(v, 3, { eps, minSamples }))).toEqual(Array.from(ref));
      expect(countClusters(ref)).toBeGreaterThan(0);
    }
  });

  it('a border point between two clusters joins the one expanded first (lowest label), as sklearn does', () => {
    // On the unit circle (angles in radians, eps = 0.031 of arc): A is 4 points in [0, 0.015] plus
    // an outrider at 0.04, B the mirror image around 0.065, x sits at 0.065. x reaches only the two
    // outriders (0.025 away): 3 points with itself, a border point; the outriders are core
    // (their cluster's 0.01 and 0.015 plus x); A and B (0.05 apart) stay two clusters.
    const at = (t: number) => [Math.cos(t), Math.sin(t)];
    const a = [0, 0.005, 0.01, 0.015, 0.04];
    const b = a.map((t) => 0.13 - t);
    const eps = 1 - Math.cos(0.031);
    for (const order of [
      ['x', ...a.map(() => 'a'), ...b.map(() => 'b')],
      ['x', ...b.map(() => 'b'), ...a.map(() => 'a')],
    ]) {
      let ia = 0;
      let ib = 0;
      const angles = order.map((k) => (k === 'x' ? 0.065 : k === 'a' ? a[ia++] : b[ib++]));
      const v = Float32Array.from(angles.flatMap(at));
      const labels = dbscan(v, 2, { eps, minSamples: 4 });
      expect(Array.from(labels)).toEqual(Array.from(referenceDbscan(v, 2, eps, 4)));
      expect(labels[0]).toBe(0); // the cluster listed first after x gets label 0 and claims x
      expect(new Set(labels).size).toBe(2);
      expect(Array.from(labels).filter((l) => l === 0).length).toBe(6);
    }
  });

  it('gives the same labels with the partitioned search, with or without the pair budget', () => {
    // 2000 points -> ~45 cells: exercises cell pruning, cross-cell pairs and the second pass.
    const { vectors } = sphereBlobs({ n: 2000, classes: 6, dim: 16, spread: 0.35, noiseFraction: 0.1, seed: 5 });
    const ref = referenceDbscan(vectors, 16, 0.12, 6);
    const p = runSync(buildPartitionTask(vectors, 16, { seed: 3 }));
    expect(p.cells).toBeGreaterThan(10);
    const stored = runSync(dbscanTask(p, { eps: 0.12, minSamples: 6 }));
    const recomputed = runSync(dbscanTask(p, { eps: 0.12, minSamples: 6, maxStoredPairs: 1000 }));
    expect(Array.from(stored.labels)).toEqual(Array.from(ref));
    expect(Array.from(recomputed.labels)).toEqual(Array.from(ref));
    expect(stored.clusters).toBe(countClusters(ref));
  });

  it('recovers seeded blobs on the sphere and leaves uniform noise at -1', () => {
    const b = sphereBlobs({ n: 600, classes: 5, dim: 64, spread: 0.2, noiseFraction: 0.1, seed: 11 });
    const labels = dbscan(b.vectors, 64, SEED_DBSCAN_PRESET);
    expect(countClusters(labels)).toBe(5);
    for (let i = 0; i < labels.length; i++) if (b.labels[i] === -1) expect(labels[i]).toBe(-1);
    expect(adjustedRandIndex(labels, b.labels)).toBe(1);
  });

  it('is deterministic and the onnxruntime kernel finds the same clusters', async () => {
    const b = sphereBlobs({ n: 3000, classes: 8, dim: 128, spread: 0.2, noiseFraction: 0.05, seed: 12 });
    const a1 = dbscan(b.vectors, 128, SEED_DBSCAN_PRESET);
    const a2 = dbscan(b.vectors, 128, SEED_DBSCAN_PRESET, jsGemm);
    expect(Array.from(a1)).toEqual(Array.from(a2));
    const ort = await createOrtGemm({ threads: 1 });
    try {
      const o = await dbscanAsync(b.vectors, 128, SEED_DBSCAN_PRESET, ort.gemm);
      expect(Array.from(o)).toEqual(Array.from(a1));
    } finally {
      await ort.release();
    }
    expect(adjustedRandIndex(a1, b.labels)).toBe(1);
  });

  it('rejects bad options and non-normalised input with actionable messages', () => {
    const v = Float32Array.of(1, 0, 0, 2);
    expect(() => dbscan(v, 2, { eps: 0, minSamples: 3 })).toThrow(/eps must be .* 0.06/);
    expect(() => dbscan(v, 2, { eps: 0.1, minSamples: 1.5 })).toThrow(/minSamples must be an integer/);
    expect(() => dbscan(v, 2, SEED_DBSCAN_PRESET)).toThrow(/vector #1 has length 2.0000, not 1/);
    expect(() => dbscan(Float32Array.of(1, 0, 0), 2, SEED_DBSCAN_PRESET)).toThrow(/not a whole number of 2-d vectors/);
    expect(dbscan(new Float32Array(0), 4, SEED_DBSCAN_PRESET).length).toBe(0);
  });
});
