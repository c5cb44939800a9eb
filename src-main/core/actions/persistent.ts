// The user's named actions on a project: each runs the pure action on the project's current
// labelling state, then writes its diff and appends it as one gesture of the persistent history,
// in one transaction. Undo and redo replay the history table, so they survive a restart.
import type { StoredGesture } from '../store/gesture-log';
import type { ProjectStore } from '../store/project-store';
import { type LabelDiff, applyDiff } from '../labels/model';
import { describeAction } from './describe';
import { type ActionArgs, type ActionName, computeAction } from './registry';

/**
 * Runs a named action and records it; returns its diff (empty, and nothing recorded, when the
 * action changes nothing). Invalid arguments throw SamanticError ('invalid-argument', 'not-found')
 * before anything is written.
 */
export function applyAction<N extends ActionName>(store: ProjectStore, name: N, args: ActionArgs<N>): LabelDiff {
  return store.history.commit(name, (state) => {
    const diff = computeAction(state, name, args);
    return { diff, title: diff.length > 0 ? describeAction(state, name, args, diff) : '' };
  });
}

export type ActionStep = { [N in ActionName]: { name: N; args: ActionArgs<N> } }[ActionName];

/**
 * Runs several actions as ONE gesture (one undo step), each seeing the result of the previous;
 * if any fails, nothing is written.
 */
export function applyActions(store: ProjectStore, label: string, steps: ActionStep[], title?: string): LabelDiff {
  return store.history.commit(label, (state) => {
    const diff: LabelDiff = [];
    for (const step of steps) {
      const d = computeAction(state, step.name, step.args as never);
      applyDiff(state, d);
      diff.push(...d);
    }
    return { diff, title };
  });
}

/** Reverts the last gesture; returns it (label = action name), or null when there is nothing to undo. */
export function undo(store: ProjectStore): StoredGesture | null {
  return store.history.undo();
}

/** Re-applies the last undone gesture; returns it, or null when there is nothing to redo. */
export function redo(store: ProjectStore): StoredGesture | null {
  return store.history.redo();
}
