import { describe, expect, it } from 'vitest';
import { createdClassIds, sortedClasses } from '../labels/model';
import { computeAction } from './registry';
import { roundTrip, sampleState } from './fixtures.testing';

type S = ReturnType<typeof sampleState>;
const classOf = (s: S, ids: number[]) => ids.map((id) => s.segments.get(id)!.classId);
const list = (s: S) => sortedClasses(s).map((c) => [c.id, c.name, c.order, c.createdBy]);

describe('replaceClustering', () => {
  it('keeps the classes a cluster mostly came from, makes new ones, deletes the rest', () => {
    const s = sampleState();
    // Cluster 0 = {1, 2} (all cat), cluster 1 = {3, 4, 5, 6} (3 of 4 dog), cluster 2 = {8, 10} (new);
    // 7 (the only bird) is noise.
    const { diff } = roundTrip(s, 'replaceClustering', {
      segmentIds: [1, 2, 3, 4, 5, 6, 7, 8, 10],
      labels: [0, 0, 1, 1, 1, 1, -1, 2, 2],
    });
    expect(list(s)).toEqual([
      [1, 'cat', 0, 'cluster'],
      [2, 'dog', 1, 'cluster'],
      [4, 'class 3', 2, 'cluster'],
    ]);
    expect(createdClassIds(diff)).toEqual([4]);
    expect(classOf(s, [1, 2, 3, 4, 5, 6, 7, 8, 10])).toEqual([1, 1, 2, 2, 2, 2, null, 4, 4]);
    expect(s.classes.get(1)!.color).toBe('#ff0000');
    expect(s.segments.get(9)).toEqual({ id: 9, classId: null, removed: true, decided: false });
  });

  it('segments left out of the clustering become unassigned; removed ones stay removed', () => {
    const s = sampleState();
    roundTrip(s, 'replaceClustering', { segmentIds: new Int32Array([4, 5, 9]), labels: new Int32Array([0, 0, 0]) });
    expect(list(s)).toEqual([[2, 'dog', 0, 'cluster']]);
    expect(classOf(s, [1, 2, 3, 4, 5, 6, 7, 9])).toEqual([null, null, null, 2, 2, null, null, null]);
    expect(s.segments.get(9)!.removed).toBe(true);
  });

  it('gives an old class to the largest of the clusters it dominates, and names win over inheritance', () => {
    const s = sampleState();
    s.segments.set(11, { id: 11, classId: 1, removed: false, decided: false });
    roundTrip(s, 'replaceClustering', {
      segmentIds: [1, 2, 3, 11, 4],
      labels: [0, 1, 1, 1, 2],
      classes: [{}, {}, { name: 'hound', color: '#010203' }],
    });
    // Cluster 1 (3 cats) takes cat; cluster 0 (1 cat) is new; cluster 2 keeps dog's id but is renamed.
    expect(list(s)).toEqual([
      [4, 'class 1', 0, 'cluster'],
      [1, 'cat', 1, 'cluster'],
      [2, 'hound', 2, 'cluster'],
    ]);
    expect(s.classes.get(2)!.color).toBe('#010203');
  });

  it('a mixed cluster inherits nothing at the default share, and something at a lower one', () => {
    const mixed = { segmentIds: [1, 4], labels: [0, 0] };
    const s = sampleState();
    roundTrip(s, 'replaceClustering', mixed);
    expect(list(s)).toEqual([[4, 'class 1', 0, 'cluster']]);
    const t = sampleState();
    roundTrip(t, 'replaceClustering', { ...mixed, keepIdentityShare: 0.4 });
    expect(list(t)).toEqual([[1, 'cat', 0, 'cluster']]);
  });

  it('makes unique names when the clustering repeats one', () => {
    const s = sampleState();
    roundTrip(s, 'replaceClustering', { segmentIds: [8, 10], labels: [0, 1], classes: [{ name: 'cat' }, { name: 'cat' }] });
    expect(sortedClasses(s).map((c) => c.name)).toEqual(['cat', 'cat 2']);
  });

  it('validates its input', () => {
    const s = sampleState();
    const run = (args: object) => () => computeAction(s, 'replaceClustering', args as never);
    expect(run({ segmentIds: [1, 2], labels: [0] })).toThrow(/parallel/);
    expect(run({ segmentIds: [1, 1], labels: [0, 0] })).toThrow(/appears twice/);
    expect(run({ segmentIds: [1], labels: [-2] })).toThrow(/labels\[0\] is -2/);
    expect(run({ segmentIds: [1], labels: [2], classes: [{}] })).toThrow(/below 1/);
    expect(run({ segmentIds: [77], labels: [0] })).toThrow(/segment 77 does not exist/);
    expect(run({ segmentIds: [1], labels: [0], keepIdentityShare: 2 })).toThrow(/between 0 and 1/);
  });

  it('with no clusters, every class goes and every segment is unassigned', () => {
    const s = sampleState();
    roundTrip(s, 'replaceClustering', { segmentIds: [], labels: [] });
    expect(s.classes.size).toBe(0);
    expect([...s.segments.values()].every((x) => x.classId === null)).toBe(true);
  });
});
