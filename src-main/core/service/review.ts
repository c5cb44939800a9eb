// Review by confidence and propagation of a correction. Both read the labelled segments at call
// time, so every answer the user gives is in the classifier for the very next question (the
// labelled set is the model: nothing to retrain).
import type { GuessGroup, LookAlike, ReviewItem } from '../api/contract';
import { segmentDecided } from '../labels/model';
import { BACKGROUND_LABEL, classifyKnn, DEFAULT_KNN_OPTIONS } from '../classify/knn';
import { fitsSize, learnSizeRanges } from '../classify/size-range';
import { normalizeRows, takeRows } from '../cluster/vectors';
import { SamanticError } from '../errors';
import type { ProjectStore } from '../store/project-store';
import { references } from './classifying';

/** Look-alikes offered after a correction when the caller names no limit. */
export const DEFAULT_LOOK_ALIKES = 50;

/**
 * Unreviewed segments with a class, least confident first: confidence is the share of the
 * similarity-weighted votes of its k nearest labelled segments that agree with its class. Without
 * any labelled segment yet, the other members of the classes vote instead.
 */
export function reviewQueue(store: ProjectStore, limit: number): ReviewItem[] {
  const state = store.loadLabelState();
  const v = store.getSegmentVectors({ includeRemoved: true });
  const candidates: number[] = [];
  for (let i = 0; i < v.count; i++) {
    const s = state.segments.get(v.ids[i]);
    if (s && !s.removed && s.classId !== null && !segmentDecided(s)) candidates.push(i);
  }
  if (candidates.length === 0) return [];
  let refs = references(state, v);
  // No labels yet: the clustering's own classes are all there is to compare with (a segment then
  // finds itself among its neighbours, which lifts every score alike and keeps the order).
  if (refs.rows.length === 0) refs = { rows: candidates, labels: candidates.map((i) => v.classIds[i]) };
  const k = DEFAULT_KNN_OPTIONS.k;
  const knn = classifyKnn(takeRows(v.vectors, v.dim, refs.rows), refs.labels, takeRows(v.vectors, v.dim, candidates), v.dim, { k });
  const refVectors = normalizeRows(takeRows(v.vectors, v.dim, refs.rows), v.dim);
  const queries = normalizeRows(takeRows(v.vectors, v.dim, candidates), v.dim);
  const items = candidates.map((row, q): ReviewItem => {
    const classId = v.classIds[row];
    let agree = 0;
    let total = 0;
    for (const r of knn.neighbours[q]) {
      let sim = 0;
      for (let d = 0; d < v.dim; d++) sim += queries[q * v.dim + d] * refVectors[r * v.dim + d];
      const w = Math.max(0, sim);
      total += w;
      if (refs.labels[r] === classId) agree += w;
    }
    const guess = knn.best[q];
    return {
      segmentId: v.ids[row],
      imageId: v.imageIds[row],
      classId,
      bbox: [v.bboxes[4 * row], v.bboxes[4 * row + 1], v.bboxes[4 * row + 2], v.bboxes[4 * row + 3]],
      confidence: total > 0 ? agree / total : 0,
      guessClassId: guess === BACKGROUND_LABEL || guess < 0 ? null : guess,
    };
  });
  items.sort((a, b) => a.confidence - b.confidence || a.segmentId - b.segmentId);
  return items.slice(0, limit);
}

/**
 * Batch review: every segment no decision covers whose labelled look-alikes confidently place it
 * somewhere else than where it is (the classifier's thresholds and size check, as for new
 * images), grouped by that place. A group is what "accept these guesses" answers at once.
 */
export function reviewGuesses(store: ProjectStore): GuessGroup[] {
  const state = store.loadLabelState();
  const v = store.getSegmentVectors({ includeRemoved: true });
  const refs = references(state, v);
  if (refs.rows.length === 0) return [];
  const candidates: number[] = [];
  for (let i = 0; i < v.count; i++) {
    const s = state.segments.get(v.ids[i]);
    if (s && !s.removed && !segmentDecided(s)) candidates.push(i);
  }
  const knn = classifyKnn(takeRows(v.vectors, v.dim, refs.rows), refs.labels, takeRows(v.vectors, v.dim, candidates), v.dim);
  const sizes = learnSizeRanges(
    refs.labels,
    refs.rows.map((i) => v.areas[i]),
  );
  const groups = new Map<number | null, number[]>();
  candidates.forEach((row, q) => {
    const label = knn.labels[q];
    const current = v.classIds[row] < 0 ? null : v.classIds[row];
    let to: number | null | undefined;
    if (label === BACKGROUND_LABEL) to = current === null ? undefined : null;
    else if (label > 0 && label !== current && fitsSize(sizes, label, v.areas[row])) to = label;
    if (to === undefined) return;
    const g = groups.get(to);
    if (g) g.push(v.ids[row]);
    else groups.set(to, [v.ids[row]]);
  });
  return [...groups]
    .map(([classId, segmentIds]) => ({ classId, segmentIds }))
    .sort((a, b) => b.segmentIds.length - a.segmentIds.length || (a.classId ?? 0) - (b.classId ?? 0));
}

/**
 * The segments most like `segmentId` (cosine of the embeddings), most similar first, leaving out
 * those already where it is (its class, or background) and those a user decision covers.
 */
export function lookAlikes(store: ProjectStore, segmentId: number, limit = DEFAULT_LOOK_ALIKES, minSimilarity = -1): LookAlike[] {
  const state = store.loadLabelState();
  const self = state.segments.get(segmentId);
  if (!self)
    throw new SamanticError(
      'not-found',
      `Segment ${segmentId} does not exist (the image may have been processed again). Reload the image.`,
    );
  const v = store.getSegmentVectors({ includeRemoved: true });
  const row = v.ids.indexOf(segmentId);
  if (row < 0) throw new SamanticError('not-found', `Segment ${segmentId} has no embedding; pick a segment found by the pipeline.`);
  const unit = normalizeRows(v.vectors, v.dim);
  const out: LookAlike[] = [];
  for (let i = 0; i < v.count; i++) {
    if (i === row) continue;
    const s = state.segments.get(v.ids[i]);
    if (!s || segmentDecided(s)) continue;
    if (self.removed ? s.removed : !s.removed && s.classId === self.classId) continue;
    let sim = 0;
    for (let d = 0; d < v.dim; d++) sim += unit[row * v.dim + d] * unit[i * v.dim + d];
    if (sim >= minSimilarity) out.push({ segmentId: v.ids[i], imageId: v.imageIds[i], similarity: sim });
  }
  out.sort((a, b) => b.similarity - a.similarity || a.segmentId - b.segmentId);
  return out.slice(0, limit);
}
