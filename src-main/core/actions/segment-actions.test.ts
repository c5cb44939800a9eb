import { describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { applyDiff, cloneLabelState, freshClassColor, invertDiff, uniqueName } from '../labels/model';
import { SAME_COLOUR_DISTANCE, colourDistance } from '../labels/palette';
import { computeAction } from './registry';
import { labels, roundTrip, sampleState } from './fixtures.testing';

describe('assignSegments', () => {
  it('moves segments to a class and un-removes background ones; a no-op gives an empty diff', () => {
    const s = sampleState();
    const { diff } = roundTrip(s, 'assignSegments', { segmentIds: [1, 8, 9, 1], classId: 3 });
    expect([1, 8, 9].map((id) => s.segments.get(id)!.classId)).toEqual([3, 3, 3]);
    expect(s.segments.get(9)!.removed).toBe(false);
    expect(diff).toEqual([
      { type: 'segmentClass', ids: [1, 8, 9], before: [1, null, null], after: [3, 3, 3] },
      { type: 'segmentRemoved', ids: [9], before: [true], after: [false] },
      { type: 'segmentDecided', ids: [1, 8, 9], before: [false, false, false], after: [true, true, true] },
    ]);
    expect(computeAction(s, 'assignSegments', { segmentIds: [1, 8], classId: 3 })).toEqual([]);
  });

  it('names missing segments and classes in its errors', () => {
    const s = sampleState();
    const err = (() => {
      try {
        computeAction(s, 'assignSegments', { segmentIds: [1, 50, 51], classId: 1 });
      } catch (e) {
        return e as SamanticError;
      }
    })()!;
    expect(err.code).toBe('not-found');
    expect(err.message).toContain('segments 50, 51 do not exist');
    expect(() => computeAction(s, 'assignSegments', { segmentIds: [1], classId: 9 })).toThrow(/class 9 does not exist/);
  });
});

describe('removeSegments and restoreSegments', () => {
  it('remove takes segments out of their class and marks them background', () => {
    const s = sampleState();
    roundTrip(s, 'removeSegments', { segmentIds: [1, 7, 9] });
    expect([1, 7, 9].map((id) => s.segments.get(id))).toEqual([
      { id: 1, classId: null, removed: true, decided: true },
      { id: 7, classId: null, removed: true, decided: true },
      { id: 9, classId: null, removed: true, decided: true },
    ]);
    // The class is kept even when empty: deleting it is a separate decision.
    expect(s.classes.has(3)).toBe(true);
  });

  it('restore brings them back unassigned; undo of the remove brings back the class', () => {
    const s = sampleState();
    const removed = computeAction(s, 'removeSegments', { segmentIds: [2] });
    applyDiff(s, removed);
    roundTrip(s, 'restoreSegments', { segmentIds: [2, 9] });
    expect(s.segments.get(2)).toEqual({ id: 2, classId: null, removed: false, decided: true });
    expect(s.segments.get(9)!.removed).toBe(false);
    const t = sampleState();
    applyDiff(t, removed);
    applyDiff(t, invertDiff(removed));
    expect(t.segments.get(2)).toEqual({ id: 2, classId: 1, removed: false, decided: false });
  });
});

describe('unassignSegments and removeClass', () => {
  it('unassign takes segments out of their class and out of the background, as decided', () => {
    const s = sampleState();
    roundTrip(s, 'unassignSegments', { segmentIds: [1, 9] });
    for (const id of [1, 9]) expect(s.segments.get(id)).toMatchObject({ classId: null, removed: false, decided: true });
    expect(s.segments.get(2)!.classId).toBe(1);
  });

  it('removeClass marks every member as background and deletes the class in the same diff', () => {
    const s = sampleState();
    roundTrip(s, 'removeClass', { classId: 2 });
    expect(s.classes.has(2)).toBe(false);
    for (const id of [4, 5, 6]) expect(s.segments.get(id)).toMatchObject({ classId: null, removed: true, decided: true });
    expect(s.classes.size).toBe(2);
    expect(() => computeAction(s, 'removeClass', { classId: 2 })).toThrow(/class 2 does not exist/);
  });
});

describe('applyDiff', () => {
  it('refuses a diff that does not match the state and leaves the state as it was', () => {
    const s = sampleState();
    const diff = computeAction(s, 'mergeClasses', { classIds: [1, 2] });
    applyDiff(s, diff);
    const snapshot = labels(s);
    // Applying the same diff again: its first change expects segments 4-6 in class 2.
    expect(() => applyDiff(s, diff)).toThrow(/does not match/);
    expect(labels(s)).toEqual(snapshot);
  });

  it('rolls back the changes before a failing one', () => {
    const s = sampleState();
    const good = computeAction(s, 'assignSegments', { segmentIds: [8], classId: 1 });
    const bad = computeAction(s, 'assignSegments', { segmentIds: [10], classId: 2 });
    (bad[0] as { before: (number | null)[] }).before = [3]; // segment 10 is not in class 3
    const before = cloneLabelState(s);
    expect(() => applyDiff(s, [...good, ...bad])).toThrow(SamanticError);
    expect(s).toEqual(before);
  });

  it('refuses to delete a class that still has segments', () => {
    const s = sampleState();
    const del = {
      type: 'class' as const,
      id: 3,
      before: { name: 'bird', color: '#0000ff', order: 2, createdBy: 'cluster' as const },
      after: null,
    };
    expect(() => applyDiff(s, [del])).toThrow(/segment 7 belongs to it/);
  });
});

describe('names and colours', () => {
  it('a new class colour keeps apart from every colour in use', () => {
    const s = sampleState();
    s.classes.forEach((c) => (c.color = '#3cb44b'));
    const color = freshClassColor(s, ['#4363d8']);
    expect(color).toMatch(/^#[0-9a-f]{6}$/);
    expect(colourDistance(color, '#3cb44b')).toBeGreaterThanOrEqual(SAME_COLOUR_DISTANCE);
    expect(colourDistance(color, '#4363d8')).toBeGreaterThanOrEqual(SAME_COLOUR_DISTANCE);
  });

  it('uniqueName appends the first free number', () => {
    expect(uniqueName('dog', new Set(['cat']))).toBe('dog');
    expect(uniqueName('Dog', new Set(['dog', 'dog 2']))).toBe('Dog 3');
  });
});
