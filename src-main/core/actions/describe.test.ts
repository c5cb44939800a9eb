import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectStore } from '../store/project-store';
import { type TempDir, projectWithStrips, tempDir } from '../store/fixtures.testing';
import { projectSummary } from '../service/views';
import { computeAction } from './registry';
import { describeAction } from './describe';
import { sampleState } from './fixtures.testing';
import { applyAction, applyActions, redo, undo } from './persistent';

describe('describeAction', () => {
  const title = (name: Parameters<typeof computeAction>[1], args: object) => {
    const s = sampleState();
    return describeAction(s, name, args, computeAction(s, name, args as never));
  };

  it('names each gesture the way a person says it, with the names the user saw', () => {
    expect(title('mergeClasses', { classIds: [3, 1], into: 1 })).toBe('merge bird into cat');
    expect(title('mergeClasses', { classIds: [2, 3, 1] })).toBe('merge bird and cat into dog');
    expect(title('renameClass', { classId: 2, name: ' puppy ' })).toBe('rename dog to puppy');
    expect(title('assignSegments', { segmentIds: [7, 8], classId: 1 })).toBe('assign 2 segments to cat');
    expect(title('removeSegments', { segmentIds: [1] })).toBe('mark 1 segment as background');
    expect(title('unassignSegments', { segmentIds: [9, 1] })).toBe('make 2 segments unassigned');
    expect(title('createClass', { segmentIds: [8, 10] })).toBe('new class class 4 from 2 segments');
    expect(title('splitClass', { classId: 1, groups: [[1], [2, 3]] })).toBe('split cat into cat and cat 2');
    expect(title('removeClass', { classId: 2 })).toBe('mark dog as background (3 segments)');
    expect(title('replaceClustering', { segmentIds: [1, 2, 3, 4], labels: [0, 0, 1, -1] })).toBe('automatic class discovery (2 classes)');
  });
});

describe('the history carries each gesture title', () => {
  let tmp: TempDir;
  let store: ProjectStore;
  let segs: number[];
  beforeEach(() => {
    tmp = tempDir();
    ({ store, segmentIds: segs } = projectWithStrips(tmp.file, [4]));
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('undo and redo return the title; the summary names the next undo and flags automatic discovery', () => {
    applyAction(store, 'replaceClustering', { segmentIds: segs, labels: [0, 0, 1, 1] });
    const summary = () => projectSummary(store, tmp.dir, 'm', null);
    expect(summary()).toMatchObject({ canUndo: true, undoTitle: 'automatic class discovery (2 classes)', undoAutomatic: true });
    const [c1, c2] = store.listClasses().map((c) => c.id);
    applyAction(store, 'mergeClasses', { classIds: [c2, c1], into: c1 });
    expect(summary()).toMatchObject({ undoTitle: 'merge class 2 into class 1', undoAutomatic: false, redoTitle: null });
    expect(undo(store)?.title).toBe('merge class 2 into class 1');
    expect(summary()).toMatchObject({ undoAutomatic: true, redoTitle: 'merge class 2 into class 1' });
    // The title was fixed when recorded: renaming later does not rewrite it.
    expect(redo(store)?.title).toBe('merge class 2 into class 1');
    applyActions(store, 'tidy', [{ name: 'removeSegments', args: { segmentIds: [segs[0]] } }], 'tidy up');
    expect(undo(store)).toMatchObject({ label: 'tidy', title: 'tidy up' });
    // Without a title the label stands in.
    applyActions(store, 'plain', [{ name: 'removeSegments', args: { segmentIds: [segs[1]] } }]);
    expect(undo(store)?.title).toBe('plain');
    // Survives a reopen (stored with the gesture).
    store.close();
    store = ProjectStore.open(tmp.file);
    expect(store.history.heads().undo).toEqual({ label: 'mergeClasses', title: 'merge class 2 into class 1' });
  });
});
