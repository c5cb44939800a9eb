import { describe, expect, it } from 'vitest';
import { runSync, type GemmRequest, jsGemm } from './gemm';
import { kthSimilarityTask, epsPairsTask } from './neighbors';
import { buildPartitionTask, layoutPartition, rowsReaching } from './partition';
import { sphereBlobs } from '../../tools/bench/cluster-synthetic';

/** All pairs i < j with cos >= 1 - eps, as "i,j" strings (float64 dot products). */
function brutePairs(v: Float32Array, dim: number, eps: number): string[] {
  const n = v.length / dim;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += v[i * dim + k] * v[j * dim + k];
      if (s >= 1 - eps) out.push(`${i},${j}`);
    }
  }
  return out.sort();
}

function bruteKth(v: Float32Array, dim: number, k: number, i: number): number {
  const n = v.length / dim;
  const sims: number[] = [];
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += v[i * dim + t] * v[j * dim + t];
    sims.push(s);
  }
  sims.sort((a, b) => b - a);
  return k <= n ? sims[k - 1] : -Infinity;
}

// Mixed data: tight and loose classes of different sizes, plus 15% uniform outliers (which make
// cell radii large and exercise the head/body split of partition.ts).
const mixed = sphereBlobs({
  n: 1800,
  classes: 7,
  dim: 24,
  spread: [0.15, 0.3, 0.5, 0.3, 0.2, 0.6, 0.25],
  weights: [5, 3, 2, 1, 1, 1, 0.3],
  noiseFraction: 0.15,
  seed: 21,
});

describe('partition', () => {
  it('sorts each cell by decreasing distance to its centre and bounds every member by the radius', () => {
    const p = runSync(buildPartitionTask(mixed.vectors, 24, { cells: 30, seed: 2, splitRounds: 0 }));
    expect(p.cells).toBe(30);
    expect(Array.from(p.order).sort((a, b) => a - b)).toEqual([...Array(1800).keys()]);
    let heads = 0;
    for (let c = 0; c < p.cells; c++) {
      for (let q = p.cellStart[c]; q < p.cellStart[c + 1]; q++) {
        expect(Array.from(p.data.subarray(q * 24, q * 24 + 24))).toEqual(
          Array.from(mixed.vectors.subarray(p.order[q] * 24, p.order[q] * 24 + 24)),
        );
        if (q > p.cellStart[c]) expect(p.pointDist[q]).toBeLessThanOrEqual(p.pointDist[q - 1]);
        expect(p.pointDist[q]).toBeLessThan(p.radius[c]);
        if (q >= p.headEnd[c]) expect(p.pointDist[q]).toBeLessThan(p.bodyRadius[c]);
      }
      heads += p.headEnd[c] - p.cellStart[c];
      // rowsReaching is the count of rows at least that far out.
      const mid = p.pointDist[(p.cellStart[c] + p.cellStart[c + 1]) >> 1] ?? 0;
      let expected = 0;
      for (let q = p.cellStart[c]; q < p.cellStart[c + 1]; q++) if (p.pointDist[q] + 1e-4 >= mid) expected++;
      expect(rowsReaching(p, c, mid)).toBe(expected);
    }
    expect(heads).toBeGreaterThan(50); // the outliers were recognised as such
  });

  it('splits cells that hold several classes, and leaves single classes and noise whole', () => {
    // 40 classes into 8 initial cells: every cell starts mixed.
    const b = sphereBlobs({ n: 2400, classes: 40, dim: 64, spread: 0.25, noiseFraction: 0.05, seed: 6 });
    const purity = (cells: number, splitRounds: number) => {
      const p = runSync(buildPartitionTask(b.vectors, 64, { cells, splitRounds, seed: 1 }));
      let pure = 0;
      for (let c = 0; c < p.cells; c++) {
        const labels = new Set<number>();
        for (let q = p.headEnd[c]; q < p.cellStart[c + 1]; q++) labels.add(b.labels[p.order[q]]);
        if (labels.size <= 1) pure += p.cellStart[c + 1] - p.cellStart[c];
      }
      return { cells: p.cells, pure: pure / 2400 };
    };
    const before = purity(8, 0);
    const after = purity(8, 3);
    expect(before.pure).toBeLessThan(0.2);
    expect(after.cells).toBeGreaterThan(40);
    expect(after.cells).toBeLessThanOrEqual(64); // at most 2^3 per initial cell
    expect(after.pure).toBeGreaterThan(before.pure + 0.3);
    // One Gaussian class is never cut.
    const one = sphereBlobs({ n: 600, classes: 1, dim: 64, spread: 0.3, seed: 2 });
    expect(runSync(buildPartitionTask(one.vectors, 64, { cells: 1, splitRounds: 3 })).cells).toBe(1);
  });

  it('a single cell keeps all rows and needs no dot products', () => {
    const calls: GemmRequest[] = [];
    const p = runSync(buildPartitionTask(mixed.vectors.subarray(0, 240), 24, { cells: 1 }), (r) => {
      calls.push(r);
      return jsGemm(r);
    });
    expect(calls.length).toBe(0);
    expect(p.cellStart[1]).toBe(10);
    const same = layoutPartition(mixed.vectors.subarray(0, 240), 24, new Int32Array(10), 1);
    expect(Array.from(same.order)).toEqual(Array.from(p.order));
  });
});

