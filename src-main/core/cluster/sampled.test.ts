import { describe, expect, it } from 'vitest';
import { adjustedRandIndex, countClusters } from '../../tools/bench/ari';
import { clusterSegments } from './cluster-segments';
import { runSync } from './gemm';
import { buildPartitionTask } from './partition';
import { nearestCoreTask, sampleRows } from './sampled';
import { sphereBlobs } from '../../tools/bench/cluster-synthetic';

const meta = (n: number) => Array.from({ length: n }, (_, i) => ({ imageId: i % 50, area: 10, imageArea: 1000 }));

describe('sampleRows', () => {
  it('draws distinct rows, ascending, deterministically per seed', () => {
    const a = sampleRows(1000, 100, 3);
    expect(a.length).toBe(100);
    expect(new Set(a).size).toBe(100);
    expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y));
    expect(Array.from(sampleRows(1000, 100, 3))).toEqual(Array.from(a));
    expect(Array.from(sampleRows(1000, 100, 4))).not.toEqual(Array.from(a));
  });
});

describe('nearestCoreTask', () => {
  it('labels each query by its nearest core row within eps, exactly as a brute-force search', () => {
    const b = sphereBlobs({ n: 1500, classes: 8, dim: 20, spread: 0.35, noiseFraction: 0.2, seed: 17 });
    const cores = b.vectors.subarray(0, 1000 * 20);
    const coreLabels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 11);
    const queries = Int32Array.from({ length: 500 }, (_, t) => 1000 + t);
    for (const [cells, eps] of [
      [1, 0.1],
      [30, 0.1],
      [30, 0.03],
    ]) {
      const cp = runSync(buildPartitionTask(cores, 20, { cells }));
      const got = runSync(nearestCoreTask(b.vectors, 20, queries, cp, coreLabels, eps, 1000));
      queries.forEach((q, t) => {
        let best = -Infinity;
        let arg = -1;
        for (let c = 0; c < 1000; c++) {
          let s = 0;
          for (let k = 0; k < 20; k++) s += b.vectors[q * 20 + k] * cores[c * 20 + k];
          if (s > best) [best, arg] = [s, c];
        }
        expect(got[t]).toBe(best >= 1 - eps + 1e-6 ? coreLabels[arg] : best < 1 - eps - 1e-6 ? -1 : got[t]);
      });
      expect(got.some((l) => l >= 0)).toBe(true);
      expect(got.some((l) => l < 0)).toBe(true);
    }
  });
});

describe('the sampled (large-data) path', () => {
  it('finds the same classes as the exact path on blobs with noise', () => {
    const b = sphereBlobs({ n: 6000, classes: 15, dim: 64, spread: 0.3, noiseFraction: 0.05, seed: 23 });
    const input = { vectors: b.vectors, dim: 64, meta: meta(6000) };
    const exact = clusterSegments(input, { mode: 'auto' });
    const sampled = clusterSegments(input, { mode: 'auto', exactMaxN: 2000, sampleSize: 2000 });
    expect(exact.groups[0].approximate).toBe(false);
    expect(sampled.groups[0].approximate).toBe(true);
    expect(countClusters(sampled.labels)).toBe(15);
    expect(adjustedRandIndex(sampled.labels, exact.labels)).toBeGreaterThan(0.98);
    expect(adjustedRandIndex(sampled.labels, b.labels)).toBeGreaterThan(0.98);
    const again = clusterSegments(input, { mode: 'auto', exactMaxN: 2000, sampleSize: 2000 });
    expect(Array.from(again.labels)).toEqual(Array.from(sampled.labels));
  });
});
