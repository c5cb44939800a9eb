// The user's mask edits on a project: reads the segments as stored, derives what needs the image
// (the coverage-weighted segment embedding under the new mask, the class of the nearest labelled
// segments), and commits one named action each, so every edit is one undoable gesture.
import { applyAction } from '../actions/persistent';
import type { LabelDiff, SegmentRecord } from '../labels/model';
import type { StoredSegmentRecord } from '../actions/mask-actions';
import { segmentEmbedding } from '../embed/segment-embedding';
import { SamanticError } from '../errors';
import { applyStroke, checkRle, rleArea, rleMerge, type Stroke, type StrokeMode } from '../mask';
import type { ProjectStore } from '../store/project-store';
import type { ImageEmbedding, Rle } from '../types';

/** How many of the most similar labelled segments vote for a new segment's class. */
export const NEAREST_CLASS_K = 5;
/** Below this cosine similarity a labelled segment does not vote (the new one is unlike every class). */
export const NEAREST_CLASS_MIN_SIMILARITY = 0.5;

export type ClassChoice = { kind: 'nearest' } | { kind: 'class'; classId: number } | { kind: 'new'; name: string } | { kind: 'none' };

export type MaskEdit = { kind: 'stroke'; mode: StrokeMode; stroke: Stroke } | { kind: 'replace'; rle: Rle };

function embeddingUnder(embedding: ImageEmbedding, rle: Rle, where: string): number[] {
  const t = embedding.transform;
  if (rle.size[0] !== t.origHeight || rle.size[1] !== t.origWidth) {
    throw new SamanticError(
      'invalid-argument',
      `${where}: the mask is ${rle.size[1]}x${rle.size[0]} but the image is ${t.origWidth}x${t.origHeight}.`,
    );
  }
  if (rleArea(rle) === 0) throw new SamanticError('invalid-argument', `${where}: the mask is empty; a segment needs at least one pixel.`);
  const v = segmentEmbedding(embedding, rle);
  if (!v) throw new SamanticError('invalid-argument', `${where}: the mask covers no part of the image the model sees.`);
  return Array.from(v);
}

/**
 * The class of the segments most like `vector` (cosine similarity), each of the NEAREST_CLASS_K
 * nearest labelled ones voting with its similarity; null when none is similar enough.
 */
export function nearestClass(store: ProjectStore, vector: readonly number[]): number | null {
  const v = store.getSegmentVectors();
  if (v.count === 0 || v.dim !== vector.length) return null;
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  const scored: { cls: number; sim: number }[] = [];
  for (let i = 0; i < v.count; i++) {
    if (v.classIds[i] < 0) continue;
    let dot = 0;
    let n2 = 0;
    const row = v.vectors.subarray(i * v.dim, (i + 1) * v.dim);
    for (let k = 0; k < v.dim; k++) {
      dot += row[k] * vector[k];
      n2 += row[k] * row[k];
    }
    const sim = dot / (norm * (Math.sqrt(n2) || 1));
    if (sim >= NEAREST_CLASS_MIN_SIMILARITY) scored.push({ cls: v.classIds[i], sim });
  }
  scored.sort((a, b) => b.sim - a.sim);
  const votes = new Map<number, number>();
  for (const s of scored.slice(0, NEAREST_CLASS_K)) votes.set(s.cls, (votes.get(s.cls) ?? 0) + s.sim);
  let best: number | null = null;
  for (const [cls, w] of votes) if (best === null || w > votes.get(best)! || (w === votes.get(best)! && cls < best)) best = cls;
  return best;
}

export interface AddedSegment {
  segmentId: number;
  classId: number | null;
  diff: LabelDiff;
}

