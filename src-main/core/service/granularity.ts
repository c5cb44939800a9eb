// "Fewer classes" / "more classes": a re-clustering aimed at a number of classes. The DBSCAN radius
// whose clustering comes closest is searched for; where no radius gets there (DBSCAN cannot split
// one dense blob, nor join what is apart), the largest class is split in two by k-means, or the two
// classes with the closest centres are joined, until it does. The result replaces the classes
// through the replaceClustering action, so every user decision stays as it is and one undo takes
// it back.
import { DEFAULT_MAX_AUTO_EPS, DEFAULT_MIN_AUTO_EPS } from '../cluster/auto-eps';
import { clusterSegmentsAsync, orderBySize } from '../cluster/cluster-segments';
import { classColor, className, splitClusterAsync } from '../cluster';
import { SamanticError } from '../errors';
import type { ProjectStore } from '../store/project-store';
import type { SegmentVectors } from '../store/segments';
import { applyClustering, clusterMeta, SPLIT_SEED } from './clustering';

export type Granularity = 'fewer' | 'more';

/** Radii tried (cosine distance): log-spaced over the range auto mode searches (auto-eps.ts). */
const EPS_GRID = Array.from({ length: 25 }, (_, i) => DEFAULT_MIN_AUTO_EPS * (DEFAULT_MAX_AUTO_EPS / DEFAULT_MIN_AUTO_EPS) ** (i / 24));

/** How many classes "fewer" / "more" aims at, from how many there are now. */
export function granularityTarget(current: number, granularity: Granularity): number {
  const step = Math.max(1, Math.round(current * 0.3));
  return granularity === 'fewer' ? Math.max(1, current - step) : current + step;
}

/**
 * The class count "fewer" / "more" starts from: every class with members. The clustering groups the
 * decided classes' members too (they keep their class whatever it says), so they count.
 */
export function currentClassCount(store: ProjectStore): number {
  return store.listClasses().filter((c) => c.segmentCount > 0).length;
}

export interface GranularityResult {
  /** Classes of the clustering applied (decided classes it did not match come on top). */
  clusters: number;
  target: number;
  /** The DBSCAN radius started from. */
  eps: number;
  /** Classes split by k-means (positive) or joined (negative) after DBSCAN to reach the target. */
  adjusted: number;
}

/** Labels 0..k-1 per row (-1 noise) and k. */
interface Labelling {
  labels: Int32Array;
  k: number;
}

async function closestDbscan(v: SegmentVectors, target: number, minSamples?: number): Promise<Labelling & { eps: number }> {
  const input = { vectors: v.vectors, dim: v.dim, meta: Array.from({ length: v.count }, (_, i) => clusterMeta(v, i)) };
  let best: (Labelling & { eps: number }) | null = null;
  for (const eps of EPS_GRID) {
    const r = await clusterSegmentsAsync(input, { mode: 'dbscan', eps, minSamples });
    const k = r.classes.length;
    const off = Math.abs(k - target);
    // Ties go to the larger radius: it leaves fewer segments unassigned.
    if (!best || off <= Math.abs(best.k - target)) best = { labels: r.labels, k, eps };
  }
  return best!;
}

function members(labels: Int32Array, k: number): number[][] {
  const out: number[][] = Array.from({ length: k }, () => []);
  labels.forEach((l, i) => l >= 0 && out[l].push(i));
  return out;
}

/** Splits the largest class (of 2+ members) in two until there are `target` classes or none can be split. */
async function splitLargest(v: SegmentVectors, l: Labelling, target: number): Promise<number> {
  let splits = 0;
  while (l.k < target) {
    const groups = members(l.labels, l.k);
    const largest = groups.reduce((a, g, i) => (g.length > groups[a].length ? i : a), 0);
    if (groups[largest].length < 2) break;
    const [, second] = await splitClusterAsync(v.vectors, v.dim, groups[largest], 2, { seed: SPLIT_SEED });
    if (!second || second.length === 0) break;
    for (const row of second) l.labels[row] = l.k;
    l.k++;
    splits++;
  }
  return splits;
}

/** Joins the two classes whose mean directions are closest until there are `target` classes. */
function joinClosest(v: SegmentVectors, l: Labelling, target: number): number {
  let joins = 0;
  while (l.k > Math.max(1, target)) {
    const centres = members(l.labels, l.k).map((rows) => {
      const c = new Float64Array(v.dim);
      for (const r of rows) for (let d = 0; d < v.dim; d++) c[d] += v.vectors[r * v.dim + d];
      const norm = Math.hypot(...c) || 1;
      return c.map((x) => x / norm);
    });
    let pair = [0, 1];
    let bestSim = -Infinity;
    for (let a = 0; a < l.k; a++)
      for (let b = a + 1; b < l.k; b++) {
        let sim = 0;
        for (let d = 0; d < v.dim; d++) sim += centres[a][d] * centres[b][d];
        if (sim > bestSim) [bestSim, pair] = [sim, [a, b]];
      }
    const [keep, gone] = pair;
    l.labels = l.labels.map((x) => (x === gone ? keep : x > gone ? x - 1 : x));
    l.k--;
    joins++;
  }
  return joins;
}

/** Re-clusters the project into about `target` classes (see the file comment). */
export async function reclusterToCount(store: ProjectStore, target: number, minSamples?: number): Promise<GranularityResult> {
  if (!Number.isInteger(target) || target < 1) {
    throw new SamanticError('invalid-argument', `The number of classes must be a positive integer, got ${target}.`);
  }
  const v = store.getSegmentVectors();
  if (v.count === 0) throw new SamanticError('not-found', 'There are no segments to group yet; process the folder first.');
  const best = await closestDbscan(v, target, minSamples);
  const l: Labelling = { labels: Int32Array.from(best.labels), k: best.k };
  const adjusted = l.k < target ? await splitLargest(v, l, target) : -joinClosest(v, l, target);
  const ordered = orderBySize(l.labels, l.k);
  const classes = ordered.sizes.map((_, i) => ({ name: className(i), color: classColor(i) }));
  applyClustering(store, v, Array.from(ordered.labels), classes);
  return { clusters: classes.length, target, eps: best.eps, adjusted };
}
