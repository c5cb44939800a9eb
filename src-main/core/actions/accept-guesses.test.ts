import { afterEach, describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { ProjectStore } from '../store/project-store';
import { type TempDir, rectSegment, tempDir } from '../store/fixtures.testing';
import { computeAction } from './registry';
import { applyAction, redo, undo } from './persistent';
import { labels, roundTrip, sampleState } from './fixtures.testing';

describe('acceptGuesses', () => {
  it('puts a group into the guessed class as decided, reversibly', () => {
    const s = sampleState();
    const { diff } = roundTrip(s, 'acceptGuesses', { segmentIds: [8, 10, 4], classId: 1 });
    expect([8, 10, 4].map((id) => s.segments.get(id))).toEqual([
      { id: 8, classId: 1, removed: false, decided: true },
      { id: 10, classId: 1, removed: false, decided: true },
      { id: 4, classId: 1, removed: false, decided: true },
    ]);
    expect(diff).toContainEqual({ type: 'segmentClass', ids: [8, 10, 4], before: [null, null, 2], after: [1, 1, 1] });
    // The other segments and every class record stay as they were.
    expect(s.segments.get(5)).toEqual({ id: 5, classId: 2, removed: false, decided: false });
    expect(labels(s).classes).toEqual(labels(sampleState()).classes);
  });

  it('without a class sends the group to background', () => {
    const s = sampleState();
    roundTrip(s, 'acceptGuesses', { segmentIds: [2, 7] });
    expect([2, 7].map((id) => s.segments.get(id))).toEqual([
      { id: 2, classId: null, removed: true, decided: true },
      { id: 7, classId: null, removed: true, decided: true },
    ]);
  });

  it('never answers for a segment the user decided: the whole group is refused', () => {
    const s = sampleState();
    s.segments.get(5)!.decided = true;
    const before = labels(s);
    let err: unknown;
    try {
      computeAction(s, 'acceptGuesses', { segmentIds: [8, 5], classId: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SamanticError);
    expect((err as SamanticError).code).toBe('conflict');
    expect((err as SamanticError).message).toContain('segment 5 was decided by the user');
    expect(labels(s)).toEqual(before);
    expect(() => computeAction(s, 'acceptGuesses', { segmentIds: [8], classId: 42 })).toThrow(/class 42 does not exist/);
  });
});

describe('acceptGuesses on a project', () => {
  let tmp: TempDir | undefined;
  let store: ProjectStore | undefined;
  afterEach(() => {
    store?.close();
    tmp?.cleanup();
  });

  it('is one gesture that undo and redo replay across a restart, leaving decisions alone', () => {
    tmp = tempDir();
    store = ProjectStore.open(tmp.file, { create: true });
    const img = store.upsertImage({ relPath: 'a.jpg', size: 1, mtimeMs: 1, contentHash: 'ha', width: 8, height: 6 }).id;
    const segs = store.commitImageResult(
      img,
      [1, 2, 3, 4, 5, 6].map((k) => rectSegment(6, 8, 0, 0, k, 1, k, 8)),
    ).segmentIds;
    applyAction(store, 'replaceClustering', { segmentIds: segs, labels: [0, 0, 1, 1, -1, -1] });
    const [c1, c2] = store.listClasses().map((c) => c.id);
    applyAction(store, 'assignSegments', { segmentIds: [segs[0]], classId: c2 });
    const decided = labels(store.loadLabelState()).segments.get(segs[0]);
    const s0 = labels(store.loadLabelState());
    applyAction(store, 'acceptGuesses', { segmentIds: [segs[4], segs[5], segs[2]], classId: c1 });
    const s1 = labels(store.loadLabelState());
    expect([segs[4], segs[5], segs[2]].map((id) => s1.segments.get(id)?.classId)).toEqual([c1, c1, c1]);
    expect(s1.segments.get(segs[0])).toEqual(decided);
    store.close();
    store = ProjectStore.open(tmp.file);
    expect(undo(store)?.label).toBe('acceptGuesses');
    expect(labels(store.loadLabelState())).toEqual(s0);
    store.close();
    store = ProjectStore.open(tmp.file);
    expect(redo(store)?.label).toBe('acceptGuesses');
    expect(labels(store.loadLabelState())).toEqual(s1);
  });
});
