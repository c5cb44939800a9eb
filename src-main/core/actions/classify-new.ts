// New segments placed by the classifier, as one undoable gesture: the sure ones join the user's
// classes, the unsure ones that group together become *suggested* classes (accept with
// confirmClasses, merge with mergeClasses, dismiss with dismissSuggestions). It only ever fills
// in segments no decision covers and that have no class yet: everything the user decided, and
// every class record, stays as it is.
import { SamanticError } from '../errors';
import {
  type LabelDiff,
  type LabelState,
  freshClassColor,
  nameKey,
  segmentChanges,
  segmentDecided,
  takenNames,
  uniqueName,
} from '../labels/model';
import { optional, requireArgs, requireClass, requireColor, requireId, requireName, requireSegments } from './validate';

export interface SuggestedGroup {
  segmentIds: number[];
  name?: string;
  color?: string;
}

export interface ApplyClassificationArgs {
  /** Segments the classifier placed, parallel to classIds. */
  segmentIds: number[];
  classIds: number[];
  /** Groups of unsorted segments, each offered as a suggested class. */
  suggestions?: SuggestedGroup[];
}

/** Default name of a suggested class; numbered when taken ("Suggested 2", ...). */
export const SUGGESTION_NAME = 'Suggested';

function invalid(message: string): SamanticError {
  return new SamanticError('invalid-argument', `applyClassification: ${message}`);
}

function idList(name: string, v: unknown): number[] {
  if (!Array.isArray(v)) throw invalid(`${name} must be an array of ids.`);
  return v.map((x, i) => requireId('applyClassification', `${name}[${i}]`, x));
}

export function applyClassification(state: LabelState, args: ApplyClassificationArgs): LabelDiff {
  const a = requireArgs('applyClassification', args);
  const ids = idList('segmentIds', a.segmentIds);
  const classIds = idList('classIds', a.classIds);
  if (ids.length !== classIds.length)
    throw invalid(`segmentIds has ${ids.length} entries but classIds has ${classIds.length}; they must be parallel.`);
  const groups =
    optional(a.suggestions, (v) => {
      if (!Array.isArray(v)) throw invalid('suggestions must be an array of groups.');
      return v as SuggestedGroup[];
    }) ?? [];
  const groupIds = groups.map((g, i) => idList(`suggestions[${i}].segmentIds`, requireArgs('applyClassification', g).segmentIds));
  const all = [...ids, ...groupIds.flat()];
  if (new Set(all).size !== all.length) throw invalid('a segment is placed twice; each segment goes to one class.');
  requireSegments(state, 'applyClassification', all);
  for (const id of all) {
    const s = state.segments.get(id)!;
    if (segmentDecided(s) || s.removed || s.classId !== null) {
      throw new SamanticError(
        'conflict',
        `applyClassification: segment ${id} already has a class, is background or was decided by the user; ` +
          'the classification is out of date. Process the folder again.',
      );
    }
  }
  classIds.forEach((c) => requireClass(state, 'applyClassification', c));

  const diff: LabelDiff = [];
  const byClass = new Map<number, number[]>();
  ids.forEach((id, i) => byClass.set(classIds[i], [...(byClass.get(classIds[i]) ?? []), id]));
  for (const [classId, members] of byClass) diff.push(...segmentChanges(state, members, { classId }));

  const taken = takenNames(state);
  let order = Math.max(-1, ...[...state.classes.values()].map((c) => c.order)) + 1;
  const colours: string[] = [];
  groups.forEach((g, i) => {
    if (groupIds[i].length === 0) return;
    const id = state.nextClassId + i;
    const name = uniqueName(optional(g.name, (v) => requireName('applyClassification', v)) ?? SUGGESTION_NAME, taken);
    taken.add(nameKey(name));
    const color = optional(g.color, (v) => requireColor('applyClassification', v)) ?? freshClassColor(state, colours);
    colours.push(color);
    diff.push({ type: 'class', id, before: null, after: { name, color, order: order++, createdBy: 'cluster', status: 'suggested' } });
    diff.push({ type: 'segmentClass', ids: groupIds[i], before: groupIds[i].map(() => null), after: groupIds[i].map(() => id) });
  });
  return diff;
}
