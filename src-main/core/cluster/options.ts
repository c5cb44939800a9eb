// Options of one clustering run (shared by the exact and the sampled path) and their defaults.

import { SamanticError } from '../errors';
import type { AutoEpsOptions } from './auto-eps';
import { DEFAULT_KNEE_QUERIES, DEFAULT_MAX_AUTO_EPS, DEFAULT_MIN_AUTO_EPS } from './auto-eps';
import { SEED_DBSCAN_PRESET } from './dbscan';

import type { ClusterMode } from '../vocab';

export type { ClusterMode };

export interface GroupOptions {
  mode: ClusterMode;
  /** 'dbscan' mode: cosine distance radius. Default: the seed's 0.06. Ignored by 'auto'. */
  eps?: number;
  /** Both modes: DBSCAN minSamples (and the k of auto mode's k-distance curve). Default 8 (the seed's). */
  minSamples?: number;
  /** Auto mode: see AutoEpsOptions. */
  kneeQueries?: number;
  minAutoEps?: number;
  maxAutoEps?: number;
  /**
   * Up to this many vectors are clustered exactly; beyond, DBSCAN runs on a seeded sample of
   * `sampleSize` and every other vector joins the class of its nearest core sample point within
   * eps. Default 50,000: exact all-pairs work at that size is tens of seconds at worst.
   */
  exactMaxN?: number;
  /**
   * Sample size of the large-data path. minSamples then counts SAMPLE members: a class needs
   * about minSamples * n / sampleSize members to be found. Default 30,000.
   */
  sampleSize?: number;
  /** Seeds every random choice (partition, samples). Default 1. */
  seed?: number;
}

export const DEFAULT_EXACT_MAX_N = 50_000;
export const DEFAULT_SAMPLE_SIZE = 30_000;

export interface GroupResult {
  /** Cluster per vector (0.. in order of first core point), -1 noise. */
  labels: Int32Array;
  clusters: number;
  /** The eps used (null when the group was too small to have a k-distance curve). */
  eps: number | null;
  minSamples: number;
  /** True when the sampled path was used. */
  approximate: boolean;
}

export type ResolvedGroupOptions = Required<Omit<GroupOptions, 'eps'>> & { eps: number | undefined };

export function resolveGroupOptions(o: GroupOptions): ResolvedGroupOptions {
  if (o.mode !== 'auto' && o.mode !== 'dbscan') {
    throw new SamanticError('invalid-argument', `clustering: mode must be 'auto' or 'dbscan', got ${JSON.stringify(o.mode)}`);
  }
  const exactMaxN = o.exactMaxN ?? DEFAULT_EXACT_MAX_N;
  const sampleSize = o.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(exactMaxN) || exactMaxN < 1 || !Number.isInteger(sampleSize) || sampleSize < 1) {
    throw new SamanticError('invalid-argument', `clustering: exactMaxN and sampleSize must be positive integers`);
  }
  return {
    mode: o.mode,
    eps: o.mode === 'dbscan' ? (o.eps ?? SEED_DBSCAN_PRESET.eps) : undefined,
    minSamples: o.minSamples ?? SEED_DBSCAN_PRESET.minSamples,
    kneeQueries: o.kneeQueries ?? DEFAULT_KNEE_QUERIES,
    minAutoEps: o.minAutoEps ?? DEFAULT_MIN_AUTO_EPS,
    maxAutoEps: o.maxAutoEps ?? DEFAULT_MAX_AUTO_EPS,
    exactMaxN,
    sampleSize,
    seed: o.seed ?? 1,
  };
}

/** Auto-eps options derived from group options. */
export function autoOptions(o: ResolvedGroupOptions): AutoEpsOptions {
  return {
    minSamples: o.minSamples,
    kneeQueries: o.kneeQueries,
    minEps: o.minAutoEps,
    maxEps: o.maxAutoEps,
    seed: o.seed,
  };
}
