// Classes discovered across a whole folder: the segment embeddings of ALL images are clustered
// together (DBSCAN, cosine), with containers (wholes of other segments, large background masks)
// clustered apart from the things they contain (nested.ts). Classes are ordered by size and get
// stable default names and colours. Same input and options -> same result, bit for bit, for a
// given kernel (the JavaScript and onnxruntime kernels can differ for a pair lying exactly at eps).

import { SamanticError } from '../errors';
import { autoEpsTask } from './auto-eps';
import { dbscanTask } from './dbscan';
import { runAsync, runSync, type AsyncGemm, type GemmTask, type SyncGemm } from './gemm';
import { checkMeta, findContainers, type NestedOptions, type SegmentMeta } from './nested';
import { autoOptions, resolveGroupOptions, type GroupOptions, type GroupResult } from './options';
import { loadNativeGemm } from './ort-gemm';
import { classColor, className } from '../labels/palette';
import { buildPartitionTask } from './partition';
import { sampledClusterTask } from './sampled';
import { checkMatrix, normalizeRows, takeRows } from './vectors';

export type { SegmentMeta } from './nested';

export interface ClusterInput {
  /** n x dim segment embeddings, row-major (normalised here if they are not already). */
  vectors: Float32Array;
  dim: number;
  /** One entry per segment. */
  meta: SegmentMeta[];
}

export type ClusterOptions = GroupOptions & NestedOptions;

export interface ClusterClass {
  /** The value used in `labels`; classes[i].index === i. */
  index: number;
  size: number;
  /** 'class 1' is the largest class. */
  name: string;
  /** '#rrggbb' */
  color: string;
}

export interface GroupReport extends Omit<GroupResult, 'labels'> {
  name: 'things' | 'containers';
  size: number;
}

export interface ClusterResult {
  /** Class index per segment, or -1 (noise, or an excluded container). */
  labels: Int32Array;
  /** Largest first. */
  classes: ClusterClass[];
  /** 1 for segments treated as containers (see nested.ts). */
  container: Uint8Array;
  /** What each group ran with: eps chosen by auto mode, minSamples, sampled or exact. */
  groups: GroupReport[];
}

/** Clusters one set of unit vectors: exact up to exactMaxN, sampled beyond (sampled.ts). */
export function* clusterGroupTask(vectors: Float32Array, dim: number, options: GroupOptions): GemmTask<GroupResult> {
  const o = resolveGroupOptions(options);
  const n = vectors.length / dim;
  if (n > o.exactMaxN && o.sampleSize < n) return yield* sampledClusterTask(vectors, dim, o);
  const p = yield* buildPartitionTask(vectors, dim, { seed: o.seed });
  let eps = o.eps ?? null;
  if (o.mode === 'auto') eps = (yield* autoEpsTask(p, autoOptions(o)))?.eps ?? null;
  if (eps === null) {
    return { labels: new Int32Array(n).fill(-1), clusters: 0, eps: null, minSamples: o.minSamples, approximate: false };
  }
  const r = yield* dbscanTask(p, { eps, minSamples: o.minSamples });
  return { labels: r.labels, clusters: r.clusters, eps, minSamples: o.minSamples, approximate: false };
}

/**
 * Renumbers cluster labels so that class 0 is the largest; ties go to the class whose first
 * member comes first. Returns the new labels and sizes.
 */
export function orderBySize(labels: Int32Array, clusters: number): { labels: Int32Array; sizes: number[] } {
  const size = new Array<number>(clusters).fill(0);
  const first = new Array<number>(clusters).fill(Infinity);
  labels.forEach((l, i) => {
    if (l < 0) return;
    size[l]++;
    if (first[l] === Infinity) first[l] = i;
  });
  const rank = [...Array(clusters).keys()].filter((c) => size[c] > 0).sort((a, b) => size[b] - size[a] || first[a] - first[b]);
  const newId = new Int32Array(clusters).fill(-1);
  rank.forEach((c, r) => (newId[c] = r));
  return { labels: labels.map((l) => (l < 0 ? -1 : newId[l])), sizes: rank.map((c) => size[c]) };
}

export function* clusterSegmentsTask(input: ClusterInput, options: ClusterOptions): GemmTask<ClusterResult> {
  if (!input || typeof input !== 'object') throw new SamanticError('invalid-argument', 'clusterSegments: input is missing');
  const { dim, meta } = input;
  const n = checkMatrix(input.vectors, dim, 'clusterSegments');
  checkMeta(meta, n, 'clusterSegments');
  resolveGroupOptions(options); // validate before any work
  const vectors = normalizeRows(input.vectors, dim, 'clusterSegments');
  const container = findContainers(meta, options);
  const mode = options.nested ?? 'separate';

  const combined = new Int32Array(n).fill(-1);
  const groups: GroupReport[] = [];
  let offset = 0;
  const members: { name: 'things' | 'containers'; rows: number[] }[] = [
    { name: 'things', rows: [] },
    { name: 'containers', rows: [] },
  ];
  for (let i = 0; i < n; i++) members[container[i]].rows.push(i);
  for (const g of members) {
    if (g.rows.length === 0 || (g.name === 'containers' && mode === 'exclude')) continue;
    // Avoid copying the matrix when one group holds every row (the common case at scale).
    const sub = g.rows.length === n ? vectors : takeRows(vectors, dim, g.rows);
    const r = yield* clusterGroupTask(sub, dim, options);
    g.rows.forEach((row, k) => (combined[row] = r.labels[k] < 0 ? -1 : r.labels[k] + offset));
    offset += r.clusters;
    const { labels: _unused, ...report } = r;
    groups.push({ name: g.name, size: g.rows.length, ...report });
  }

  const ordered = orderBySize(combined, offset);
  const classes = ordered.sizes.map((size, index) => ({ index, size, name: className(index), color: classColor(index) }));
  return { labels: ordered.labels, classes, container, groups };
}

/**
 * Clusters segments of all images together (synchronous JavaScript kernel: fine up to a few
 * thousand segments; use clusterSegmentsAsync with the native kernel beyond).
 */
export function clusterSegments(input: ClusterInput, options: ClusterOptions, gemm?: SyncGemm): ClusterResult {
  return runSync(clusterSegmentsTask(input, options), gemm);
}

/**
 * Same as clusterSegments, with the native kernel by default (onnxruntime, ~30x the JavaScript
 * kernel; falls back to JavaScript if onnxruntime cannot load). What the service should call.
 */
export async function clusterSegmentsAsync(input: ClusterInput, options: ClusterOptions, gemm?: AsyncGemm): Promise<ClusterResult> {
  return runAsync(clusterSegmentsTask(input, options), gemm ?? (await loadNativeGemm()).gemm);
}
