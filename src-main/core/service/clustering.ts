// Clustering a whole project: every non-background segment of every image is clustered together
// (so a class means the same thing in all images); the result replaces the classes as ONE undoable
// gesture, and classes that keep most of their segments keep their user-given names.
import { applyAction } from '../actions/persistent';
import type { SplitPreview } from '../api/contract';
import { clusterSegmentsAsync, type ClusterOptions } from '../cluster/cluster-segments';
import { nearestSegments, splitClusterAsync } from '../cluster';
import { findSameClassParts, type PartCandidate } from '../cluster/parts';
import { SamanticError } from '../errors';
import type { ProjectStore } from '../store/project-store';
import type { SegmentVectors } from '../store/segments';

export interface ProjectClusterOptions {
  mode: 'auto' | 'dbscan';
  eps?: number;
  minSamples?: number;
  /** Same-class part suppression (cluster/parts.ts): minimum overlap of the smaller mask; > 1 turns it off. */
  partOverlap?: number;
}

/** Seed for the k-means of "split": fixed so a preview and the split it previews agree. */
export const SPLIT_SEED = 1;

/** The clustering's view of row i of a vector matrix. */
export function clusterMeta(v: SegmentVectors, i: number) {
  return {
    imageId: v.imageIds[i],
    area: v.areas[i],
    imageArea: v.imageAreas[i],
    bbox: [v.bboxes[4 * i], v.bboxes[4 * i + 1], v.bboxes[4 * i + 2], v.bboxes[4 * i + 3]] as [number, number, number, number],
  };
}

export async function clusterProject(store: ProjectStore, options: ProjectClusterOptions): Promise<{ classes: number; noise: number }> {
  const v = store.getSegmentVectors();
  if (v.count === 0) return { classes: 0, noise: 0 };
  const clusterOptions: ClusterOptions = { mode: options.mode, eps: options.eps, minSamples: options.minSamples };
  const meta = Array.from({ length: v.count }, (_, i) => clusterMeta(v, i));
  // The async form runs the dot products in onnxruntime (about 25x faster than the JS kernel here).
  const result = await clusterSegmentsAsync({ vectors: v.vectors, dim: v.dim, meta }, clusterOptions);
  return applyClustering(store, v, Array.from(result.labels), result.classes, options.partOverlap);
}

/**
 * Replaces the classes with a clustering of the rows of `v` (labels: class index per row, -1 noise)
 * as one undoable gesture, after suppressing same-class parts.
 */
export function applyClustering(
  store: ProjectStore,
  v: SegmentVectors,
  labels: number[],
  classes: readonly { name: string; color: string }[],
  partOverlap?: number,
): { classes: number; noise: number } {
  suppressSameClassParts(store, v, labels, partOverlap);
  applyAction(store, 'replaceClustering', {
    segmentIds: Array.from(v.ids),
    labels,
    classes: classes.map((c) => ({ name: c.name, color: c.color })),
  });
  let noise = 0;
  for (const l of labels) if (l < 0) noise++;
  return { classes: classes.length, noise };
}

/**
 * Unassigns, in place, the segments that repeat a same-class segment of their image (a part of it,
 * or the whole it is part of, whichever SAM rates lower). One image's masks in memory at a time.
 */
function suppressSameClassParts(store: ProjectStore, v: SegmentVectors, labels: number[], minOverlap: number | undefined): void {
  const row = new Map<number, number>();
  v.ids.forEach((id, i) => row.set(id, i));
  const imageIds = [...new Set(v.imageIds)];
  for (const imageId of imageIds) {
    const rows: number[] = [];
    const candidates: PartCandidate[] = [];
    for (const s of store.listSegments({ imageId, includeRemoved: false })) {
      const i = row.get(s.id);
      if (i === undefined) continue;
      rows.push(i);
      candidates.push({
        imageId,
        label: labels[i],
        score: s.predictedIou,
        user: s.source === 'user',
        bbox: s.bbox,
        area: s.area,
        rle: s.rle,
      });
    }
    for (const k of findSameClassParts(candidates, { minOverlap })) labels[rows[k]] = -1;
  }
}

export async function previewSplit(store: ProjectStore, classId: number, k: number): Promise<SplitPreview> {
  if (!Number.isInteger(k) || k < 2 || k > 20) {
    throw new SamanticError('invalid-argument', `Split needs k between 2 and 20 sub-classes, got ${k}.`);
  }
  const v = store.getSegmentVectors({ classId });
  if (v.count === 0) throw new SamanticError('not-found', `Class ${classId} has no segments to split; pick a class with segments.`);
  if (v.count < k)
    throw new SamanticError('invalid-argument', `Class ${classId} has only ${v.count} segments; it cannot be split into ${k}.`);
  const members = Array.from({ length: v.count }, (_, i) => i);
  const groups = await splitClusterAsync(v.vectors, v.dim, members, k, { seed: SPLIT_SEED });
  // Largest group first: it keeps the class's name and colour.
  const idGroups = groups
    .map((g) => g.map((i) => v.ids[i]))
    .filter((g) => g.length > 0)
    .sort((a, b) => b.length - a.length || a[0] - b[0]);
  return { classId, k, groups: idGroups };
}

export async function nearestToSelection(store: ProjectStore, segmentIds: number[], limit: number): Promise<number[]> {
  const v = store.getSegmentVectors();
  const row = new Map<number, number>();
  v.ids.forEach((id, i) => row.set(id, i));
  const queries = segmentIds.map((id) => row.get(id)).filter((i): i is number => i !== undefined);
  if (queries.length === 0)
    throw new SamanticError('not-found', 'None of the selected segments has an embedding; select segments found by the pipeline.');
  const found = nearestSegments(v.vectors, v.dim, queries, limit, { exclude: queries });
  return found.map((i) => v.ids[i]);
}
