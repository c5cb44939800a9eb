// DBSCAN (Ester et al. 1996) with cosine distance 1 - dot on unit vectors, reproducing
// scikit-learn's labels exactly: a point is core when at least minSamples points (itself included)
// lie within eps (distance <= eps); clusters are numbered in the order of their first core point
// in input order; a border point joins the lowest-numbered cluster among its core neighbours (the
// first cluster a sequential expansion reaches it with); the rest is noise (-1).
//
// Instead of expanding clusters point by point, which needs every neighbour list at once, the
// eps-pairs are streamed: pass 1 counts neighbours (so core flags are known), then core-core
// pairs are unioned (union-find) and core-border pairs remembered. The pairs of pass 1 are kept
// for the union step while they fit a memory budget; past it a second streaming pass recomputes
// them. Same labels either way, and labels do not depend on the order pairs arrive in.

import { SamanticError } from '../errors';
import { runAsync, runSync, type AsyncGemm, type GemmTask, type SyncGemm } from './gemm';
import { epsPairsTask } from './neighbors';
import { buildPartitionTask, type Partition } from './partition';
import { checkUnitRows } from './vectors';

export interface DbscanOptions {
  /** Cosine distance radius (1 - cos), in (0, 2]. */
  eps: number;
  /** Points within eps, the point itself included, that make a point core. Integer >= 1. */
  minSamples: number;
  /**
   * Pairs kept from the counting pass for the union pass (8 bytes each); beyond this the pairs
   * are recomputed instead. Default 2^24 (128 MB).
   */
  maxStoredPairs?: number;
}

/** The seed prototype's settings (scikit-learn DBSCAN, metric 'cosine'). */
export const SEED_DBSCAN_PRESET = Object.freeze({ eps: 0.06, minSamples: 8 });

export const DEFAULT_MAX_STORED_PAIRS = 1 << 24;

export interface DbscanResult {
  /** Cluster per row, -1 for noise; clusters numbered 0.. in order of their first core point. */
  labels: Int32Array;
  core: Uint8Array;
  clusters: number;
}

export function checkDbscanOptions(o: DbscanOptions, what: string): void {
  if (typeof o.eps !== 'number' || !(o.eps > 0 && o.eps <= 2)) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: eps must be a cosine distance in (0, 2], got ${o.eps}; the seed's value was ${SEED_DBSCAN_PRESET.eps}`,
    );
  }
  if (!Number.isInteger(o.minSamples) || o.minSamples < 1) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: minSamples must be an integer >= 1, got ${o.minSamples}; the seed's value was ${SEED_DBSCAN_PRESET.minSamples}`,
    );
  }
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]]; // path halving
    i = parent[i];
  }
  return i;
}

/** DBSCAN over a prepared partition; labels are in the caller's row order (p.order's values). */
export function* dbscanTask(p: Partition, options: DbscanOptions): GemmTask<DbscanResult> {
  checkDbscanOptions(options, 'dbscan');
  const n = p.n;
  const { eps, minSamples } = options;
  const budget = options.maxStoredPairs ?? DEFAULT_MAX_STORED_PAIRS;
  const counts = new Int32Array(n).fill(1);
  let stored = new Int32Array(Math.min(budget, 1 << 16) * 2);
  let nStored = 0;
  let overflow = false;
  yield* epsPairsTask(p, eps, (i, j) => {
    counts[i]++;
    counts[j]++;
    if (overflow) return;
    if (nStored * 2 === stored.length) {
      if (nStored >= budget) {
        overflow = true;
        return;
      }
      const grown = new Int32Array(Math.min(budget, nStored * 2) * 2);
      grown.set(stored);
      stored = grown;
    }
    stored[2 * nStored] = i;
    stored[2 * nStored + 1] = j;
    nStored++;
  });

  const core = new Uint8Array(n);
  for (let i = 0; i < n; i++) core[i] = counts[i] >= minSamples ? 1 : 0;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const border: number[] = []; // (border point, core neighbour) pairs
  const link = (i: number, j: number) => {
    if (core[i] && core[j]) {
      const ri = find(parent, i);
      const rj = find(parent, j);
      if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
    } else if (core[i]) border.push(j, i);
    else if (core[j]) border.push(i, j);
  };
  if (!overflow) {
    for (let e = 0; e < nStored; e++) link(stored[2 * e], stored[2 * e + 1]);
  } else {
    stored = new Int32Array(0);
    // Second pass; cell pairs without any core point cannot link anything.
    const cellHasCore = new Uint8Array(p.cells);
    for (let c = 0; c < p.cells; c++) {
      for (let q = p.cellStart[c]; q < p.cellStart[c + 1] && !cellHasCore[c]; q++) cellHasCore[c] = core[p.order[q]];
    }
    yield* epsPairsTask(p, eps, link, (a, b) => cellHasCore[a] === 1 || cellHasCore[b] === 1);
  }

  const labels = new Int32Array(n).fill(-1);
  const rootLabel = new Int32Array(n).fill(-1);
  let clusters = 0;
  for (let i = 0; i < n; i++) {
    if (!core[i]) continue;
    const r = find(parent, i);
    if (rootLabel[r] < 0) rootLabel[r] = clusters++;
    labels[i] = rootLabel[r];
  }
  for (let e = 0; e < border.length; e += 2) {
    const b = border[e];
    const l = labels[border[e + 1]];
    if (labels[b] < 0 || l < labels[b]) labels[b] = l;
  }
  return { labels, core, clusters };
}

/** Partition + DBSCAN for unit-length rows. */
export function* dbscanVectorsTask(vectors: Float32Array, dim: number, options: DbscanOptions, seed = 1): GemmTask<DbscanResult> {
  checkDbscanOptions(options, 'dbscan');
  checkUnitRows(vectors, dim, 'dbscan');
  const p = yield* buildPartitionTask(vectors, dim, { seed });
  return yield* dbscanTask(p, options);
}

/**
 * DBSCAN of n unit vectors (vectors: n x dim, row-major), cosine distance. Labels: -1 noise, else
 * cluster 0.. in order of first core point. Deterministic; synchronous JavaScript kernel.
 */
export function dbscan(vectors: Float32Array, dim: number, options: DbscanOptions, gemm?: SyncGemm): Int32Array {
  return runSync(dbscanVectorsTask(vectors, dim, options), gemm).labels;
}

/** Same as dbscan with an asynchronous (e.g. onnxruntime) kernel. */
export async function dbscanAsync(vectors: Float32Array, dim: number, options: DbscanOptions, gemm?: AsyncGemm): Promise<Int32Array> {
  return (await runAsync(dbscanVectorsTask(vectors, dim, options), gemm)).labels;
}
