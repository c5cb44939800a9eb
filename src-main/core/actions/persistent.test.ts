import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { ProjectStore } from '../store/project-store';
import { type TempDir, projectWithStrips, tempDir } from '../store/fixtures.testing';
import { mulberry32 } from '../util/random';
import { History } from './history.testing';
import { type LabelState, cloneLabelState, sortedClasses } from '../labels/model';
import { applyAction, applyActions, redo, undo } from './persistent';
import type { ActionName } from './registry';
import { labels } from './fixtures.testing';

let tmp: TempDir;
let store: ProjectStore;
let segs: number[];

/** Two images with 6 and 4 segments, clustered into 3 classes (the clustering is gesture 1). */
beforeEach(() => {
  tmp = tempDir();
  ({ store, segmentIds: segs } = projectWithStrips(tmp.file, [6, 4]));
  applyAction(store, 'replaceClustering', { segmentIds: segs, labels: [0, 0, 0, 1, 1, 1, 2, 2, -1, -1] });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const classIds = () => store.listClasses().map((c) => c.id);
const reopen = () => {
  store.close();
  store = ProjectStore.open(tmp.file);
};

describe('applyAction / undo / redo on a project', () => {
  it('writes each action, and undo/redo restore the database exactly', () => {
    const [c1, c2, c3] = classIds();
    const s0 = labels(store.loadLabelState());
    applyAction(store, 'mergeClasses', { classIds: [c1, c2] });
    const s1 = labels(store.loadLabelState());
    applyAction(store, 'renameClass', { classId: c1, name: 'vehicle' });
    applyAction(store, 'removeSegments', { segmentIds: [segs[6]] });
    const s3 = labels(store.loadLabelState());
    expect(store.listClasses().map((c) => [c.id, c.name, c.segmentCount])).toEqual([
      [c1, 'vehicle', 6],
      [c3, 'class 3', 1],
    ]);
    expect(store.counts().removedSegments).toBe(1);
    expect(undo(store)?.label).toBe('removeSegments');
    expect(undo(store)?.label).toBe('renameClass');
    expect(labels(store.loadLabelState())).toEqual(s1);
    undo(store);
    expect(labels(store.loadLabelState())).toEqual(s0);
    redo(store);
    redo(store);
    redo(store);
    expect(labels(store.loadLabelState())).toEqual(s3);
    expect(redo(store)).toBeNull();
  });

  it('the history survives closing and reopening the project', () => {
    const [c1] = classIds();
    const s0 = labels(store.loadLabelState());
    applyAction(store, 'renameClass', { classId: c1, name: 'one' });
    applyAction(store, 'createClass', { segmentIds: [segs[8], segs[9]], name: 'new' });
    const s2 = labels(store.loadLabelState());
    undo(store);
    reopen();
    expect(store.history.canUndo()).toBe(true);
    expect(store.history.canRedo()).toBe(true);
    expect(redo(store)?.label).toBe('createClass');
    expect(labels(store.loadLabelState())).toEqual(s2);
    reopen();
    undo(store);
    undo(store);
    expect(labels(store.loadLabelState())).toEqual(s0);
    // The clustering itself is the first gesture: undoing it leaves everything unassigned.
    expect(undo(store)?.label).toBe('replaceClustering');
    expect(store.listClasses()).toEqual([]);
    expect(store.counts().unassignedSegments).toBe(10);
    expect(undo(store)).toBeNull();
  });

  it('a new action after undo truncates the redo tail, in the database too', () => {
    const [c1] = classIds();
    applyAction(store, 'renameClass', { classId: c1, name: 'x' });
    applyAction(store, 'renameClass', { classId: c1, name: 'y' });
    undo(store);
    undo(store);
    expect(store.history.counts()).toEqual({ done: 1, undone: 2 });
    applyAction(store, 'setClassColor', { classId: c1, color: '#101010' });
    expect(store.history.counts()).toEqual({ done: 2, undone: 0 });
    expect(redo(store)).toBeNull();
  });

  it('applyActions makes one gesture of several actions, or writes nothing if one fails', () => {
    const [c1, c2] = classIds();
    const s0 = labels(store.loadLabelState());
    applyActions(store, 'tidy up', [
      { name: 'renameClass', args: { classId: c1, name: 'car' } },
      { name: 'assignSegments', args: { segmentIds: [segs[8]], classId: c1 } },
      { name: 'renameClass', args: { classId: c2, name: 'bus' } },
    ]);
    expect(
      store
        .listClasses()
        .map((c) => c.name)
        .slice(0, 2),
    ).toEqual(['car', 'bus']);
    expect(undo(store)?.label).toBe('tidy up');
    expect(labels(store.loadLabelState())).toEqual(s0);
    const done = store.history.counts();
    expect(() =>
      applyActions(store, 'bad', [
        { name: 'renameClass', args: { classId: c1, name: 'car' } },
        { name: 'renameClass', args: { classId: c2, name: 'car' } },
      ]),
    ).toThrow(/already used/);
    expect(labels(store.loadLabelState())).toEqual(s0);
    expect(store.history.counts()).toEqual(done);
  });

  it('invalid arguments and unknown actions write nothing', () => {
    const before = store.history.counts();
    const err = (() => {
      try {
        applyAction(store, 'assignSegments', { segmentIds: [segs[0]], classId: 9999 });
      } catch (e) {
        return e as SamanticError;
      }
    })();
    expect(err).toBeInstanceOf(SamanticError);
    expect(err!.code).toBe('not-found');
    expect(() => applyAction(store, 'explode' as ActionName, {} as never)).toThrow(/Unknown action 'explode'/);
    applyAction(store, 'assignSegments', { segmentIds: [segs[0]], classId: classIds()[0] });
    const after = store.history.counts();
    expect(applyAction(store, 'assignSegments', { segmentIds: [segs[0]], classId: classIds()[0] })).toEqual([]);
    expect(store.history.counts()).toEqual(after);
    expect(after.done).toBeLessThanOrEqual(before.done + 1);
  });

  it('refuses to undo over data changed behind its back, and changes nothing', () => {
    const [c1, c2] = classIds();
    applyAction(store, 'assignSegments', { segmentIds: [segs[0]], classId: c2 });
    const raw = new Database(tmp.file);
    raw.prepare('UPDATE segments SET class_id = NULL WHERE id = ?').run(segs[0]);
    raw.close();
    const snapshot = labels(store.loadLabelState());
    expect(() => undo(store)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(labels(store.loadLabelState())).toEqual(snapshot);
    expect(store.history.counts().done).toBe(2);
    expect(c1).toBeGreaterThan(0);
  });

  it('keeps at most maxGestures gestures', () => {
    reopen();
    store.close();
    store = ProjectStore.open(tmp.file, { history: { maxGestures: 3 } });
    const [c1] = classIds();
    for (const name of ['a', 'b', 'c', 'd', 'e']) applyAction(store, 'renameClass', { classId: c1, name });
    expect(store.history.counts()).toEqual({ done: 3, undone: 0 });
    while (undo(store));
    expect(store.listClasses()[0].name).toBe('b');
  });
});

describe('the database and the in-memory model agree', () => {
  it('over a long random sequence of actions, undos and redos', () => {
    // Replay the same random gestures on a History over the loaded state and on the project.
    store.history.clear(); // both histories start empty
    const h = new History(store.loadLabelState() as LabelState);
    // mulberry32, not an LCG: the low bits of a power-of-two LCG are far too regular for `% n`.
    // Its output times 2^32 is the generator's 32-bit word, exactly.
    const next = mulberry32(12345);
    const rand = (n: number) => (next() * 4294967296) % n;
    const pick = <T>(xs: T[]) => xs[rand(xs.length)];
    const tally = new Map<string, number>();
    const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
    for (let step = 0; step < 200; step++) {
      const state = cloneLabelState(h.state);
      const cls = sortedClasses(state).map((c) => c.id);
      const someSegs = segs.filter(() => rand(3) === 0);
      const chosen = someSegs.length > 0 ? someSegs : [segs[rand(segs.length)]];
      const ops: [ActionName, object][] = [
        ['createClass', { segmentIds: chosen }],
        ['removeSegments', { segmentIds: chosen }],
        ['restoreSegments', { segmentIds: chosen }],
        ['assignSegments', { segmentIds: chosen, classId: 99999 }], // refused by both
      ];
      if (cls.length > 0) {
        ops.push(['assignSegments', { segmentIds: chosen, classId: pick(cls) }]);
        ops.push(['renameClass', { classId: pick(cls), name: `n${step}` }]);
        ops.push(['setClassColor', { classId: pick(cls), color: `#${(step * 99991).toString(16).padStart(6, '0').slice(-6)}` }]);
        ops.push(['reorderClasses', { classIds: [pick(cls)] }]);
        ops.push(['deleteClass', { classId: pick(cls) }]);
      }
      if (cls.length > 1) {
        const first = pick(cls);
        ops.push(['mergeClasses', { classIds: [first, pick(cls.filter((c) => c !== first))] }]);
      }
      const big = cls.map((c) => segs.filter((x) => state.segments.get(x)!.classId === c)).find((m) => m.length >= 2);
      if (big) ops.push(['splitClass', { classId: state.segments.get(big[0])!.classId!, groups: [big.slice(0, 1), big.slice(1)] }]);
      if (rand(4) === 0) ops.push(['replaceClustering', { segmentIds: segs, labels: segs.map(() => rand(4) - 1) }]);
      const roll = rand(10);
      if (roll < 2) {
        const label = undo(store)?.label ?? null;
        expect(label).toBe(h.undo()?.label ?? null);
        if (label) count('undo');
      } else if (roll < 4) {
        const label = redo(store)?.label ?? null;
        expect(label).toBe(h.redo()?.label ?? null);
        if (label) count('redo');
      } else {
        const [name, args] = pick(ops);
        let expected: unknown = null;
        try {
          h.perform(name, args as never);
        } catch (err) {
          expected = (err as SamanticError).code;
        }
        let actual: unknown = null;
        try {
          applyAction(store, name, args as never);
        } catch (err) {
          actual = (err as SamanticError).code;
        }
        expect(actual).toBe(expected);
        count(expected === null ? name : 'refused');
      }
      expect(labels(store.loadLabelState())).toEqual(labels(h.state));
      expect(store.history.canUndo()).toBe(h.canUndo);
      expect(store.history.canRedo()).toBe(h.canRedo);
    }
    // The sequence really exercised every action, undo, redo and refusals.
    for (const name of [
      'createClass',
      'removeSegments',
      'restoreSegments',
      'assignSegments',
      'renameClass',
      'setClassColor',
      'reorderClasses',
      'deleteClass',
      'mergeClasses',
      'splitClass',
      'replaceClustering',
      'refused',
    ]) {
      expect(tally.get(name) ?? 0, name).toBeGreaterThanOrEqual(2);
    }
    expect(tally.get('undo')).toBeGreaterThanOrEqual(10);
    expect(tally.get('redo')).toBeGreaterThanOrEqual(3);
  });
});
