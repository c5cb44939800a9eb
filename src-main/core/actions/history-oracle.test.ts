import { describe, expect, it } from 'vitest';
import { History } from './history.testing';
import { createdClassIds } from '../labels/model';
import { labels, sampleState } from './fixtures.testing';

describe('History', () => {
  it('undoes and redoes each action exactly', () => {
    const h = new History(sampleState());
    const s0 = labels(h.state);
    h.perform('renameClass', { classId: 1, name: 'kitten' });
    const s1 = labels(h.state);
    h.perform('mergeClasses', { classIds: [2, 3] });
    const s2 = labels(h.state);
    expect(h.undo()?.label).toBe('mergeClasses');
    expect(labels(h.state)).toEqual(s1);
    expect(h.undo()?.label).toBe('renameClass');
    expect(labels(h.state)).toEqual(s0);
    expect(h.undo()).toBeNull();
    expect(h.canUndo).toBe(false);
    h.redo();
    h.redo();
    expect(labels(h.state)).toEqual(s2);
    expect(h.redo()).toBeNull();
  });

  it('a batch is one gesture; nested batches join it', () => {
    const h = new History(sampleState());
    const s0 = labels(h.state);
    h.batch('make fish', () => {
      const [created] = createdClassIds(h.perform('createClass', { segmentIds: [8] }));
      h.batch('inner', () => h.perform('renameClass', { classId: created, name: 'fish' }));
      h.perform('assignSegments', { segmentIds: [10], classId: created });
    });
    expect(h.state.classes.get(4)!.name).toBe('fish');
    expect(h.undo()?.label).toBe('make fish');
    expect(labels(h.state)).toEqual(s0);
    expect(h.canUndo).toBe(false);
  });

  it('a batch that throws is rolled back and not recorded', () => {
    const h = new History(sampleState());
    h.perform('renameClass', { classId: 1, name: 'kitten' });
    const s1 = labels(h.state);
    expect(() =>
      h.batch('doomed', () => {
        h.perform('removeSegments', { segmentIds: [1, 2] });
        h.perform('assignSegments', { segmentIds: [3], classId: 99 });
      }),
    ).toThrow(/class 99 does not exist/);
    expect(labels(h.state)).toEqual(s1);
    expect(h.undo()?.label).toBe('renameClass');
  });

  it('a new action after undo drops the redo stack; no-ops record nothing', () => {
    const h = new History(sampleState());
    h.perform('renameClass', { classId: 1, name: 'a' });
    h.perform('renameClass', { classId: 1, name: 'b' });
    h.undo();
    expect(h.canRedo).toBe(true);
    h.perform('renameClass', { classId: 1, name: 'a' }); // already 'a': nothing happens
    expect(h.canRedo).toBe(true);
    h.perform('setClassColor', { classId: 1, color: '#000000' });
    expect(h.canRedo).toBe(false);
    expect(h.redo()).toBeNull();
    h.undo();
    h.undo();
    expect(h.state.classes.get(1)!.name).toBe('cat');
  });

  it('forgets the oldest gestures beyond its limit, and refuses undo inside a batch', () => {
    const h = new History(sampleState(), { limit: 2 });
    for (const name of ['a', 'b', 'c']) h.perform('renameClass', { classId: 1, name });
    expect(h.undo()).not.toBeNull();
    expect(h.undo()).not.toBeNull();
    expect(h.undo()).toBeNull();
    expect(h.state.classes.get(1)!.name).toBe('a');
    expect(() => h.batch('x', () => h.undo())).toThrow(/inside batch/);
    expect(() => new History(sampleState(), { limit: 0 })).toThrow(/positive integer/);
  });
});
