// The named actions, so that callers (the service, the in-memory History, the persistent history)
// can run an action by name with JSON arguments and record it under that name.
import { SamanticError } from '../errors';
import {
  confirmClasses,
  createClass,
  deleteClass,
  dismissSuggestions,
  mergeClasses,
  removeClass,
  renameClass,
  reorderClasses,
  setClassColor,
  splitClass,
} from './class-actions';
import type { LabelDiff, LabelState } from '../labels/model';
import { applyClassification } from './classify-new';
import { addSegment, deleteSegments, mergeSegments, setSegmentMask } from './mask-actions';
import { replaceClustering } from './recluster';
import { acceptGuesses, assignSegments, confirmSegments, removeSegments, restoreSegments, unassignSegments } from './segment-actions';

export const ACTIONS = {
  renameClass,
  setClassColor,
  reorderClasses,
  mergeClasses,
  splitClass,
  createClass,
  deleteClass,
  removeClass,
  assignSegments,
  unassignSegments,
  removeSegments,
  restoreSegments,
  confirmSegments,
  confirmClasses,
  dismissSuggestions,
  replaceClustering,
  addSegment,
  setSegmentMask,
  mergeSegments,
  deleteSegments,
  applyClassification,
  acceptGuesses,
} as const;

export type ActionName = keyof typeof ACTIONS;
export type ActionArgs<N extends ActionName> = Parameters<(typeof ACTIONS)[N]>[1];

export const ACTION_NAMES = Object.keys(ACTIONS) as ActionName[];

export function isActionName(name: unknown): name is ActionName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ACTIONS, name);
}

/** Runs the named action on the state (which it does not modify) and returns its diff. */
export function computeAction<N extends ActionName>(state: LabelState, name: N, args: ActionArgs<N>): LabelDiff {
  if (!isActionName(name)) {
    throw new SamanticError('invalid-argument', `Unknown action '${String(name)}'. Known actions: ${ACTION_NAMES.join(', ')}.`);
  }
  return (ACTIONS[name] as (s: LabelState, a: unknown) => LabelDiff)(state, args);
}
