// Spherical k-means (cosine similarity to unit-length centroids) with deterministic seeding.
// Used twice: to split a class into k sub-classes (k-means++ seeding, several restarts) and to cut
// the data into cells for pruned neighbour search (random seeding, one run: cells only need to be
// compact, not optimal).

import { mulberry32 } from '../util/random';
import { forEachBlockAgainst, type GemmTask } from './gemm';
import { takeRows } from './vectors';

export interface KMeansOptions {
  /** PRNG seed; same seed and input give the same result. Default 1. */
  seed?: number;
  /** Lloyd iterations at most; stops earlier when no assignment changes. Default 30. */
  iterations?: number;
  /** 'kmeans++' (Arthur & Vassilvitskii 2007, D^2 sampling with D^2 = 2 - 2cos) or 'random'. */
  init?: 'kmeans++' | 'random';
  /** Independent restarts, the lowest-inertia run wins. Default 1. */
  restarts?: number;
}

export interface KMeansResult {
  /** For each listed row, its cluster 0..k-1. */
  assignment: Int32Array;
  /** k x dim, unit length (a cluster that lost all members keeps its previous centroid). */
  centroids: Float32Array;
  /** Sum over rows of (1 - cos to own centroid). */
  inertia: number;
}

export const DEFAULT_KMEANS_ITERATIONS = 30;

function copyRow(src: Float32Array, dim: number, row: number, dst: Float32Array, at: number): void {
  dst.set(src.subarray(row * dim, (row + 1) * dim), at * dim);
}

/** Seeds k centroids from `rows` (positions in data). */
function* seedCentroids(
  data: Float32Array,
  dim: number,
  rows: Int32Array,
  k: number,
  init: 'kmeans++' | 'random',
  rnd: () => number,
): GemmTask<Float32Array> {
  const m = rows.length;
  const centroids = new Float32Array(k * dim);
  if (init === 'random') {
    // Partial Fisher-Yates over positions 0..m-1: k distinct rows.
    const pick = Int32Array.from({ length: m }, (_, i) => i);
    for (let c = 0; c < k; c++) {
      const j = c + Math.floor(rnd() * (m - c));
      [pick[c], pick[j]] = [pick[j], pick[c]];
      copyRow(data, dim, rows[pick[c]], centroids, c);
    }
    return centroids;
  }
  const best = new Float64Array(m).fill(Infinity); // D^2 to the nearest chosen centroid
  const chosen = new Uint8Array(m);
  let next = Math.floor(rnd() * m);
  for (let c = 0; c < k; c++) {
    chosen[next] = 1;
    copyRow(data, dim, rows[next], centroids, c);
    if (c === k - 1) break;
    const centre = data.subarray(rows[next] * dim, (rows[next] + 1) * dim);
    yield* forEachBlockAgainst(data, dim, rows, centre, 1, (s, count, _b, _bc, sims) => {
      for (let t = 0; t < count; t++) best[s + t] = Math.min(best[s + t], Math.max(0, 2 - 2 * sims[t]));
    });
    let total = 0;
    for (let i = 0; i < m; i++) if (!chosen[i]) total += best[i];
    next = -1;
    if (total > 0) {
      let r = rnd() * total;
      for (let i = 0; i < m; i++) {
        if (chosen[i] || best[i] === 0) continue;
        r -= best[i];
        next = i;
        if (r < 0) break;
      }
    }
    // Every remaining row duplicates a centroid: take the first unchosen one (the cluster may end empty).
    if (next < 0) next = chosen.indexOf(0);
  }
  return centroids;
}

function normaliseCentroid(sum: Float64Array, dim: number, c: number, out: Float32Array): void {
  let n2 = 0;
  for (let t = 0; t < dim; t++) n2 += sum[c * dim + t] * sum[c * dim + t];
  if (!(n2 > 0)) return; // empty or cancelling cluster: keep the previous centroid
  const norm = Math.sqrt(n2);
  for (let t = 0; t < dim; t++) out[c * dim + t] = sum[c * dim + t] / norm;
}

function* lloyd(
  data: Float32Array,
  dim: number,
  rows: Int32Array,
  k: number,
  centroids: Float32Array,
  iterations: number,
): GemmTask<KMeansResult> {
  const m = rows.length;
  const assignment = new Int32Array(m).fill(-1);
  const bestSim = new Float64Array(m);
  let inertia = 0;
  const next = new Int32Array(m);
  for (let it = 0; it < iterations; it++) {
    bestSim.fill(-Infinity);
    // Centroids may span several blocks (k > MAX_BLOCK_ROWS_B): keep the running best per row.
    yield* forEachBlockAgainst(data, dim, rows, centroids, k, (s, count, b0, bc, sims) => {
      for (let t = 0; t < count; t++) {
        for (let c = 0; c < bc; c++) {
          if (sims[t * bc + c] > bestSim[s + t]) {
            bestSim[s + t] = sims[t * bc + c];
            next[s + t] = b0 + c;
          }
        }
      }
    });
    let changed = 0;
    for (let i = 0; i < m; i++) {
      if (assignment[i] !== next[i]) changed++;
      assignment[i] = next[i];
    }
    inertia = 0;
    for (let i = 0; i < m; i++) inertia += 1 - bestSim[i];
    if (changed === 0) break;
    const sum = new Float64Array(k * dim);
    for (let i = 0; i < m; i++) {
      const o = rows[i] * dim;
      const c = assignment[i] * dim;
      for (let t = 0; t < dim; t++) sum[c + t] += data[o + t];
    }
    for (let c = 0; c < k; c++) normaliseCentroid(sum, dim, c, centroids);
  }
  return { assignment, centroids, inertia };
}

/**
 * Clusters the listed rows (positions in `data`, unit-length vectors) into k groups.
 * Requires 1 <= k <= rows.length; deterministic for a given seed.
 */
export function* sphericalKMeansTask(
  data: Float32Array,
  dim: number,
  rows: Int32Array,
  k: number,
  options: KMeansOptions = {},
): GemmTask<KMeansResult> {
  const rnd = mulberry32(options.seed ?? 1);
  const restarts = Math.max(1, options.restarts ?? 1);
  // One contiguous copy of the rows, so every block request below is a view, not a gather.
  const sub = takeRows(data, dim, rows);
  const all = Int32Array.from({ length: rows.length }, (_, i) => i);
  let best: KMeansResult | null = null;
  for (let r = 0; r < restarts; r++) {
    const seeds = yield* seedCentroids(sub, dim, all, k, options.init ?? 'kmeans++', rnd);
    const run = yield* lloyd(sub, dim, all, k, seeds, options.iterations ?? DEFAULT_KMEANS_ITERATIONS);
    if (!best || run.inertia < best.inertia - 1e-9) best = run;
  }
  return best as KMeansResult;
}