describe('epsPairsTask', () => {
  const expected = new Map<number, string[]>();
  for (const eps of [0.01, 0.05, 0.2, 0.6]) expected.set(eps, brutePairs(mixed.vectors, 24, eps));

  it.each([0.01, 0.05, 0.2, 0.6])('reports exactly the brute-force pairs within eps %f, whatever the cells', (eps) => {
    for (const cells of [1, 17, 60]) {
      const p = runSync(buildPartitionTask(mixed.vectors, 24, { cells, seed: cells }));
      const got: string[] = [];
      runSync(epsPairsTask(p, eps, (i, j) => got.push(i < j ? `${i},${j}` : `${j},${i}`)));
      expect(got.sort()).toEqual(expected.get(eps));
    }
    expect((expected.get(eps) as string[]).length).toBeGreaterThan(0);
  });

  it('prunes: on separated classes it computes far fewer than all pairs', () => {
    const b = sphereBlobs({ n: 3000, classes: 30, dim: 32, spread: 0.2, noiseFraction: 0.05, seed: 4 });
    const p = runSync(buildPartitionTask(b.vectors, 32, { seed: 1 }));
    let computed = 0;
    runSync(
      epsPairsTask(p, 0.05, () => undefined),
      (r) => {
        computed += r.aRows * r.bRows;
        return jsGemm(r);
      },
    );
    expect(computed).toBeLessThan((3000 * 3000) / 4);
  });
});

describe('kthSimilarityTask', () => {
  it('equals the brute-force k-th largest similarity (self included) for every query', () => {
    for (const [cells, k] of [
      [1, 1],
      [25, 8],
      [60, 20],
    ]) {
      const p = runSync(buildPartitionTask(mixed.vectors, 24, { cells, seed: 5 }));
      const queries = Int32Array.from({ length: 1800 }, (_, i) => i).filter((_, i) => i % 3 === 0);
      const kth = runSync(kthSimilarityTask(p, k, queries));
      queries.forEach((pos, t) => {
        expect(kth[t]).toBeCloseTo(bruteKth(mixed.vectors, 24, k, p.order[pos]), 6);
      });
    }
  });

  it('gives -Infinity when there are fewer than k rows', () => {
    const p = runSync(buildPartitionTask(mixed.vectors.subarray(0, 5 * 24), 24));
    expect(Array.from(runSync(kthSimilarityTask(p, 6, Int32Array.of(0, 3))))).toEqual([-Infinity, -Infinity]);
  });
});
