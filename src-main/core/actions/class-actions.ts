// The user's operations on classes, as pure functions: (state, args) -> diff. They never modify
// the state; applying the diff (model.applyDiff, or the store for a project) does. Arguments are
// validated here, so a diff that comes back is always applicable to the state it was made from.
import { SamanticError } from '../errors';
import {
  type ClassFields,
  type LabelChange,
  type LabelDiff,
  type LabelState,
  classStatus,
  decideClass,
  freshClassColor,
  nameKey,
  renumberOrder,
  segmentChanges,
  sortedClasses,
  takenNames,
  uniqueName,
} from '../labels/model';
import { nextClassName } from '../labels/palette';
import { optional, requireArgs, requireClass, requireColor, requireId, requireIdList, requireName, requireSegments } from './validate';

export interface RenameClassArgs {
  classId: number;
  name: string;
}
export interface SetClassColorArgs {
  classId: number;
  color: string;
}
export interface ReorderClassesArgs {
  /** These classes come first, in this order; the others follow in their current order. */
  classIds: number[];
}
export interface MergeClassesArgs {
  classIds: number[];
  /** The class that stays (default: the first of classIds); it need not be listed in classIds. */
  into?: number;
}
export interface SplitClassArgs {
  classId: number;
  /** Segment ids of the class per sub-class (e.g. from clustering); group 0 keeps the class. */
  groups: number[][];
}
export interface CreateClassArgs {
  segmentIds: number[];
  name?: string;
  color?: string;
}
export interface DeleteClassArgs {
  classId: number;
}

function fieldsOf(state: LabelState, id: number): ClassFields {
  const { id: _id, ...fields } = state.classes.get(id)!;
  return fields;
}

function nameInUse(action: string, state: LabelState, name: string, except?: number): SamanticError | null {
  const other = [...state.classes.values()].find((c) => c.id !== except && nameKey(c.name) === nameKey(name));
  if (!other) return null;
  return new SamanticError(
    'invalid-argument',
    `${action}: the name '${name}' is already used by class ${other.id}. Choose another name, or merge the two classes.`,
  );
}

export function renameClass(state: LabelState, args: RenameClassArgs): LabelDiff {
  const a = requireArgs('renameClass', args);
  const id = requireId('renameClass', 'classId', a.classId);
  requireClass(state, 'renameClass', id);
  const name = requireName('renameClass', a.name);
  const clash = nameInUse('renameClass', state, name, id);
  if (clash) throw clash;
  const before = fieldsOf(state, id);
  // Typing the name it already has still confirms the class.
  if (before.name === name) return decideClass(state, id);
  const decided = decideClass(state, id).filter((c) => c.type !== 'class');
  return [{ type: 'class', id, before, after: { ...before, name, status: 'decided' } }, ...decided];
}

export function setClassColor(state: LabelState, args: SetClassColorArgs): LabelDiff {
  const a = requireArgs('setClassColor', args);
  const id = requireId('setClassColor', 'classId', a.classId);
  requireClass(state, 'setClassColor', id);
  const color = requireColor('setClassColor', a.color);
  const before = fieldsOf(state, id);
  if (before.color === color) return [];
  return [{ type: 'class', id, before, after: { ...before, color } }];
}

export function reorderClasses(state: LabelState, args: ReorderClassesArgs): LabelDiff {
  const a = requireArgs('reorderClasses', args);
  const first = requireIdList('reorderClasses', 'classIds', a.classIds);
  first.forEach((id) => requireClass(state, 'reorderClasses', id));
  const listed = new Set(first);
  const rest = sortedClasses(state)
    .map((c) => c.id)
    .filter((id) => !listed.has(id));
  return renumberOrder(state, [...first, ...rest]);
}

