// The persistent edit history: the labelling state (classes, segments' class and removed flag) is
// changed only through gestures, each written together with its diff in one transaction, so undo
// and redo survive a restart. The rows of `gestures` with undone = 0 form the undo stack (last id =
// next undo), those with undone = 1 the redo stack (first id = next redo): the cursor is the
// boundary between them. A new gesture deletes the undone rows first (the redo tail).
//
// Every change is written with its before values in the WHERE clause; a row that does not match
// means the history no longer fits the data, and the whole transaction is rolled back with a
// 'conflict' error rather than half-applied.
import type Database from 'better-sqlite3';
import { SamanticError } from '../errors';
import {
  type ClassFields,
  type ClassStatus,
  type LabelChange,
  type LabelDiff,
  type LabelState,
  classStatus,
  invertDiff,
} from '../labels/model';
import { touchUpdated } from './meta';
import {
  DELETE_SEGMENT_RECORD_SQL,
  INSERT_SEGMENT_RECORD_SQL,
  UPDATE_SEGMENT_RECORD_SQL,
  segmentRecordExpected,
  segmentRecordValues,
} from './segments';

export interface HistoryLimits {
  /** Most gestures kept; the oldest are forgotten first. */
  maxGestures?: number;
  /** Most bytes of diff JSON kept (a re-clustering of 100k segments is ~2 MB); the newest gesture always stays. */
  maxBytes?: number;
}

export const DEFAULT_HISTORY_LIMITS: Required<HistoryLimits> = { maxGestures: 500, maxBytes: 64 * 1024 * 1024 };

export interface StoredGesture {
  id: number;
  /** The action's name ('mergeClasses'), or the caller's label for a gesture of several actions. */
  label: string;
  /** What a person calls it ("merge class 3 into class 1"); the label when none was given. */
  title: string;
  diff: LabelDiff;
  createdAt: string;
}

/** The next gesture undo (or redo) would take, without its diff. */
export interface GestureHead {
  label: string;
  title: string;
}

/** A gesture's diff and, optionally, its title, computed together from the state before it. */
export interface Computed {
  diff: LabelDiff;
  title?: string;
}

interface GestureRow {
  id: number;
  label: string;
  title: string;
  changes: string;
  created_at: string;
}

function conflict(what: string): SamanticError {
  return new SamanticError(
    'conflict',
    `The edit history does not match the project any more (${what}). The change was not applied; reload the project.`,
  );
}

/** Reads the labelling state of a project: all classes and every segment's class and flag. */
export function loadLabelState(db: Database.Database): LabelState {
  const state: LabelState = { classes: new Map(), segments: new Map(), nextClassId: 1, nextSegmentId: 1 };
  const classes = db.prepare('SELECT id, name, color, sort_order, created_by, status FROM classes').all() as {
    id: number;
    name: string;
    color: string;
    sort_order: number;
    created_by: ClassFields['createdBy'];
    status: ClassStatus;
  }[];
  for (const c of classes) {
    state.classes.set(c.id, { id: c.id, name: c.name, color: c.color, order: c.sort_order, createdBy: c.created_by, status: c.status });
  }
  // raw() rows are arrays: noticeably faster than objects for 100k+ segments.
  const rows = db.prepare("SELECT id, class_id, removed, decided, source = 'user' FROM segments").raw().all() as [
    number,
    number | null,
    number,
    number,
    number,
  ][];
  for (const [id, classId, removed, decided, userMade] of rows) {
    state.segments.set(id, { id, classId, removed: removed === 1, decided: decided === 1, ...(userMade === 1 ? { userMade: true } : {}) });
  }
  // sqlite_sequence remembers the highest id ever given, so deleted class ids are not reused.
  const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'classes'").get() as { seq: number } | undefined;
  const maxId = Math.max(seq?.seq ?? 0, ...state.classes.keys());
  state.nextClassId = maxId + 1;
  const segSeq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'segments'").get() as { seq: number } | undefined;
  let maxSegment = segSeq?.seq ?? 0;
  for (const id of state.segments.keys()) if (id > maxSegment) maxSegment = id;
  state.nextSegmentId = maxSegment + 1;
  return state;
}

export class GestureLog {
  private readonly limits: Required<HistoryLimits>;
  private readonly sql;

