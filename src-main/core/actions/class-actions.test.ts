import { describe, expect, it } from 'vitest';
import { colourDistance } from '../labels/palette';
import { caughtSamanticError } from '../store/fixtures.testing';
import { createdClassIds, sortedClasses } from '../labels/model';
import { computeAction } from './registry';
import { roundTrip, sampleState } from './fixtures.testing';

const errorOf = caughtSamanticError;

const classOf = (s: ReturnType<typeof sampleState>, id: number) => s.segments.get(id)!.classId;
const names = (s: ReturnType<typeof sampleState>) => sortedClasses(s).map((c) => c.name);

describe('renameClass', () => {
  it('renames, and undo/redo restore exactly', () => {
    const s = sampleState();
    const { diff } = roundTrip(s, 'renameClass', { classId: 2, name: '  puppy ' });
    expect(s.classes.get(2)!.name).toBe('puppy');
    expect(diff).toEqual([
      {
        type: 'class',
        id: 2,
        before: { name: 'dog', color: '#00ff00', order: 1, createdBy: 'cluster', status: 'auto' },
        after: { name: 'puppy', color: '#00ff00', order: 1, createdBy: 'cluster', status: 'decided' },
      },
      // Naming a class accepts its members.
      { type: 'segmentDecided', ids: [4, 5, 6], before: [false, false, false], after: [true, true, true] },
    ]);
  });

  it('refuses unknown classes, empty names and names another class has', () => {
    const s = sampleState();
    const missing = errorOf(() => computeAction(s, 'renameClass', { classId: 42, name: 'x' }));
    expect(missing.code).toBe('not-found');
    expect(missing.message).toContain('class 42 does not exist');
    expect(errorOf(() => computeAction(s, 'renameClass', { classId: 1, name: '   ' })).code).toBe('invalid-argument');
    const clash = errorOf(() => computeAction(s, 'renameClass', { classId: 1, name: 'DOG' }));
    expect(clash.message).toContain("'DOG' is already used by class 2");
    expect(errorOf(() => computeAction(s, 'renameClass', { classId: '1', name: 'x' } as never)).message).toContain('positive integer');
  });

  it('renaming to the same name only confirms the class; once confirmed it changes nothing', () => {
    const s = sampleState();
    roundTrip(s, 'renameClass', { classId: 1, name: 'cat' });
    expect(s.classes.get(1)).toMatchObject({ name: 'cat', status: 'decided' });
    expect(computeAction(s, 'renameClass', { classId: 1, name: 'cat' })).toEqual([]);
  });
});

describe('setClassColor and reorderClasses', () => {
  it('sets a colour (normalised to lower case)', () => {
    const s = sampleState();
    roundTrip(s, 'setClassColor', { classId: 3, color: '#ABCDEF' });
    expect(s.classes.get(3)!.color).toBe('#abcdef');
    expect(errorOf(() => computeAction(s, 'setClassColor', { classId: 3, color: 'red' })).message).toContain('#rrggbb');
  });

  it('puts the listed classes first and keeps the others in order', () => {
    const s = sampleState();
    roundTrip(s, 'reorderClasses', { classIds: [3] });
    expect(names(s)).toEqual(['bird', 'cat', 'dog']);
    expect(sortedClasses(s).map((c) => c.order)).toEqual([0, 1, 2]);
    roundTrip(s, 'reorderClasses', { classIds: [2, 1] });
    expect(names(s)).toEqual(['dog', 'cat', 'bird']);
    expect(computeAction(s, 'reorderClasses', { classIds: [2, 1, 3] })).toEqual([]);
    expect(errorOf(() => computeAction(s, 'reorderClasses', { classIds: [9] })).code).toBe('not-found');
  });
});

describe('mergeClasses', () => {
  it('merges into the first class by default; the others disappear', () => {
    const s = sampleState();
    roundTrip(s, 'mergeClasses', { classIds: [2, 3] });
    expect([...s.classes.keys()]).toEqual([1, 2]);
    expect([4, 5, 6, 7].map((id) => classOf(s, id))).toEqual([2, 2, 2, 2]);
    expect(classOf(s, 1)).toBe(1);
  });

  it('merges into a given class, which need not be listed', () => {
    const s = sampleState();
    roundTrip(s, 'mergeClasses', { classIds: [1, 2], into: 3 });
    expect([...s.classes.keys()]).toEqual([3]);
    expect([1, 2, 3, 4, 5, 6, 7].every((id) => classOf(s, id) === 3)).toBe(true);
    expect(classOf(s, 8)).toBeNull();
    expect(s.segments.get(9)!.removed).toBe(true);
  });

  it('needs two different existing classes', () => {
    const s = sampleState();
    expect(errorOf(() => computeAction(s, 'mergeClasses', { classIds: [1, 1] })).message).toContain('at least two');
    expect(errorOf(() => computeAction(s, 'mergeClasses', { classIds: [1, 7] })).code).toBe('not-found');
    expect(errorOf(() => computeAction(s, 'mergeClasses', { classIds: [1], into: 8 })).code).toBe('not-found');
    expect(errorOf(() => computeAction(s, 'mergeClasses', { classIds: [] })).code).toBe('invalid-argument');
  });
});