export function mergeClasses(state: LabelState, args: MergeClassesArgs): LabelDiff {
  const a = requireArgs('mergeClasses', args);
  const ids = requireIdList('mergeClasses', 'classIds', a.classIds);
  const into = optional(a.into, (v) => requireId('mergeClasses', 'into', v)) ?? ids[0];
  ids.forEach((id) => requireClass(state, 'mergeClasses', id));
  requireClass(state, 'mergeClasses', into);
  const absorbed = new Set(ids.filter((id) => id !== into));
  if (absorbed.size === 0) {
    throw new SamanticError('invalid-argument', 'mergeClasses: select at least two different classes to merge.');
  }
  const moved = [...state.segments.values()].filter((s) => s.classId !== null && absorbed.has(s.classId)).map((s) => s.id);
  // Segments move first: a class can only be deleted once nothing refers to it.
  const diff: LabelDiff = segmentChanges(state, moved, { classId: into });
  for (const id of absorbed) diff.push({ type: 'class', id, before: fieldsOf(state, id), after: null });
  diff.push(...decideClass(state, into, moved));
  return diff;
}

/** A default name ('class 3') is not extended ('class 3 2' reads as nonsense): the part gets its own number. */
export function splitPartName(original: string, position: number, taken: ReadonlySet<string>): string {
  return DEFAULT_NAME.test(original.trim()) ? nextClassName(position, taken) : uniqueName(original, new Set(taken));
}

const DEFAULT_NAME = /^class \d+$/i;

export function splitClass(state: LabelState, args: SplitClassArgs): LabelDiff {
  const a = requireArgs('splitClass', args);
  const id = requireId('splitClass', 'classId', a.classId);
  const original = requireClass(state, 'splitClass', id);
  if (!Array.isArray(a.groups))
    throw new SamanticError('invalid-argument', 'splitClass: groups must be an array of arrays of segment ids.');
  const groups = (a.groups as unknown[])
    .map((g, i) => (Array.isArray(g) && g.length === 0 ? [] : requireIdList('splitClass', `groups[${i}]`, g)))
    .filter((g) => g.length > 0);
  if (groups.length < 2) {
    throw new SamanticError('invalid-argument', 'splitClass: give at least two non-empty groups of segments (one per new class).');
  }
  const seen = new Set<number>();
  for (const g of groups) {
    requireSegments(state, 'splitClass', g);
    for (const s of g) {
      if (seen.has(s))
        throw new SamanticError('invalid-argument', `splitClass: segment ${s} is in two groups; each segment goes into one group.`);
      seen.add(s);
      if (state.segments.get(s)!.classId !== id) {
        throw new SamanticError(
          'invalid-argument',
          `splitClass: segment ${s} is not in class ${id}; only its own segments can be split off.`,
        );
      }
    }
  }

  // Group 0 keeps the class (its name may be the user's); the others become new classes placed
  // right after it, named after it ("dog 2", "dog 3", ...) or, for a default name, numbered.
  const taken = takenNames(state);
  const colours: string[] = [];
  const position = sortedClasses(state).findIndex((c) => c.id === id) + 1;
  const created: { id: number; fields: ClassFields; segments: number[] }[] = groups.slice(1).map((g, i) => {
    const newId = state.nextClassId + i;
    const name = splitPartName(original.name, position + i + 1, taken);
    taken.add(nameKey(name));
    const color = freshClassColor(state, colours);
    colours.push(color);
    return { id: newId, fields: { name, color, order: 0, createdBy: 'user', status: 'decided' }, segments: g };
  });
  const order = sortedClasses(state).flatMap((c) => (c.id === id ? [c.id, ...created.map((n) => n.id)] : [c.id]));
  const diff: LabelDiff = [];
  for (const n of created) {
    diff.push({ type: 'class', id: n.id, before: null, after: { ...n.fields, order: order.indexOf(n.id) } });
  }
  diff.push(...renumberOrder(state, order));
  for (const n of created) diff.push(...segmentChanges(state, n.segments, { classId: n.id }));
  // renumberOrder may have rewritten the kept class's record: its status change reads the result.
  const kept = diff.filter((c) => c.type === 'class' && c.id === id).at(-1);
  const keptFields = kept && kept.type === 'class' ? kept.after! : fieldsOf(state, id);
  if (keptFields.status !== 'decided' && !(keptFields.status === undefined && keptFields.createdBy === 'user')) {
    diff.push({ type: 'class', id, before: keptFields, after: { ...keptFields, status: 'decided' } });
  }
  const members = [...state.segments.values()].filter((s) => s.classId === id).map((s) => s.id);
  diff.push(...segmentChanges(state, members, { decided: true }));
  return diff;
}

