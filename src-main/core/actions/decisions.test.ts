import { describe, expect, it } from 'vitest';
import { caughtSamanticError } from '../store/fixtures.testing';
import { applyDiff, classStatus, invertDiff, segmentDecided } from '../labels/model';
import { computeAction } from './registry';
import { labels, roundTrip, sampleState } from './fixtures.testing';

describe('user decisions', () => {
  it('every segment action records the decision, and undo takes it back', () => {
    const s = sampleState();
    roundTrip(s, 'assignSegments', { segmentIds: [8], classId: 1 });
    roundTrip(s, 'removeSegments', { segmentIds: [4] });
    roundTrip(s, 'restoreSegments', { segmentIds: [9] });
    roundTrip(s, 'createClass', { segmentIds: [10], name: 'fish' });
    roundTrip(s, 'confirmSegments', { segmentIds: [2] });
    expect([8, 4, 9, 10, 2].map((id) => s.segments.get(id)!.decided)).toEqual([true, true, true, true, true]);
    expect([1, 3, 5, 6, 7].map((id) => s.segments.get(id)!.decided)).toEqual([false, false, false, false, false]);
    expect(s.segments.get(2)!.classId).toBe(1);
  });

  it('naming, merging, splitting, creating and confirming decide a class; colour and order do not', () => {
    const s = sampleState();
    roundTrip(s, 'setClassColor', { classId: 1, color: '#123456' });
    roundTrip(s, 'reorderClasses', { classIds: [3] });
    expect([1, 2, 3].map((id) => classStatus(s.classes.get(id)!))).toEqual(['auto', 'auto', 'auto']);
    roundTrip(s, 'renameClass', { classId: 1, name: 'kitten' });
    roundTrip(s, 'mergeClasses', { classIds: [3], into: 2 });
    expect(classStatus(s.classes.get(1)!)).toBe('decided');
    expect(classStatus(s.classes.get(2)!)).toBe('decided');
    // Their members at that moment count as reviewed (the bird 7 merged into dog too).
    expect([1, 2, 3, 4, 5, 6, 7].map((id) => s.segments.get(id)!.decided)).toEqual([true, true, true, true, true, true, true]);
    expect(s.segments.get(8)!.decided).toBe(false);
    const t = sampleState();
    const { diff } = roundTrip(t, 'splitClass', { classId: 2, groups: [[4], [5, 6]] });
    expect(classStatus(t.classes.get(2)!)).toBe('decided');
    const created = diff.find((c) => c.type === 'class' && c.before === null);
    expect(created && created.type === 'class' && classStatus(created.after!)).toBe('decided');
    const u = sampleState();
    roundTrip(u, 'confirmClasses', { classIds: [3] });
    expect(classStatus(u.classes.get(3)!)).toBe('decided');
  });

  it('dismisses only suggested classes; their segments go back to unsorted', () => {
    const s = sampleState();
    applyDiff(s, [
      {
        type: 'class',
        id: 3,
        before: { ...s.classes.get(3)!, id: undefined } as never,
        after: { name: 'bird', color: '#0000ff', order: 2, createdBy: 'cluster', status: 'suggested' },
      },
    ]);
    roundTrip(s, 'dismissSuggestions', { classIds: [3] });
    expect(s.classes.has(3)).toBe(false);
    expect(s.segments.get(7)!.classId).toBeNull();
    expect(caughtSamanticError(() => computeAction(s, 'dismissSuggestions', { classIds: [1] })).message).toContain('not a suggestion');
  });

  it('a mask the user made counts as decided', () => {
    expect(segmentDecided({ id: 1, classId: null, removed: false, decided: false, userMade: true })).toBe(true);
    expect(segmentDecided({ id: 1, classId: null, removed: false, decided: false })).toBe(false);
  });
});

describe('replaceClustering keeps every user decision', () => {
  it('decided segments keep their class and flag, decided classes keep their record', () => {
    const s = sampleState();
    applyDiff(s, computeAction(s, 'renameClass', { classId: 3, name: 'robin' }));
    applyDiff(s, computeAction(s, 'assignSegments', { segmentIds: [1], classId: 2 }));
    applyDiff(s, computeAction(s, 'removeSegments', { segmentIds: [8] }));
    const before = labels(s);
    // The clustering puts everything in one cluster: decided things must not follow it.
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 10];
    const { diff } = roundTrip(s, 'replaceClustering', { segmentIds: ids, labels: ids.map(() => 0), classes: [{ name: 'robin' }] });
    expect(s.classes.get(3)).toEqual(before.classes.get(3));
    expect(s.segments.get(1)).toEqual(before.segments.get(1));
    expect(s.segments.get(8)).toEqual(before.segments.get(8));
    // No old class holds a majority of the one cluster: it becomes a new class, the free segments
    // follow the clustering; 7 stays in the user's 'robin' (naming a class accepts its members).
    const [created] = diff.flatMap((c) => (c.type === 'class' && c.before === null ? [c.id] : []));
    expect([2, 3, 10].map((id) => s.segments.get(id)!.classId)).toEqual([created, created, created]);
    expect(s.segments.get(7)!.classId).toBe(3);
    // Class 2 keeps its decided member 1, class 1 (auto, now empty) goes; the clustering's name
    // 'robin' is taken by the user's class.
    expect(s.classes.has(2)).toBe(true);
    expect(s.classes.has(1)).toBe(false);
    expect(
      [...s.classes.values()]
        .filter((c) => c.name.startsWith('robin'))
        .map((c) => c.name)
        .sort(),
    ).toEqual(['robin', 'robin 2']);
    applyDiff(s, invertDiff(diff));
    expect(labels(s)).toEqual(before);
  });
});
