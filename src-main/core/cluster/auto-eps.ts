// The automatic mode: DBSCAN with eps read off the data's k-distance curve.
//
// Why this and not HDBSCAN: it keeps one explainable knob. The user sees "eps 0.071 was chosen"
// and can start from it in the manual DBSCAN mode; it reuses the exact, pruned neighbour search
// (and the sampled path for very large folders) instead of a second algorithm with its own O(n^2)
// minimum spanning tree; and its only cost beyond DBSCAN is one k-nearest-neighbour query per
// sampled point. What it gives up: one eps for the whole folder, so a class much looser than the
// bulk of the data may come out as noise (HDBSCAN would keep it). Classes tighter than the chosen
// eps are found as long as they are not within eps of each other.
//
// The k-distance curve (Ester et al. 1996, sec. 4.2; Schubert et al. 2017, "DBSCAN revisited"):
// for each point the cosine distance to its k-th nearest neighbour, k = minSamples counting the
// point itself, sorted ascending. Points inside classes have small k-distances, noise large ones;
// the knee where the curve turns upward separates them. Knee = the point farthest below the chord
// from the first to the last point of the curve (both axes scaled to [0, 1]; the "Kneedle" idea
// of Satopaa et al. 2011, without smoothing). eps = the k-distance at the knee, so every point left
// of the knee is a core point. Because k-distances are measured on the data itself, the choice
// follows the data's scale: more segments -> denser classes -> smaller eps, automatically.
//
// The curve alone cannot tell "two classes, one twice as loose as the other" from "one class plus
// noise twice as far": without a noise tail its top is the loosest class, and the knee would make
// that class noise. So the y axis is scaled up to at least the typical distance between two
// unrelated points (the FAR_QUANTILE of distances between random pairs): k-distances far below
// it are all "close", and only a tail approaching it (real noise) pushes the knee left.

import { mulberry32 } from '../util/random';
import type { GemmTask } from './gemm';
import { kthSimilarityTask } from './neighbors';
import type { Partition } from './partition';

export interface AutoEpsOptions {
  /** k of the k-distance curve = DBSCAN's minSamples (the point itself counts). */
  minSamples: number;
  /**
   * Points whose k-distance is measured (each against ALL points); above this a seeded sample is
   * used. The curve's shape is a distribution: 4096 samples place the knee to ~1/4096 of its range.
   */
  kneeQueries?: number;
  /** eps is kept within [minEps, maxEps]. */
  minEps?: number;
  maxEps?: number;
  seed?: number;
}

export const DEFAULT_KNEE_QUERIES = 4096;
/** Smallest eps auto mode returns: exact duplicates (distance ~1e-7 in float32) still connect. */
export const DEFAULT_MIN_AUTO_EPS = 1e-4;
/**
 * Largest eps auto mode returns: beyond cosine distance 0.5 (60 degrees) two segments are not
 * "the same thing" by any reading; a knee up there means the data has no class structure.
 */
export const DEFAULT_MAX_AUTO_EPS = 0.5;
/**
 * Quantile of random-pair distances taken as "unrelated". 0.75: with several classes most random
 * pairs straddle two classes, so the upper quartile is a between-class distance even when one
 * class holds half the points.
 */
export const FAR_QUANTILE = 0.75;

export interface AutoEpsResult {
  eps: number;
  /** The sorted k-distances the knee was found on (for display / diagnostics). */
  kDistances: Float64Array;
  kneeIndex: number;
  /** The "unrelated points" distance the curve was scaled to (see FAR_QUANTILE). */
  far: number;
}

/**
 * Index of the knee of an ascending curve: argmax over i of (x_i - y_i) with x, y scaled to [0, 1],
 * i.e. the point farthest below the chord. y is scaled from the first value up to
 * max(last value, ceiling): a ceiling above the curve says "everything here is close" and moves
 * the knee toward the end. A flat curve (all equal) has its knee at the end.
 */
export function kneeIndex(sorted: ArrayLike<number>, ceiling = -Infinity): number {
  const m = sorted.length;
  if (m <= 2) return m - 1;
  const y0 = sorted[0];
  const range = Math.max(sorted[m - 1], ceiling) - y0;
  if (!(range > 0)) return m - 1;
  let best = m - 1;
  let bestGap = -Infinity;
  for (let i = 0; i < m; i++) {
    const gap = i / (m - 1) - (sorted[i] - y0) / range;
    if (gap > bestGap) {
      bestGap = gap;
      best = i;
    }
  }
  return best;
}

/** Which positions of the partition to measure: all, or a seeded sample; ascending. */
export function kneeQueryPositions(p: Partition, maxQueries: number, seed: number): Int32Array {
  const n = p.n;
  if (n <= maxQueries) return Int32Array.from({ length: n }, (_, i) => i);
  // Sample caller rows (not positions) so the choice does not depend on the partition.
  const rnd = mulberry32(seed);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < maxQueries; t++) {
    const j = t + Math.floor(rnd() * (n - t));
    [rows[t], rows[j]] = [rows[j], rows[t]];
  }
  const positionOf = new Int32Array(n);
  for (let pos = 0; pos < n; pos++) positionOf[p.order[pos]] = pos;
  const out = new Int32Array(maxQueries);
  for (let t = 0; t < maxQueries; t++) out[t] = positionOf[rows[t]];
  return out.sort();
}

/** FAR_QUANTILE of the cosine distances between each query and a random row (seeded). */
export function farDistance(p: Partition, queries: Int32Array, seed: number): number {
  const rnd = mulberry32(seed ^ 0x5bd1e995);
  const { data, dim, n } = p;
  const d = new Float64Array(queries.length);
  for (let t = 0; t < queries.length; t++) {
    const other = Math.floor(rnd() * n);
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[queries[t] * dim + k] * data[other * dim + k];
    d[t] = Math.max(0, 1 - s);
  }
  d.sort();
  return d.length > 0 ? d[Math.min(d.length - 1, Math.floor(FAR_QUANTILE * d.length))] : 0;
}

/** Chooses eps for DBSCAN from the k-distance curve. Returns null eps when n < minSamples. */
export function* autoEpsTask(p: Partition, options: AutoEpsOptions): GemmTask<AutoEpsResult | null> {
  const k = options.minSamples;
  if (p.n < k || p.n === 0) return null;
  const queries = kneeQueryPositions(p, options.kneeQueries ?? DEFAULT_KNEE_QUERIES, options.seed ?? 1);
  const kth = yield* kthSimilarityTask(p, k, queries);
  const kDistances = new Float64Array(kth.length);
  for (let i = 0; i < kth.length; i++) kDistances[i] = Math.max(0, 1 - kth[i]);
  kDistances.sort();
  const far = farDistance(p, queries, options.seed ?? 1);
  const knee = kneeIndex(kDistances, far);
  const minEps = options.minEps ?? DEFAULT_MIN_AUTO_EPS;
  const maxEps = options.maxEps ?? DEFAULT_MAX_AUTO_EPS;
  const eps = Math.min(maxEps, Math.max(minEps, kDistances[knee]));
  return { eps, kDistances, kneeIndex: knee, far };
}
