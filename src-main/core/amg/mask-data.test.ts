import { describe, expect, it } from 'vitest';
import { MaskData } from './mask-data';

describe('MaskData', () => {
  const make = () => new MaskData({ id: ['a', 'b', 'c', 'd'], score: Float32Array.from([0.1, 0.9, 0.5, 0.7]) });

  it('filters every column with a boolean mask, keeping order', () => {
    const d = make().filter([true, false, true, true]);
    expect(d.length).toBe(3);
    expect(d.get('id')).toEqual(['a', 'c', 'd']);
    expect(d.get('score')).toBeInstanceOf(Float32Array);
    expect(Array.from(d.get('score'))).toEqual([Math.fround(0.1), 0.5, Math.fround(0.7)]);
  });

  it('selects by indices in the given order', () => {
    const d = make().select([3, 1]);
    expect(d.get('id')).toEqual(['d', 'b']);
    expect(Array.from(d.get('score'))).toEqual([Math.fround(0.7), Math.fround(0.9)]);
    expect(() => make().select([4])).toThrow(/outside/);
  });

  it('concatenates batches column by column', () => {
    const d = make().cat(make().select([0]));
    expect(d.length).toBe(5);
    expect(d.get('id')).toEqual(['a', 'b', 'c', 'd', 'a']);
    expect(d.get('score').length).toBe(5);
    const all = MaskData.concat([make(), make()], () => ({ id: [] as string[], score: new Float32Array(0) }));
    expect(all.length).toBe(8);
    expect(MaskData.concat([], () => ({ id: [] as string[] })).length).toBe(0);
  });

  it('adds and drops columns between stages', () => {
    const d = make().with('rank', [4, 1, 3, 2]).without('score');
    expect(d.keys().sort()).toEqual(['id', 'rank']);
    expect(d.filter([1, 0, 0, 1]).get('rank')).toEqual([4, 2]);
  });

  it('refuses columns that are not parallel or batches with other columns', () => {
    expect(() => new MaskData({ a: [1, 2], b: [1] })).toThrow(/parallel/);
    expect(() => make().filter([true])).toThrow(/keep has 1 entries for 4/);
    expect(() => make().cat(new MaskData({ id: ['x'], other: [1] }) as never)).toThrow(/columns differ/);
  });
});
