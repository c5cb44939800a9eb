// The UI's "split class" and "select similar": small, interactive operations on chosen segments.

import { SamanticError } from '../errors';
import { runAsync, runSync, type AsyncGemm, type GemmTask, type SyncGemm } from './gemm';
import { sphericalKMeansTask } from './kmeans';
import { loadNativeGemm } from './ort-gemm';
import { checkIndices, checkMatrix, checkUnitRows, meanDirection } from './vectors';

export interface SplitOptions {
  /** Seed of the k-means++ seeding; same seed, same groups. Default 1. */
  seed?: number;
  /**
   * Seeded restarts, the tightest (lowest total 1 - cos) wins. Default 4: k-means++ alone lands in
   * a poor local optimum now and then, and members of one class are few enough to afford it.
   */
  restarts?: number;
  /** Lloyd iterations at most. Default 30. */
  iterations?: number;
}

export const DEFAULT_SPLIT_RESTARTS = 4;

function* splitTask(
  vectors: Float32Array,
  dim: number,
  memberIndices: readonly number[],
  k: number,
  options: SplitOptions,
): GemmTask<number[][]> {
  const n = checkUnitRows(vectors, dim, 'splitCluster');
  checkIndices(memberIndices, n, 'splitCluster');
  if (!Number.isInteger(k) || k < 2) {
    throw new SamanticError('invalid-argument', `splitCluster: k must be an integer >= 2 (number of sub-classes), got ${k}`);
  }
  if (memberIndices.length < k) {
    throw new SamanticError(
      'invalid-argument',
      `splitCluster: cannot split ${memberIndices.length} segments into ${k} sub-classes; choose k <= ${memberIndices.length}`,
    );
  }
  // Sorted members: the result must not depend on the order the UI lists them in.
  const members = Int32Array.from(memberIndices).sort();
  const km = yield* sphericalKMeansTask(vectors, dim, members, k, {
    seed: options.seed ?? 1,
    init: 'kmeans++',
    restarts: options.restarts ?? DEFAULT_SPLIT_RESTARTS,
    iterations: options.iterations,
  });
  const groups: number[][] = Array.from({ length: k }, () => []);
  members.forEach((m, i) => groups[km.assignment[i]].push(m));
  // Largest group first (ties: smallest first member); empty groups (duplicates) are dropped.
  return groups.filter((g) => g.length > 0).sort((a, b) => b.length - a.length || a[0] - b[0]);
}

/**
 * Splits the listed segments (rows of `vectors`, unit length) into k groups by spherical k-means
 * with k-means++ seeding. Returns segment indices per group, largest group first, each ascending.
 * Fewer than k groups come back only when members are exact duplicates.
 */
export function splitCluster(
  vectors: Float32Array,
  dim: number,
  memberIndices: readonly number[],
  k: number,
  options: SplitOptions = {},
  gemm?: SyncGemm,
): number[][] {
  return runSync(splitTask(vectors, dim, memberIndices, k, options), gemm);
}

/** splitCluster with the native kernel by default (see clusterSegmentsAsync). */
export async function splitClusterAsync(
  vectors: Float32Array,
  dim: number,
  memberIndices: readonly number[],
  k: number,
  options: SplitOptions = {},
  gemm?: AsyncGemm,
): Promise<number[][]> {
  return runAsync(splitTask(vectors, dim, memberIndices, k, options), gemm ?? (await loadNativeGemm()).gemm);
}

export interface NearestOptions {
  /** Segments never returned (e.g. removed ones). */
  exclude?: Iterable<number>;
  /** Return the query segments themselves too. Default false: "similar" means other segments. */
  includeQueries?: boolean;
  /** Only segments at least this similar (cosine) to the query mean. Default -1 (no floor). */
  minSimilarity?: number;
}

/**
 * "Select similar": every segment ranked by cosine similarity to the mean direction of the query
 * segments; the best `limit` indices, most similar first (ties: lower index first). O(n x dim).
 */
export function nearestSegments(
  vectors: Float32Array,
  dim: number,
  queryIndices: readonly number[],
  limit: number,
  options: NearestOptions = {},
): number[] {
  const n = checkMatrix(vectors, dim, 'nearestSegments');
  checkIndices(queryIndices, n, 'nearestSegments');
  if (queryIndices.length === 0) {
    throw new SamanticError('invalid-argument', 'nearestSegments: select at least one segment to find similar ones');
  }
  if (!Number.isInteger(limit) || limit < 0) {
    throw new SamanticError('invalid-argument', `nearestSegments: limit must be a non-negative integer, got ${limit}`);
  }
  const mean = meanDirection(vectors, dim, queryIndices);
  if (!mean) return []; // the queries cancel out: there is no direction to be similar to
  const skip = new Uint8Array(n);
  for (const i of options.exclude ?? []) if (Number.isInteger(i) && i >= 0 && i < n) skip[i] = 1;
  if (!options.includeQueries) for (const i of queryIndices) skip[i] = 1;
  const floor = options.minSimilarity ?? -1;
  const sims = new Float64Array(n);
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    if (skip[i]) continue;
    let s = 0;
    for (let k = 0, o = i * dim; k < dim; k++) s += mean[k] * vectors[o + k];
    // Rows are expected to be unit length; divide anyway so an unnormalised row cannot win by size.
    let n2 = 0;
    for (let k = 0, o = i * dim; k < dim; k++) n2 += vectors[o + k] * vectors[o + k];
    sims[i] = n2 > 0 ? s / Math.sqrt(n2) : -Infinity;
    if (sims[i] >= floor) candidates.push(i);
  }
  candidates.sort((a, b) => sims[b] - sims[a] || a - b);
  return candidates.slice(0, limit);
}
