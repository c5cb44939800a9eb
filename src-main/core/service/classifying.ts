// Placing the segments of newly processed images once the user has corrected the folder: instead
// of re-clustering (which would reshuffle what the user built), each new segment is classified
// against the segments a user decision covers (classify/knn.ts). Sure ones join the user's
// classes, ones that look like the user's background stay unassigned, and the unsure ones are
// clustered among themselves into suggested classes. All of it is one undoable gesture.
import type { SuggestedGroup } from '../actions/classify-new';
import { type LabelState, classStatus, segmentDecided } from '../labels/model';
import { applyAction } from '../actions/persistent';
import { clusterSegmentsAsync } from '../cluster/cluster-segments';
import { findSameClassParts, type PartCandidate } from '../cluster/parts';
import { fitsSize, learnSizeRanges } from '../classify/size-range';
import { learnPartKeepRatio, partEvidence, type PartEvidence } from '../classify/part-rule';
import { BACKGROUND_LABEL, type KnnOptions, UNSURE_LABEL } from '../classify/knn';
import { classifyInPasses } from '../classify/self-training';
import { takeRows } from '../cluster/vectors';
import type { ProjectStore } from '../store/project-store';
import type { SegmentVectors } from '../store/segments';

/** Fewest unsure segments that make a suggested class (DBSCAN minSamples among the unsure ones). */
export const SUGGESTION_MIN_SAMPLES = 4;

export interface ClassifyNewOptions {
  knn?: KnnOptions;
  /** Passes that add the placed new segments as references (classify/self-training.ts); 0 = none. */
  passes?: number;
  suggestionMinSamples?: number;
}

export interface ClassifyNewResult {
  /** Segments put into an existing class. */
  classified: number;
  /** Segments that look like the user's background: left unassigned. */
  background: number;
  /** Segments left unsorted (novel or contested), including those in suggested classes. */
  unsure: number;
  /** Suggested classes made from the unsure ones. */
  suggestions: number;
}

/** Whether any user decision exists in the project: then new images are classified, not clustered. */
export function hasUserDecisions(state: LabelState): boolean {
  for (const c of state.classes.values()) if (classStatus(c) === 'decided') return true;
  for (const s of state.segments.values()) if (segmentDecided(s)) return true;
  return false;
}

/**
 * Label of each row as a reference for the classifier: its class when a decision covers it (its
 * own, or its class's), BACKGROUND_LABEL when the user marked it as background, else null.
 */
export function referenceLabel(state: LabelState, segmentId: number): number | null {
  const s = state.segments.get(segmentId);
  if (!s) return null;
  if (s.removed) return segmentDecided(s) ? BACKGROUND_LABEL : null;
  if (s.classId === null) return null;
  const c = state.classes.get(s.classId);
  return segmentDecided(s) || (c !== undefined && classStatus(c) === 'decided') ? s.classId : null;
}

/** The references (rows a decision labels) of a vector matrix read with includeRemoved. */
export function references(state: LabelState, v: SegmentVectors): { rows: number[]; labels: number[] } {
  const rows: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < v.count; i++) {
    const l = referenceLabel(state, v.ids[i]);
    if (l === null) continue;
    rows.push(i);
    labels.push(l);
  }
  return { rows, labels };
}

/**
 * The folder's keep ratio for parts (classify/part-rule.ts), from the images where the user
 * decided something; undefined: every part is left unassigned.
 */
export function folderPartKeepRatio(store: ProjectStore, state: LabelState, v: SegmentVectors): number | undefined {
  const images = new Set<number>();
  for (let i = 0; i < v.count; i++) {
    const s = state.segments.get(v.ids[i]);
    if (s && segmentDecided(s)) images.add(v.imageIds[i]);
  }
  const evidence: PartEvidence = { kept: [], rejected: [] };
  for (const imageId of images) {
    const e = partEvidence(store.listSegments({ imageId, includeRemoved: true }));
    evidence.kept.push(...e.kept);
    evidence.rejected.push(...e.rejected);
  }
  return learnPartKeepRatio(evidence);
}

