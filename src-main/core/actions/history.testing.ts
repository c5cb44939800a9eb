// An in-memory undo/redo history over a LabelState, in the manner of tldraw's HistoryManager: every
// change is recorded as a reversible diff, changes made inside batch() form one gesture, undo()
// applies a gesture's inverse, redo() applies it again, and a new gesture after an undo drops the
// redo stack. (A project's history lives in its database instead: see ProjectStore.history.)
import { SamanticError } from '../errors';
import { type LabelDiff, type LabelState, applyDiff, invertDiff } from '../labels/model';
import { type ActionArgs, type ActionName, computeAction } from './registry';

export interface Gesture {
  label: string;
  diff: LabelDiff;
}

export interface HistoryOptions {
  /** Gestures kept for undo; the oldest are forgotten beyond this. */
  limit?: number;
}

/** Enough for a long session of clicking; each gesture is only its changed fields. */
export const DEFAULT_HISTORY_LIMIT = 500;

export class History {
  private readonly undoStack: Gesture[] = [];
  private redoStack: Gesture[] = [];
  /** The gesture being collected by the outermost batch(), if any. */
  private pending: Gesture | null = null;
  private readonly limit: number;

  constructor(
    readonly state: LabelState,
    options: HistoryOptions = {},
  ) {
    this.limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(this.limit) || this.limit < 1) {
      throw new SamanticError('invalid-argument', `History: limit must be a positive integer, got ${options.limit}.`);
    }
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Runs a named action on the state and records it; returns its diff (empty if nothing changed). */
  perform<N extends ActionName>(name: N, args: ActionArgs<N>): LabelDiff {
    const diff = computeAction(this.state, name, args);
    this.apply(name, diff);
    return diff;
  }

  /** Applies a diff to the state and records it, as its own gesture or as part of the open batch. */
  apply(label: string, diff: LabelDiff): void {
    if (diff.length === 0) return;
    applyDiff(this.state, diff);
    if (this.pending) {
      this.pending.diff.push(...diff);
      return;
    }
    this.push({ label, diff });
  }

  /**
   * Groups every change made inside fn into one gesture (nested batches join the outermost). If fn
   * throws, its changes are rolled back and nothing is recorded.
   */
  batch<T>(label: string, fn: () => T): T {
    if (this.pending) return fn();
    const gesture: Gesture = { label, diff: [] };
    this.pending = gesture;
    try {
      const result = fn();
      this.pending = null;
      if (gesture.diff.length > 0) this.push(gesture);
      return result;
    } catch (err) {
      this.pending = null;
      applyDiff(this.state, invertDiff(gesture.diff));
      throw err;
    }
  }

  /** Reverts the last gesture; returns it, or null when there is nothing to undo. */
  undo(): Gesture | null {
    this.refuseInsideBatch('undo');
    const g = this.undoStack.pop();
    if (!g) return null;
    applyDiff(this.state, invertDiff(g.diff));
    this.redoStack.push(g);
    return g;
  }

  /** Re-applies the last undone gesture; returns it, or null when there is nothing to redo. */
  redo(): Gesture | null {
    this.refuseInsideBatch('redo');
    const g = this.redoStack.pop();
    if (!g) return null;
    applyDiff(this.state, g.diff);
    this.undoStack.push(g);
    return g;
  }

  clear(): void {
    this.undoStack.length = 0;
    this.redoStack = [];
  }

  private push(g: Gesture): void {
    this.undoStack.push(g);
    if (this.undoStack.length > this.limit) this.undoStack.shift();
    this.redoStack = [];
  }

  private refuseInsideBatch(what: string): void {
    if (this.pending) {
      throw new SamanticError('invalid-argument', `History: cannot ${what} inside batch('${this.pending.label}'); finish the batch first.`);
    }
  }
}
