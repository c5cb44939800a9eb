// The user's operations on segments' masks, as pure functions: (state, args) -> diff. Each records
// whole segment rows (SegmentRecord) before and after, so undo restores a mask, its derived fields
// and its origin exactly. What needs the image (the segment embedding under the new mask) is
// computed by the caller and passed in; everything that follows from the mask alone (area, bbox)
// is computed here, so a record can never disagree with its own mask.
import { SamanticError } from '../errors';
import { checkRle, normaliseRle, rleArea, rleBoxInclusive, rleMerge } from '../mask';
import type { BoxXYWH, Rle } from '../types';
import { type LabelChange, type LabelDiff, type LabelState, type SegmentRecord, freshClassColor, nameKey } from '../labels/model';
import { requireArgs, requireClass, requireId, requireName, requireSegments } from './validate';

export interface AddSegmentArgs {
  /** The new segment; its classId may be null (unassigned). Source is forced to 'user'. */
  segment: SegmentRecord;
  /** Put it into a new class of this name instead of segment.classId. */
  newClassName?: string;
}

export interface SetSegmentMaskArgs {
  segmentId: number;
  /** The segment as stored now (checked against the project when the change is written). */
  current: SegmentRecord;
  rle: Rle;
  /** Segment embedding under the new mask. */
  embedding: number[];
}

export interface StoredSegmentRecord {
  id: number;
  record: SegmentRecord;
}

export interface MergeSegmentsArgs {
  /** Two or more segments of one image, as stored now; the first one is kept. */
  segments: StoredSegmentRecord[];
  /** Segment embedding under the union of the masks. */
  embedding: number[];
}

export interface DeleteSegmentsArgs {
  segments: StoredSegmentRecord[];
}

function invalid(action: string, message: string): SamanticError {
  return new SamanticError('invalid-argument', `${action}: ${message}`);
}

/** pycocotools [x, y, w, h] of a non-empty RLE. */
function bboxOf(rle: Rle): BoxXYWH {
  const b = rleBoxInclusive(rle)!;
  return [b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1];
}

function requireMask(action: string, rle: unknown, size?: [number, number]): Rle {
  if (typeof rle !== 'object' || rle === null) throw invalid(action, 'the mask is missing.');
  checkRle(rle as Rle, `${action}: mask`);
  const r = normaliseRle(rle as Rle);
  if (size && (r.size[0] !== size[0] || r.size[1] !== size[1])) {
    throw invalid(action, `the mask is ${r.size[1]}x${r.size[0]} but the image is ${size[1]}x${size[0]}.`);
  }
  if (rleArea(r) === 0) throw invalid(action, 'the mask is empty; a segment needs at least one pixel. Delete the segment instead.');
  return r;
}

function requireEmbedding(action: string, e: unknown): number[] {
  if (!Array.isArray(e) || e.length === 0 || !e.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw invalid(action, 'the segment embedding must be a non-empty list of finite numbers.');
  }
  return e as number[];
}

/** Checks that `current` matches the labelling state of segment `id` (class and background flag). */
function requireCurrent(state: LabelState, action: string, id: number, current: unknown): SegmentRecord {
  requireSegments(state, action, [id]);
  if (typeof current !== 'object' || current === null) throw invalid(action, `the current record of segment ${id} is missing.`);
  const c = current as SegmentRecord;
  const s = state.segments.get(id)!;
  if (s.classId !== c.classId || s.removed !== c.removed) {
    throw new SamanticError(
      'conflict',
      `${action}: segment ${id} changed meanwhile (class or background). Reload the image and try again.`,
    );
  }
  return c;
}