  constructor(
    private readonly db: Database.Database,
    limits: HistoryLimits = {},
  ) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    this.sql = {
      insertClass: db.prepare('INSERT INTO classes (id, name, color, sort_order, created_by, status) VALUES (?, ?, ?, ?, ?, ?)'),
      deleteClass: db.prepare(
        'DELETE FROM classes WHERE id = ? AND name = ? AND color = ? AND sort_order = ? AND created_by = ? AND status = ?',
      ),
      updateClass: db.prepare(
        'UPDATE classes SET name = ?, color = ?, sort_order = ?, created_by = ?, status = ? ' +
          'WHERE id = ? AND name = ? AND color = ? AND sort_order = ? AND created_by = ? AND status = ?',
      ),
      setSegmentClass: db.prepare('UPDATE segments SET class_id = ? WHERE id = ? AND class_id IS ?'),
      setSegmentRemoved: db.prepare('UPDATE segments SET removed = ? WHERE id = ? AND removed = ?'),
      insertSegment: db.prepare(INSERT_SEGMENT_RECORD_SQL),
      deleteSegment: db.prepare(DELETE_SEGMENT_RECORD_SQL),
      updateSegment: db.prepare(UPDATE_SEGMENT_RECORD_SQL),
      setSegmentDecided: db.prepare('UPDATE segments SET decided = ? WHERE id = ? AND decided = ?'),
      lastDone: db.prepare('SELECT id, label, title, changes, created_at FROM gestures WHERE undone = 0 ORDER BY id DESC LIMIT 1'),
      firstUndone: db.prepare('SELECT id, label, title, changes, created_at FROM gestures WHERE undone = 1 ORDER BY id ASC LIMIT 1'),
      lastDoneHead: db.prepare('SELECT label, title FROM gestures WHERE undone = 0 ORDER BY id DESC LIMIT 1'),
      firstUndoneHead: db.prepare('SELECT label, title FROM gestures WHERE undone = 1 ORDER BY id ASC LIMIT 1'),
      setUndone: db.prepare('UPDATE gestures SET undone = ? WHERE id = ?'),
      dropRedoTail: db.prepare('DELETE FROM gestures WHERE undone = 1'),
      insert: db.prepare('INSERT INTO gestures (label, title, changes, undone, created_at) VALUES (?, ?, ?, 0, ?)'),
      trim: db.prepare(`
        DELETE FROM gestures WHERE id IN (
          SELECT id FROM (
            SELECT id,
                   ROW_NUMBER() OVER (ORDER BY id DESC) AS n,
                   SUM(length(changes)) OVER (ORDER BY id DESC) AS bytes
            FROM gestures)
          WHERE n > 1 AND (n > ? OR bytes > ?))`),
      counts: db.prepare('SELECT coalesce(sum(undone = 0), 0) AS done, coalesce(sum(undone = 1), 0) AS undone FROM gestures'),
    };
  }

  /**
   * Computes a gesture's diff from the current state and, unless it is empty, writes it and appends
   * it to the history, all in one transaction (IMMEDIATE: no other process can write in between).
   * Returns the diff. Errors thrown by `compute` (e.g. validation) leave everything untouched.
   */
  commit(label: string, compute: (state: LabelState) => LabelDiff | Computed): LabelDiff {
    return this.db
      .transaction(() => {
        const computed = compute(loadLabelState(this.db));
        const { diff, title = '' } = Array.isArray(computed) ? { diff: computed } : computed;
        if (diff.length === 0) return diff;
        this.write(diff);
        this.sql.dropRedoTail.run();
        this.sql.insert.run(label, title, JSON.stringify(diff), new Date().toISOString());
        this.sql.trim.run(this.limits.maxGestures, this.limits.maxBytes);
        touchUpdated(this.db);
        return diff;
      })
      .immediate();
  }

  /** Reverts the last gesture; returns it, or null when there is nothing to undo. */
  undo(): StoredGesture | null {
    return this.step(this.sql.lastDone, 1, (diff) => invertDiff(diff));
  }

  /** Re-applies the first undone gesture; returns it, or null when there is nothing to redo. */
  redo(): StoredGesture | null {
    return this.step(this.sql.firstUndone, 0, (diff) => diff);
  }

  /** What undo and redo would take next (label and title only: no diff is read). */
  heads(): { undo: GestureHead | null; redo: GestureHead | null } {
    const head = (row: unknown): GestureHead | null => {
      const r = row as { label: string; title: string } | undefined;
      return r ? { label: r.label, title: r.title || r.label } : null;
    };
    return { undo: head(this.sql.lastDoneHead.get()), redo: head(this.sql.firstUndoneHead.get()) };
  }

  canUndo(): boolean {
    return this.counts().done > 0;
  }

  canRedo(): boolean {
    return this.counts().undone > 0;
  }

  counts(): { done: number; undone: number } {
    return this.sql.counts.get() as { done: number; undone: number };
  }

  /** Forgets the whole history. */
  clear(): void {
    this.db.prepare('DELETE FROM gestures').run();
  }

  /**
   * Takes segments that were deleted outside the history (a changed photo processed again, a photo
   * gone from the folder) out of every gesture: undoing or redoing a gesture then changes what is
   * left of it, and a gesture left with nothing is dropped. The rest of the history stays usable.
   * Must run inside the transaction that deleted them. Returns the number of gestures rewritten.
   */
  forgetSegments(ids: ReadonlySet<number>): number {
    if (ids.size === 0) return 0;
    const rows = this.db.prepare('SELECT id, changes FROM gestures').all() as { id: number; changes: string }[];
    const update = this.db.prepare('UPDATE gestures SET changes = ? WHERE id = ?');
    const drop = this.db.prepare('DELETE FROM gestures WHERE id = ?');
    let rewritten = 0;
    for (const row of rows) {
      const diff = JSON.parse(row.changes) as LabelDiff;
      const kept = withoutSegments(diff, ids);
      if (kept === diff) continue;
      rewritten++;
      if (kept.length === 0) drop.run(row.id);
      else update.run(JSON.stringify(kept), row.id);
    }
    return rewritten;
  }

  private step(select: Database.Statement, undone: 0 | 1, direction: (d: LabelDiff) => LabelDiff): StoredGesture | null {
    return this.db
      .transaction(() => {
        const row = select.get() as GestureRow | undefined;
        if (!row) return null;
        const gesture: StoredGesture = {
          id: row.id,
          label: row.label,
          title: row.title || row.label,
          diff: JSON.parse(row.changes),
          createdAt: row.created_at,
        };
        this.write(direction(gesture.diff));
        this.sql.setUndone.run(undone, row.id);
        touchUpdated(this.db);
        return gesture;
      })
      .immediate();
  }

  /** Writes a diff to the tables; must run inside a transaction. */
  private write(diff: LabelDiff): void {
    for (const c of diff) this.writeChange(c);
  }

  private writeChange(c: LabelChange): void {
    try {
      if (c.type === 'class') {
        const b = c.before;
        const a = c.after;
        if (b === null && a === null) return;
        let changed: number;
        if (b === null) changed = this.sql.insertClass.run(c.id, a!.name, a!.color, a!.order, a!.createdBy, classStatus(a!)).changes;
        else if (a === null) changed = this.sql.deleteClass.run(c.id, b.name, b.color, b.order, b.createdBy, classStatus(b)).changes;
        else {
          changed = this.sql.updateClass.run(
            a.name,
            a.color,
            a.order,
            a.createdBy,
            classStatus(a),
            c.id,
            b.name,
            b.color,
            b.order,
            b.createdBy,
            classStatus(b),
          ).changes;
        }
        if (changed !== 1) throw conflict(`class ${c.id} is not as the history expects`);
        return;
      }
      if (c.type === 'segment') {
        const { before: b, after: a } = c;
        if (b === null && a === null) return;
        let changed: number;
        if (b === null) changed = this.sql.insertSegment.run(...segmentRecordValues(a!), c.id).changes;
        else if (a === null) changed = this.sql.deleteSegment.run(...segmentRecordExpected(c.id, b)).changes;
        else changed = this.sql.updateSegment.run(...segmentRecordValues(a), ...segmentRecordExpected(c.id, b)).changes;
        if (changed !== 1) throw conflict(`segment ${c.id} is missing or not as the history expects`);
        return;
      }
      for (let i = 0; i < c.ids.length; i++) {
        const changed =
          c.type === 'segmentClass'
            ? this.sql.setSegmentClass.run(c.after[i], c.ids[i], c.before[i]).changes
            : (c.type === 'segmentRemoved' ? this.sql.setSegmentRemoved : this.sql.setSegmentDecided).run(
                c.after[i] ? 1 : 0,
                c.ids[i],
                c.before[i] ? 1 : 0,
              ).changes;
        if (changed !== 1) throw conflict(`segment ${c.ids[i]} is missing or not as the history expects`);
      }
    } catch (err) {
      if (err instanceof SamanticError) throw err;
      const code = String((err as { code?: unknown }).code ?? '');
      // A primary key clash (class id taken) or a foreign key failure (class still used, or missing).
      if (code.startsWith('SQLITE_CONSTRAINT')) throw conflict(`${c.type} change violates ${code}`);
      throw err;
    }
  }
}

/** The diff without the changes to the given segments; the same object when none is touched. */
export function withoutSegments(diff: LabelDiff, ids: ReadonlySet<number>): LabelDiff {
  let touched = false;
  const out: LabelDiff = [];
  for (const c of diff) {
    if (c.type === 'class') out.push(c);
    else if (c.type === 'segment') {
      if (ids.has(c.id)) touched = true;
      else out.push(c);
    } else {
      const keep = c.ids.map((id) => !ids.has(id));
      if (keep.every(Boolean)) {
        out.push(c);
        continue;
      }
      touched = true;
      if (!keep.some(Boolean)) continue;
      const pick = (xs: readonly unknown[]): unknown[] => xs.filter((_, i) => keep[i]);
      out.push({ ...c, ids: pick(c.ids), before: pick(c.before), after: pick(c.after) } as LabelChange);
    }
  }
  return touched ? out : diff;
}