describe('splitClass', () => {
  it('keeps group 0 in the class and makes new classes right after it', () => {
    const s = sampleState();
    s.segments.set(11, { id: 11, classId: 1, removed: false, decided: false });
    const { diff } = roundTrip(s, 'splitClass', { classId: 1, groups: [[1], [2, 3], [11]] });
    expect(createdClassIds(diff)).toEqual([4, 5]);
    expect(names(s)).toEqual(['cat', 'cat 2', 'cat 3', 'dog', 'bird']);
    expect([1, 2, 3, 11].map((id) => classOf(s, id))).toEqual([1, 4, 4, 5]);
    expect(s.classes.get(4)!.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(s.classes.get(4)!.color).not.toBe(s.classes.get(5)!.color);
    expect(s.nextClassId).toBe(6);
  });

  it('numbers the parts of a default-named class instead of naming them "class 3 2"', () => {
    const s = sampleState();
    s.classes.get(1)!.name = 'class 1';
    s.classes.get(2)!.name = 'class 2';
    s.classes.get(3)!.name = 'class 3';
    s.segments.set(11, { id: 11, classId: 3, removed: false, decided: false });
    roundTrip(s, 'splitClass', { classId: 3, groups: [[7], [11]] });
    expect(names(s)).toEqual(['class 1', 'class 2', 'class 3', 'class 4']);
    // Splitting the first class: its part comes right after it, under the next free number.
    roundTrip(s, 'splitClass', { classId: 1, groups: [[1], [2, 3]] });
    expect(names(s)).toEqual(['class 1', 'class 5', 'class 2', 'class 3', 'class 4']);
  });

  it('leaves segments in no group in the class, and skips empty groups', () => {
    const s = sampleState();
    roundTrip(s, 'splitClass', { classId: 2, groups: [[], [4], [5]] });
    expect([4, 5, 6].map((id) => classOf(s, id))).toEqual([2, 4, 2]);
    expect(s.classes.size).toBe(4);
  });

  it('refuses segments of other classes, repeated segments and a single group', () => {
    const s = sampleState();
    expect(errorOf(() => computeAction(s, 'splitClass', { classId: 1, groups: [[1], [4]] })).message).toContain(
      'segment 4 is not in class 1',
    );
    expect(errorOf(() => computeAction(s, 'splitClass', { classId: 1, groups: [[1], [1]] })).message).toContain('in two groups');
    expect(errorOf(() => computeAction(s, 'splitClass', { classId: 1, groups: [[1, 2]] })).message).toContain('at least two');
    expect(errorOf(() => computeAction(s, 'splitClass', { classId: 1, groups: [[1], [99]] })).code).toBe('not-found');
  });
});

describe('createClass and deleteClass', () => {
  it('creates a class from segments, taking removed ones back from the background', () => {
    const s = sampleState();
    const { diff } = roundTrip(s, 'createClass', { segmentIds: [8, 9, 4] });
    const [id] = createdClassIds(diff);
    expect(id).toBe(4);
    // Lower-case like clustering's names, numbered by its place in the list (its shortcut digit).
    expect(s.classes.get(4)).toMatchObject({ name: 'class 4', order: 3, createdBy: 'user' });
    // Its colour keeps apart from the three in use.
    for (const c of [1, 2, 3]) expect(colourDistance(s.classes.get(4)!.color, s.classes.get(c)!.color)).toBeGreaterThan(20);
    expect([8, 9, 4].map((x) => classOf(s, x))).toEqual([4, 4, 4]);
    expect(s.segments.get(9)!.removed).toBe(false);
  });

  it('uses a given name and colour, refusing a taken name', () => {
    const s = sampleState();
    roundTrip(s, 'createClass', { segmentIds: [10], name: 'fish', color: '#123456' });
    expect(s.classes.get(4)).toMatchObject({ name: 'fish', color: '#123456' });
    expect(errorOf(() => computeAction(s, 'createClass', { segmentIds: [8], name: 'Fish' })).message).toContain('already used');
    expect(errorOf(() => computeAction(s, 'createClass', { segmentIds: [] })).code).toBe('invalid-argument');
  });

  it('never reuses the id of a deleted class', () => {
    const s = sampleState();
    roundTrip(s, 'createClass', { segmentIds: [8] });
    roundTrip(s, 'deleteClass', { classId: 4 });
    expect(s.classes.has(4)).toBe(false);
    expect(classOf(s, 8)).toBeNull();
    const { diff } = roundTrip(s, 'createClass', { segmentIds: [8] });
    expect(createdClassIds(diff)).toEqual([5]);
  });
});