/** A new segment drawn or prompted by the user; optionally into a new class. */
export function addSegment(state: LabelState, args: AddSegmentArgs): LabelDiff {
  const a = requireArgs('addSegment', args);
  const seg = a.segment as SegmentRecord | undefined;
  if (typeof seg !== 'object' || seg === null) throw invalid('addSegment', 'segment is missing.');
  requireId('addSegment', 'segment.imageId', seg.imageId);
  const rle = requireMask('addSegment', seg.rle);
  const embedding = requireEmbedding('addSegment', seg.embedding);
  const changes: LabelChange[] = [];
  let classId = seg.classId ?? null;
  if (a.newClassName !== undefined) {
    const name = requireName('addSegment', a.newClassName);
    const other = [...state.classes.values()].find((c) => nameKey(c.name) === nameKey(name));
    if (other)
      throw invalid('addSegment', `the name '${name}' is already used by class ${other.id}. Choose another name, or pick that class.`);
    classId = state.nextClassId;
    const order = Math.max(-1, ...[...state.classes.values()].map((c) => c.order)) + 1;
    changes.push({
      type: 'class',
      id: classId,
      before: null,
      after: { name, color: freshClassColor(state), order, createdBy: 'user' },
    });
  } else if (classId !== null) {
    requireClass(state, 'addSegment', requireId('addSegment', 'segment.classId', classId));
  }
  const after = userMask({ ...seg, classId, removed: false }, rle, embedding);
  changes.push({ type: 'segment', id: state.nextSegmentId, before: null, after });
  return changes;
}

/** `record` with a mask the user made: its area and box follow from the mask, its origin is the user. */
function userMask(record: SegmentRecord, rle: Rle, embedding: number[]): SegmentRecord {
  return { ...record, source: 'user', rle, area: rleArea(rle), bbox: bboxOf(rle), embedding };
}

/** Replaces a segment's mask (prompt, brush or eraser); the segment becomes the user's. */
export function setSegmentMask(state: LabelState, args: SetSegmentMaskArgs): LabelDiff {
  const a = requireArgs('setSegmentMask', args);
  const id = requireId('setSegmentMask', 'segmentId', a.segmentId);
  const current = requireCurrent(state, 'setSegmentMask', id, a.current);
  const rle = requireMask('setSegmentMask', a.rle, current.rle.size);
  const embedding = requireEmbedding('setSegmentMask', a.embedding);
  const same = rle.counts.length === current.rle.counts.length && rle.counts.every((v, i) => v === current.rle.counts[i]);
  if (same && current.source === 'user') return [];
  const after = userMask(current, rle, same ? current.embedding : embedding);
  return [{ type: 'segment', id, before: current, after }];
}

function requireStoredList(state: LabelState, action: string, list: unknown, min: number): StoredSegmentRecord[] {
  if (!Array.isArray(list) || list.length < min)
    throw invalid(action, `needs at least ${min} segment${min > 1 ? 's' : ''}, got ${Array.isArray(list) ? list.length : 'none'}.`);
  const seen = new Set<number>();
  return (list as StoredSegmentRecord[]).map((s, i) => {
    const id = requireId(action, `segments[${i}].id`, s?.id);
    if (seen.has(id)) throw invalid(action, `segment ${id} is listed twice.`);
    seen.add(id);
    return { id, record: requireCurrent(state, action, id, s.record) };
  });
}

/** Two or more segments of one object become one: the first keeps the union of the masks, the others go. */
export function mergeSegments(state: LabelState, args: MergeSegmentsArgs): LabelDiff {
  const a = requireArgs('mergeSegments', args);
  const list = requireStoredList(state, 'mergeSegments', a.segments, 2);
  const imageIds = new Set(list.map((s) => s.record.imageId));
  if (imageIds.size > 1) throw invalid('mergeSegments', 'the segments are on different images; only segments of one image can be merged.');
  const embedding = requireEmbedding('mergeSegments', a.embedding);
  const [keep, ...rest] = list;
  const rle = rleMerge(list.map((s) => s.record.rle));
  // The kept segment's class, else the first class among the others: a merge never loses a label.
  const classId = keep.record.classId ?? rest.find((s) => s.record.classId !== null)?.record.classId ?? null;
  const after = userMask({ ...keep.record, classId, removed: false }, rle, embedding);
  return [
    ...rest.map((s): LabelChange => ({ type: 'segment', id: s.id, before: s.record, after: null })),
    { type: 'segment', id: keep.id, before: keep.record, after },
  ];
}

/** Deletes segments outright (not "background": they leave the project; undo brings them back). */
export function deleteSegments(state: LabelState, args: DeleteSegmentsArgs): LabelDiff {
  const a = requireArgs('deleteSegments', args);
  return requireStoredList(state, 'deleteSegments', a.segments, 1).map((s) => ({
    type: 'segment',
    id: s.id,
    before: s.record,
    after: null,
  }));
}