export function createClass(state: LabelState, args: CreateClassArgs): LabelDiff {
  const a = requireArgs('createClass', args);
  const segmentIds = requireIdList('createClass', 'segmentIds', a.segmentIds);
  requireSegments(state, 'createClass', segmentIds);
  const id = state.nextClassId;
  const given = optional(a.name, (v) => requireName('createClass', v));
  if (given !== undefined) {
    const clash = nameInUse('createClass', state, given);
    if (clash) throw clash;
  }
  const name = given ?? nextClassName(state.classes.size + 1, takenNames(state));
  const color = optional(a.color, (v) => requireColor('createClass', v)) ?? freshClassColor(state);
  const order = Math.max(-1, ...[...state.classes.values()].map((c) => c.order)) + 1;
  const created: LabelChange = { type: 'class', id, before: null, after: { name, color, order, createdBy: 'user', status: 'decided' } };
  // A segment put into a class is an object again, even if it was marked as background.
  return [created, ...segmentChanges(state, segmentIds, { classId: id, removed: false, decided: true })];
}

/** Deletes a class; its segments become unassigned (not background). */
export function deleteClass(state: LabelState, args: DeleteClassArgs): LabelDiff {
  const a = requireArgs('deleteClass', args);
  const id = requireId('deleteClass', 'classId', a.classId);
  requireClass(state, 'deleteClass', id);
  const members = [...state.segments.values()].filter((s) => s.classId === id).map((s) => s.id);
  return [...segmentChanges(state, members, { classId: null }), { type: 'class', id, before: fieldsOf(state, id), after: null }];
}

/**
 * "This whole class is background": its segments are marked as background and the class, now
 * empty, is deleted in the same gesture (no empty class is left behind).
 */
export function removeClass(state: LabelState, args: DeleteClassArgs): LabelDiff {
  const a = requireArgs('removeClass', args);
  const id = requireId('removeClass', 'classId', a.classId);
  requireClass(state, 'removeClass', id);
  const members = [...state.segments.values()].filter((s) => s.classId === id).map((s) => s.id);
  return [
    ...segmentChanges(state, members, { classId: null, removed: true, decided: true }),
    { type: 'class', id, before: fieldsOf(state, id), after: null },
  ];
}

export interface ClassIdsArgs {
  classIds: number[];
}

/** "These classes are right" (also: accept a suggested class): the user's decision from now on. */
export function confirmClasses(state: LabelState, args: ClassIdsArgs): LabelDiff {
  const a = requireArgs('confirmClasses', args);
  const ids = requireIdList('confirmClasses', 'classIds', a.classIds);
  ids.forEach((id) => requireClass(state, 'confirmClasses', id));
  return ids.flatMap((id) => decideClass(state, id));
}

/** Turns down suggested classes: their segments go back to unsorted, the suggestions are deleted. */
export function dismissSuggestions(state: LabelState, args: ClassIdsArgs): LabelDiff {
  const a = requireArgs('dismissSuggestions', args);
  const ids = requireIdList('dismissSuggestions', 'classIds', a.classIds);
  for (const id of ids) {
    const c = requireClass(state, 'dismissSuggestions', id);
    if (classStatus(c) !== 'suggested') {
      throw new SamanticError(
        'invalid-argument',
        `dismissSuggestions: class ${id} ('${c.name}') is not a suggestion; delete it or merge it instead.`,
      );
    }
  }
  return ids.flatMap((id) => deleteClass(state, { classId: id }));
}
