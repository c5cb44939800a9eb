// What a person calls each gesture, for "Undo: merge class 3 into class 1". Titles are made once,
// when the gesture is recorded, from the state before it and its diff (class names change later;
// the title says what the user saw then).
import type { LabelDiff, LabelState } from '../labels/model';
import { createdClassIds } from '../labels/model';
import type { ActionName } from './registry';

/** Gestures made by processing rather than by a person: undoing them drops what was discovered. */
export const AUTOMATIC_GESTURES: ReadonlySet<string> = new Set(['replaceClustering', 'applyClassification']);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "a, b and c" */
function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Distinct segments a diff changes (class, flag, mask or existence). */
function segmentsTouched(diff: LabelDiff): number {
  const ids = new Set<number>();
  for (const c of diff) {
    if (c.type === 'class') continue;
    if (c.type === 'segment') ids.add(c.id);
    else c.ids.forEach((id) => ids.add(id));
  }
  return ids.size;
}

/** Names of the classes a diff creates, as it names them. */
function createdNames(diff: LabelDiff): string[] {
  const created = new Set(createdClassIds(diff));
  return diff.flatMap((c) => (c.type === 'class' && created.has(c.id) && c.after ? [c.after.name] : []));
}

function deletedNames(diff: LabelDiff): string[] {
  return diff.flatMap((c) => (c.type === 'class' && c.before && !c.after ? [c.before.name] : []));
}

/**
 * The title of a named action, from the state it ran on (unchanged) and the diff it produced.
 * `args` passed validation already.
 */
export function describeAction(state: LabelState, name: ActionName, args: unknown, diff: LabelDiff): string {
  const a = (args ?? {}) as Record<string, unknown>;
  const className = (id: unknown) => (typeof id === 'number' ? (state.classes.get(id)?.name ?? `class ${id}`) : 'a class');
  const ids = (v: unknown) => (Array.isArray(v) ? new Set(v).size : 0);
  const n = segmentsTouched(diff);
  switch (name) {
    case 'renameClass':
      return `rename ${className(a.classId)} to ${String(a.name).trim()}`;
    case 'setClassColor':
      return `colour of ${className(a.classId)}`;
    case 'reorderClasses':
      return 'reorder the classes';
    case 'mergeClasses': {
      const into = typeof a.into === 'number' ? a.into : (a.classIds as number[])[0];
      const absorbed = [...new Set(a.classIds as number[])].filter((id) => id !== into).map(className);
      return `merge ${list(absorbed)} into ${className(into)}`;
    }
    case 'splitClass':
      return `split ${className(a.classId)} into ${list([className(a.classId), ...createdNames(diff)])}`;
    case 'createClass':
      return `new class ${createdNames(diff)[0] ?? ''} from ${plural(ids(a.segmentIds), 'segment')}`;
    case 'deleteClass':
      return `delete ${className(a.classId)}`;
    case 'assignSegments':
      return `assign ${plural(ids(a.segmentIds), 'segment')} to ${className(a.classId)}`;
    case 'removeSegments':
      return `mark ${plural(ids(a.segmentIds), 'segment')} as background`;
    case 'restoreSegments':
    case 'unassignSegments':
      return `make ${plural(ids(a.segmentIds), 'segment')} unassigned`;
    case 'confirmSegments':
      return `confirm ${plural(ids(a.segmentIds), 'segment')}`;
    case 'confirmClasses':
      return `confirm ${list((a.classIds as number[]).map(className))}`;
    case 'dismissSuggestions':
      return `dismiss ${list(deletedNames(diff))}`;
    case 'replaceClustering': {
      const classes = new Set(Array.from(a.labels as ArrayLike<number>).filter((l) => l >= 0)).size;
      return `automatic class discovery (${classes} ${classes === 1 ? 'class' : 'classes'})`;
    }
    case 'applyClassification':
      return `sorting ${plural(n, 'new segment')} into classes`;
    case 'addSegment':
      return createdNames(diff).length > 0 ? `new segment in new class ${createdNames(diff)[0]}` : 'new segment';
    case 'setSegmentMask':
      return `edit the mask of segment ${String(a.segmentId)}`;
    case 'mergeSegments':
      return `merge ${plural(((a.segments as unknown[]) ?? []).length, 'segment')} into one`;
    case 'deleteSegments':
      return `delete ${plural(((a.segments as unknown[]) ?? []).length, 'segment')}`;
    case 'removeClass':
      return `mark ${className(a.classId)} as background (${plural(n, 'segment')})`;
    case 'acceptGuesses':
      return typeof a.classId === 'number'
        ? `accept the guess ${className(a.classId)} for ${plural(ids(a.segmentIds), 'segment')}`
        : `accept the guess background for ${plural(ids(a.segmentIds), 'segment')}`;
  }
  return name;
}