/** Segments whose placement repeats a same-class segment of their image (cluster/parts.ts). */
function partsToDrop(
  store: ProjectStore,
  imageIds: ReadonlySet<number>,
  labelOf: ReadonlyMap<number, number>,
  keepAreaRatio: number | undefined,
): number[] {
  const out: number[] = [];
  for (const imageId of imageIds) {
    const segs = store.listSegments({ imageId, includeRemoved: false });
    const candidates: PartCandidate[] = segs.map((s) => {
      const placed = labelOf.get(s.id);
      const label = placed === undefined ? (s.classId ?? -1) : placed > 0 ? placed : -1;
      return { imageId, label, score: s.predictedIou, user: s.decided, bbox: s.bbox, area: s.area, rle: s.rle };
    });
    for (const k of findSameClassParts(candidates, { keepAreaRatio })) if (labelOf.has(segs[k].id)) out.push(segs[k].id);
  }
  return out;
}

/**
 * Classifies the unassigned, undecided segments of the given images and records the result as
 * one gesture ('applyClassification'). Nothing a decision covers, and no class record, changes.
 */
export async function classifyNewSegments(
  store: ProjectStore,
  imageIds: ReadonlySet<number>,
  options: ClassifyNewOptions = {},
): Promise<ClassifyNewResult> {
  const result: ClassifyNewResult = { classified: 0, background: 0, unsure: 0, suggestions: 0 };
  const state = store.loadLabelState();
  const v = store.getSegmentVectors({ includeRemoved: true });
  const queries: number[] = [];
  for (let i = 0; i < v.count; i++) {
    const s = state.segments.get(v.ids[i]);
    if (s && imageIds.has(v.imageIds[i]) && !s.removed && s.classId === null && !segmentDecided(s)) queries.push(i);
  }
  if (queries.length === 0) return result;
  const refs = references(state, v);
  // A segment far smaller or larger than every labelled member of its class is a fragment or a
  // combination the embedding cannot tell from the whole (classify/size-range.ts): unsorted.
  const sizes = learnSizeRanges(
    refs.labels,
    refs.rows.map((i) => v.areas[i]),
  );
  // They look like a known class, not like a new kind of object: they stay out of the suggestions.
  const offSize = new Set<number>();
  const sure = classifyInPasses(
    takeRows(v.vectors, v.dim, refs.rows),
    refs.labels,
    takeRows(v.vectors, v.dim, queries),
    v.dim,
    options.knn,
    (q, label) => {
      if (label <= 0 || fitsSize(sizes, label, v.areas[queries[q]])) return true;
      offSize.add(v.ids[queries[q]]);
      return false;
    },
    options.passes,
  );
  const labelOf = new Map<number, number>();
  queries.forEach((row, q) => labelOf.set(v.ids[row], sure.labels[q]));
  // As after clustering: within one image and class, a part or duplicate of another segment is
  // one instance counted twice; the one SAM rates lower stays unassigned.
  const keepAreaRatio = folderPartKeepRatio(store, state, v);
  for (const id of partsToDrop(store, imageIds, labelOf, keepAreaRatio)) labelOf.set(id, BACKGROUND_LABEL);
  const placed: number[] = [];
  const placedClass: number[] = [];
  const unsure: number[] = [];
  queries.forEach((row) => {
    const label = labelOf.get(v.ids[row])!;
    if (label === UNSURE_LABEL) {
      if (!offSize.has(v.ids[row])) unsure.push(row);
      result.unsure++;
    } else if (label === BACKGROUND_LABEL) result.background++;
    else {
      placed.push(v.ids[row]);
      placedClass.push(label);
    }
  });
  result.classified = placed.length;

  const suggestions: SuggestedGroup[] = [];
  const minSamples = options.suggestionMinSamples ?? SUGGESTION_MIN_SAMPLES;
  if (unsure.length > minSamples) {
    const meta = unsure.map((i) => ({
      imageId: v.imageIds[i],
      area: v.areas[i],
      imageArea: v.imageAreas[i],
      bbox: [v.bboxes[4 * i], v.bboxes[4 * i + 1], v.bboxes[4 * i + 2], v.bboxes[4 * i + 3]] as [number, number, number, number],
    }));
    const c = await clusterSegmentsAsync({ vectors: takeRows(v.vectors, v.dim, unsure), dim: v.dim, meta }, { mode: 'auto', minSamples });
    const groups = c.classes.map(() => [] as number[]);
    c.labels.forEach((l, k) => l >= 0 && groups[l].push(v.ids[unsure[k]]));
    for (const g of groups) if (g.length > 0) suggestions.push({ segmentIds: g });
  }
  result.suggestions = suggestions.length;
  if (placed.length > 0 || suggestions.length > 0) {
    applyAction(store, 'applyClassification', { segmentIds: placed, classIds: placedClass, suggestions });
  }
  return result;
}
