// The user's operations on segments, as pure functions: (state, args) -> diff.
import { SamanticError } from '../errors';
import type { LabelDiff, LabelState } from '../labels/model';
import { segmentChanges, segmentDecided } from '../labels/model';
import { requireArgs, requireClass, requireId, requireIdList, requireSegments } from './validate';

export interface AssignSegmentsArgs {
  segmentIds: number[];
  classId: number;
}
export interface SegmentIdsArgs {
  segmentIds: number[];
}

/** Puts segments into a class; segments marked as background become objects again. */
export function assignSegments(state: LabelState, args: AssignSegmentsArgs): LabelDiff {
  const a = requireArgs('assignSegments', args);
  const ids = requireIdList('assignSegments', 'segmentIds', a.segmentIds);
  const classId = requireId('assignSegments', 'classId', a.classId);
  requireClass(state, 'assignSegments', classId);
  requireSegments(state, 'assignSegments', ids);
  return segmentChanges(state, ids, { classId, removed: false, decided: true });
}

/** "This is background": the segments leave their class and are not exported. */
export function removeSegments(state: LabelState, args: SegmentIdsArgs): LabelDiff {
  const a = requireArgs('removeSegments', args);
  const ids = requireIdList('removeSegments', 'segmentIds', a.segmentIds);
  requireSegments(state, 'removeSegments', ids);
  return segmentChanges(state, ids, { classId: null, removed: true, decided: true });
}

/** Takes segments back from the background; they come back unassigned (undo restores the class). */
export function restoreSegments(state: LabelState, args: SegmentIdsArgs): LabelDiff {
  const a = requireArgs('restoreSegments', args);
  const ids = requireIdList('restoreSegments', 'segmentIds', a.segmentIds);
  requireSegments(state, 'restoreSegments', ids);
  return segmentChanges(state, ids, { removed: false, decided: true });
}

/** "No class yet": the segments leave their class (or the background) and wait unassigned, as the user's decision. */
export function unassignSegments(state: LabelState, args: SegmentIdsArgs): LabelDiff {
  const a = requireArgs('unassignSegments', args);
  const ids = requireIdList('unassignSegments', 'segmentIds', a.segmentIds);
  requireSegments(state, 'unassignSegments', ids);
  return segmentChanges(state, ids, { classId: null, removed: false, decided: true });
}

/** "This one is right": the segments keep their class (or stay unassigned) and count as reviewed. */
export function confirmSegments(state: LabelState, args: SegmentIdsArgs): LabelDiff {
  const a = requireArgs('confirmSegments', args);
  const ids = requireIdList('confirmSegments', 'segmentIds', a.segmentIds);
  requireSegments(state, 'confirmSegments', ids);
  return segmentChanges(state, ids, { decided: true });
}

export interface AcceptGuessesArgs {
  segmentIds: number[];
  /** The class their look-alikes say; absent: background. */
  classId?: number;
}

/**
 * "Their look-alikes are right": a batch review answer, taking the classifier's guess for a group
 * of segments at once (into a class, or to background). It only answers for segments no decision
 * covers: a segment the user decided meanwhile makes the whole group out of date.
 */
export function acceptGuesses(state: LabelState, args: AcceptGuessesArgs): LabelDiff {
  const a = requireArgs('acceptGuesses', args);
  const ids = requireIdList('acceptGuesses', 'segmentIds', a.segmentIds);
  requireSegments(state, 'acceptGuesses', ids);
  for (const id of ids) {
    if (segmentDecided(state.segments.get(id)!)) {
      throw new SamanticError(
        'conflict',
        `acceptGuesses: segment ${id} was decided by the user; the guesses are out of date. Open the review queue again.`,
      );
    }
  }
  if (a.classId === undefined) return segmentChanges(state, ids, { classId: null, removed: true, decided: true });
  const classId = requireId('acceptGuesses', 'classId', a.classId);
  requireClass(state, 'acceptGuesses', classId);
  return segmentChanges(state, ids, { classId, removed: false, decided: true });
}
