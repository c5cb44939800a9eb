// The labelling state the user edits (classes, and each segment's class and "background" flag) and
// the reversible diffs every user action produces. A diff is an ordered list of changes, each
// carrying its before AND after values: applying it forwards redoes the action, applying its
// inverse (reversed order, before/after swapped) undoes it, and checking the before values on the
// way catches a history that no longer matches the data instead of silently corrupting it.
import { SamanticError } from '../errors';
import type { SegmentFields } from '../types';
import { distinctColor } from './palette';

export type ClassOrigin = 'cluster' | 'user';

/**
 * Whose word a class is: 'auto' (made by clustering, untouched), 'suggested' (a group of new
 * segments no class matched, waiting for the user to accept, merge or dismiss it), 'decided' (the
 * user named, merged, split, created or confirmed it: no automatic step changes it).
 */
export type ClassStatus = 'auto' | 'suggested' | 'decided';

export interface ClassFields {
  name: string;
  /** '#rrggbb', lower case. */
  color: string;
  /** Sort key of the class list (ascending). */
  order: number;
  createdBy: ClassOrigin;
  /** Absent in records written before statuses existed: see classStatus(). */
  status?: ClassStatus;
}

/** A class's status; records without one are 'decided' when the user made them, else 'auto'. */
export function classStatus(c: ClassFields): ClassStatus {
  return c.status ?? (c.createdBy === 'user' ? 'decided' : 'auto');
}

export interface ClassRecord extends ClassFields {
  id: number;
}

export interface SegmentLabel {
  id: number;
  /** null = unassigned (or clustering noise). */
  classId: number | null;
  /** "This is background": out of every class and never exported. */
  removed: boolean;
  /** A user decision covers this segment (assigned, created, restored, removed or confirmed). */
  decided: boolean;
  /** The user drew, imported or edited this mask (source 'user'): a decision too, read-only here. */
  userMade?: boolean;
}

/** Whether any user decision covers the segment: its own flag or a mask the user made. */
export function segmentDecided(s: SegmentLabel): boolean {
  return s.decided || s.userMade === true;
}

export interface LabelState {
  classes: Map<number, ClassRecord>;
  segments: Map<number, SegmentLabel>;
  /** Id for the next new class: above every id ever used, so ids are never reused. */
  nextClassId: number;
  /** Id for the next segment a user makes: above every id ever used. */
  nextSegmentId: number;
}

export type SegmentOrigin = 'amg' | 'user';

/**
 * A whole segment as the history carries it when a gesture creates, deletes or reshapes one: the
 * mask (uncompressed RLE, original pixels) and everything derived from it, so undo restores it
 * exactly. The embedding holds the stored (float16) values.
 */
export interface SegmentRecord extends SegmentFields {
  imageId: number;
  classId: number | null;
  removed: boolean;
  /** A user decision covers it (absent = false). */
  decided?: boolean;
  source: SegmentOrigin;
  embedding: number[];
}

/**
 * One reversible change. Class changes carry whole records (before null = created, after null =
 * deleted). Segment changes are parallel arrays (ids[i] goes from before[i] to after[i]) because
 * one gesture, such as re-clustering, may touch every segment of the project.
 */
export type LabelChange =
  | { type: 'class'; id: number; before: ClassFields | null; after: ClassFields | null }
  | { type: 'segmentClass'; ids: number[]; before: (number | null)[]; after: (number | null)[] }
  | { type: 'segmentRemoved'; ids: number[]; before: boolean[]; after: boolean[] }
  | { type: 'segment'; id: number; before: SegmentRecord | null; after: SegmentRecord | null }
  | { type: 'segmentDecided'; ids: number[]; before: boolean[]; after: boolean[] };

export type LabelDiff = LabelChange[];

export function cloneLabelState(state: LabelState): LabelState {
  return {
    classes: new Map([...state.classes].map(([id, c]) => [id, { ...c }])),
    segments: new Map([...state.segments].map(([id, s]) => [id, { ...s }])),
    nextClassId: state.nextClassId,
    nextSegmentId: state.nextSegmentId,
  };
}

