// Helpers for the actions tests: a small labelling state and the apply / undo / redo round trip
// every action must pass. Not used by the application.
import { expect } from 'vitest';
import { type LabelDiff, type LabelState, applyDiff, cloneLabelState, invertDiff } from '../labels/model';
import { type ActionArgs, type ActionName, computeAction } from './registry';

/**
 * Classes 1 cat (#ff0000), 2 dog, 3 bird in that order; segments 1-3 cat, 4-6 dog, 7 bird,
 * 8 and 10 unassigned, 9 removed (background).
 */
export function sampleState(): LabelState {
  const state: LabelState = { classes: new Map(), segments: new Map(), nextClassId: 4, nextSegmentId: 11 };
  const classes: [number, string, string][] = [
    [1, 'cat', '#ff0000'],
    [2, 'dog', '#00ff00'],
    [3, 'bird', '#0000ff'],
  ];
  classes.forEach(([id, name, color], order) => state.classes.set(id, { id, name, color, order, createdBy: 'cluster', status: 'auto' }));
  const classOf = [1, 1, 1, 2, 2, 2, 3, null, null, null];
  classOf.forEach((classId, i) => state.segments.set(i + 1, { id: i + 1, classId, removed: i + 1 === 9, decided: false }));
  return state;
}

/** What undo must restore exactly: the classes and segments (ids are never reused, so nextClassId only grows). */
export function labels(state: LabelState): Pick<LabelState, 'classes' | 'segments'> {
  const { classes, segments } = cloneLabelState(state);
  return { classes, segments };
}

/**
 * Runs an action on `state` and checks: the action does not modify its input; apply, undo gives
 * the original back exactly; redo gives the applied state back exactly. Leaves `state` applied.
 */
export function roundTrip<N extends ActionName>(
  state: LabelState,
  name: N,
  args: ActionArgs<N>,
): { diff: LabelDiff; before: ReturnType<typeof labels>; after: ReturnType<typeof labels> } {
  const before = labels(state);
  const diff = computeAction(state, name, args);
  expect(labels(state)).toEqual(before);
  applyDiff(state, diff);
  const after = labels(state);
  applyDiff(state, invertDiff(diff));
  expect(labels(state)).toEqual(before);
  applyDiff(state, diff);
  expect(labels(state)).toEqual(after);
  // The diff must survive the trip through the history table.
  expect(JSON.parse(JSON.stringify(diff))).toEqual(diff);
  return { diff, before, after };
}