/** Adds a user segment on an image from a mask (a prompt's result or a brush drawing). */
export function addUserSegment(
  store: ProjectStore,
  imageId: number,
  embedding: ImageEmbedding,
  rle: Rle,
  choice: ClassChoice,
  meta: { point?: [number, number]; score?: number } = {},
): AddedSegment {
  checkRle(rle, 'addSegment: mask');
  const vector = embeddingUnder(embedding, rle, 'addSegment');
  const classId = choice.kind === 'class' ? choice.classId : choice.kind === 'nearest' ? nearestClass(store, vector) : null;
  const t = embedding.transform;
  const segment: SegmentRecord = {
    imageId,
    classId,
    removed: false,
    source: 'user',
    rle,
    bbox: [0, 0, 0, 0],
    area: 0,
    predictedIou: meta.score ?? 1,
    stabilityScore: 1,
    point: meta.point ?? [0, 0],
    cropBox: [0, 0, t.origWidth, t.origHeight],
    embedding: vector,
  };
  const diff = applyAction(store, 'addSegment', { segment, ...(choice.kind === 'new' ? { newClassName: choice.name } : {}) });
  const created = diff.find((c) => c.type === 'segment' && c.before === null);
  if (!created || created.type !== 'segment') throw new SamanticError('internal', 'addSegment recorded no segment.');
  return { segmentId: created.id, classId: created.after!.classId, diff };
}

/** A stored segment, or a 'not-found' error that says what to do. */
export function requireRecord(store: ProjectStore, segmentId: number): SegmentRecord {
  const r = store.getSegmentRecord(segmentId);
  if (!r) {
    throw new SamanticError(
      'not-found',
      `Segment ${segmentId} does not exist (it may have been deleted or merged). Reload the image and select again.`,
    );
  }
  return r;
}

/** The mask a segment would have after an edit (the stroke applied, or the replacement checked). */
export function editedMask(current: SegmentRecord, edit: MaskEdit): Rle {
  if (edit.kind === 'replace') {
    checkRle(edit.rle, 'editSegmentMask: mask');
    return edit.rle;
  }
  return applyStroke(current.rle, edit.stroke, edit.mode);
}

/** Replaces a segment's mask by a brush or eraser stroke or a new mask; one undoable gesture. */
export function editSegmentMask(store: ProjectStore, segmentId: number, embedding: ImageEmbedding, edit: MaskEdit): LabelDiff {
  const current = requireRecord(store, segmentId);
  const rle = editedMask(current, edit);
  if (rleArea(rle) === 0) {
    throw new SamanticError(
      'invalid-argument',
      `editSegmentMask: the edit would leave segment ${segmentId} empty; delete the segment instead.`,
    );
  }
  return applyAction(store, 'setSegmentMask', { segmentId, current, rle, embedding: embeddingUnder(embedding, rle, 'editSegmentMask') });
}

function storedList(store: ProjectStore, ids: readonly number[]): StoredSegmentRecord[] {
  return ids.map((id) => ({ id, record: requireRecord(store, id) }));
}

/** Merges segments of one image into the first; one undoable gesture. */
export function mergeUserSegments(
  store: ProjectStore,
  segmentIds: readonly number[],
  embedding: (imageId: number) => ImageEmbedding,
): LabelDiff {
  const segments = storedList(store, segmentIds);
  if (segments.length < 2) throw new SamanticError('invalid-argument', 'mergeSegments: select at least two segments of one object.');
  const imageId = segments[0].record.imageId;
  if (segments.some((s) => s.record.imageId !== imageId)) {
    throw new SamanticError(
      'invalid-argument',
      'mergeSegments: the segments are on different images; only segments of one image can be merged.',
    );
  }
  const e = embedding(imageId);
  // The union's embedding: computed from the merged mask, as for any other segment.
  const union = rleMerge(segments.map((s) => s.record.rle));
  return applyAction(store, 'mergeSegments', { segments, embedding: embeddingUnder(e, union, 'mergeSegments') });
}

/** Deletes segments outright; one undoable gesture. */
export function deleteUserSegments(store: ProjectStore, segmentIds: readonly number[]): LabelDiff {
  return applyAction(store, 'deleteSegments', { segments: storedList(store, segmentIds) });
}

/** The image a segment belongs to. */
export function imageOfSegment(store: ProjectStore, segmentId: number): number {
  return requireRecord(store, segmentId).imageId;
}