export function invertDiff(diff: LabelDiff): LabelDiff {
  return diff
    .slice()
    .reverse()
    .map((c): LabelChange => {
      switch (c.type) {
        case 'class':
          return { type: 'class', id: c.id, before: c.after, after: c.before };
        case 'segmentClass':
          return { type: 'segmentClass', ids: c.ids, before: c.after, after: c.before };
        case 'segmentRemoved':
          return { type: 'segmentRemoved', ids: c.ids, before: c.after, after: c.before };
        case 'segment':
          return { type: 'segment', id: c.id, before: c.after, after: c.before };
        case 'segmentDecided':
          return { type: 'segmentDecided', ids: c.ids, before: c.after, after: c.before };
      }
    });
}

/** The ids of the classes a diff creates, in order (e.g. to select the class createClass made). */
export function createdClassIds(diff: LabelDiff): number[] {
  return diff.flatMap((c) => (c.type === 'class' && c.before === null && c.after !== null ? [c.id] : []));
}

function conflict(what: string): SamanticError {
  return new SamanticError(
    'conflict',
    `The edit history does not match the project any more: ${what}. Reload the project; if it persists, the history cannot be replayed.`,
  );
}

export function sameClassFields(a: ClassFields | null, b: ClassFields | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.name === b.name && a.color === b.color && a.order === b.order && a.createdBy === b.createdBy && classStatus(a) === classStatus(b)
  );
}

/** Whether two records describe the same segment row (the mask compared run by run). */
export function sameSegmentRecord(a: SegmentRecord | null, b: SegmentRecord | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.imageId === b.imageId &&
    a.classId === b.classId &&
    a.removed === b.removed &&
    a.source === b.source &&
    a.area === b.area &&
    a.rle.size[0] === b.rle.size[0] &&
    a.rle.size[1] === b.rle.size[1] &&
    a.rle.counts.length === b.rle.counts.length &&
    a.rle.counts.every((v, i) => v === b.rle.counts[i])
  );
}

function applySegmentChange(state: LabelState, c: Extract<LabelChange, { type: 'segment' }>): void {
  const current = state.segments.get(c.id);
  if (c.before === null) {
    if (current) throw conflict(`segment ${c.id} already exists`);
  } else if (!current || current.classId !== c.before.classId || current.removed !== c.before.removed) {
    throw conflict(`segment ${c.id} is not in the state this change expects`);
  }
  if (c.after === null) {
    state.segments.delete(c.id);
    return;
  }
  if (c.after.classId !== null && !state.classes.has(c.after.classId))
    throw conflict(`segment ${c.id} would belong to missing class ${c.after.classId}`);
  state.segments.set(c.id, {
    id: c.id,
    classId: c.after.classId,
    removed: c.after.removed,
    decided: c.after.decided ?? false,
    ...(c.after.source === 'user' ? { userMade: true } : {}),
  });
  state.nextSegmentId = Math.max(state.nextSegmentId, c.id + 1);
}

function applyChange(state: LabelState, c: LabelChange): void {
  if (c.type === 'segment') {
    applySegmentChange(state, c);
    return;
  }
  if (c.type === 'class') {
    const current = state.classes.get(c.id) ?? null;
    if (!sameClassFields(current, c.before)) throw conflict(`class ${c.id} is not in the state this change expects`);
    if (c.after === null) {
      for (const s of state.segments.values()) {
        if (s.classId === c.id) throw conflict(`class ${c.id} cannot be deleted while segment ${s.id} belongs to it`);
      }
      state.classes.delete(c.id);
    } else {
      state.classes.set(c.id, { id: c.id, ...c.after, status: classStatus(c.after) });
      state.nextClassId = Math.max(state.nextClassId, c.id + 1);
    }
    return;
  }
  // Check every segment before touching any, so a failing change leaves the state as it was.
  const segments = c.ids.map((id, i) => {
    const s = state.segments.get(id);
    if (!s) throw conflict(`segment ${id} does not exist`);
    const now = c.type === 'segmentClass' ? s.classId : c.type === 'segmentRemoved' ? s.removed : s.decided;
    if (now !== c.before[i]) throw conflict(`segment ${id} is not in the state this change expects`);
    if (c.type === 'segmentClass') {
      const target = c.after[i];
      if (target !== null && !state.classes.has(target)) throw conflict(`segment ${id} would move to missing class ${target}`);
    }
    return s;
  });
  segments.forEach((s, i) => {
    if (c.type === 'segmentClass') s.classId = c.after[i];
    else if (c.type === 'segmentRemoved') s.removed = c.after[i];
    else s.decided = c.after[i];
  });
}

/**
 * Applies a diff to the state in place. If some change does not match the state, the changes
 * already applied are rolled back and a 'conflict' SamanticError is thrown.
 */
export function applyDiff(state: LabelState, diff: LabelDiff): void {
  const { nextClassId, nextSegmentId } = state;
  for (let i = 0; i < diff.length; i++) {
    try {
      applyChange(state, diff[i]);
    } catch (err) {
      for (const c of invertDiff(diff.slice(0, i))) applyChange(state, c);
      state.nextClassId = nextClassId;
      state.nextSegmentId = nextSegmentId;
      throw err;
    }
  }
}

/** Classes in display order (by order, then id). */
export function sortedClasses(state: LabelState): ClassRecord[] {
  return [...state.classes.values()].sort((a, b) => a.order - b.order || a.id - b.id);
}

/** The change that gives a class another status, or none when it has it already. */
export function classStatusChange(state: LabelState, id: number, status: ClassStatus): LabelChange[] {
  const { id: _id, ...before } = state.classes.get(id)!;
  if (classStatus(before) === status) return [];
  return [{ type: 'class', id, before, after: { ...before, status } }];
}

/**
 * The changes that make a class the user's decision: its status, and its current members count as
 * reviewed (naming or confirming a class accepts what is in it; later arrivals are not covered).
 */
export function decideClass(state: LabelState, id: number, extraMembers: number[] = []): LabelChange[] {
  const members = [...state.segments.values()].filter((s) => s.classId === id).map((s) => s.id);
  return [...classStatusChange(state, id, 'decided'), ...segmentChanges(state, [...members, ...extraMembers], { decided: true })];
}

/** Changes that give the classes, listed in their new display order, the orders 0, 1, 2, ... */
export function renumberOrder(state: LabelState, orderedIds: number[]): LabelChange[] {
  const changes: LabelChange[] = [];
  orderedIds.forEach((id, order) => {
    const c = state.classes.get(id);
    if (c && c.order !== order) {
      const { id: _id, ...before } = c;
      changes.push({ type: 'class', id, before, after: { ...before, order } });
    }
  });
  return changes;
}

/**
 * Changes that give the listed segments a class and/or a removed flag, leaving out the segments
 * already in that state (so a no-op action yields an empty diff).
 */
export function segmentChanges(
  state: LabelState,
  ids: number[],
  target: { classId?: number | null; removed?: boolean; decided?: boolean },
): LabelChange[] {
  const out: LabelChange[] = [];
  if (target.classId !== undefined) {
    const moved = ids.filter((id) => state.segments.get(id)!.classId !== target.classId);
    if (moved.length > 0) {
      out.push({
        type: 'segmentClass',
        ids: moved,
        before: moved.map((id) => state.segments.get(id)!.classId),
        after: moved.map(() => target.classId as number | null),
      });
    }
  }
  if (target.removed !== undefined) {
    const flipped = ids.filter((id) => state.segments.get(id)!.removed !== target.removed);
    if (flipped.length > 0) {
      out.push({
        type: 'segmentRemoved',
        ids: flipped,
        before: flipped.map(() => !target.removed),
        after: flipped.map(() => target.removed as boolean),
      });
    }
  }
  if (target.decided !== undefined) {
    const flipped = ids.filter((id) => state.segments.get(id)!.decided !== target.decided);
    if (flipped.length > 0) {
      out.push({
        type: 'segmentDecided',
        ids: flipped,
        before: flipped.map(() => !target.decided),
        after: flipped.map(() => target.decided as boolean),
      });
    }
  }
  return out;
}

/** A colour for a new class, kept apart from the colours classes have (and `extra`, made alongside it). */
export function freshClassColor(state: LabelState, extra: readonly string[] = []): string {
  return distinctColor([...[...state.classes.values()].map((c) => c.color), ...extra]);
}

/** Names compare trimmed and case-insensitively: "Dog" and "dog " would be one COCO category to a person. */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

/** `base`, or `base 2`, `base 3`, ... whichever is first not in `taken` (keys from nameKey). */
export function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(nameKey(base))) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} ${n}`;
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}

export function takenNames(state: LabelState, except?: number): Set<string> {
  return new Set([...state.classes.values()].filter((c) => c.id !== except).map((c) => nameKey(c.name)));
}
