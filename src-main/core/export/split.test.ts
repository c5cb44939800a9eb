import { describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { assignSplits, parseSplitRatios } from './split';

const items = (n: number, classOf: (i: number) => number[]) =>
  Array.from({ length: n }, (_, i) => ({ key: `img${String(i).padStart(3, '0')}.jpg`, classIds: classOf(i) }));

describe('splits', () => {
  it('parses ratios and rejects bad ones with a clear message', () => {
    expect(parseSplitRatios('0.8,0.1,0.1')).toEqual([0.8, 0.1, 0.1]);
    expect(parseSplitRatios('0.7, 0.3')).toEqual([0.7, 0.3, 0]);
    for (const bad of ['0.8', '0.5,0.4', 'a,b,c', '0.8,0.3,-0.1', '0,0.5,0.5', '1,0,0,0']) {
      expect(() => parseSplitRatios(bad)).toThrow(SamanticError);
    }
    expect(() => parseSplitRatios('0.5,0.4')).toThrow(/add up to 1/);
  });

  it('is reproducible for a seed, independent of input order, and follows the ratios', () => {
    const list = items(100, (i) => [i % 3]);
    const a = assignSplits(list, [0.8, 0.1, 0.1], 42);
    const b = assignSplits(list, [0.8, 0.1, 0.1], 42);
    expect(a).toEqual(b);
    const reversed = assignSplits([...list].reverse(), [0.8, 0.1, 0.1], 42).reverse();
    expect(reversed).toEqual(a);
    expect(assignSplits(list, [0.8, 0.1, 0.1], 43)).not.toEqual(a);
    const count = (s: string) => a.filter((x) => x === s).length;
    expect([count('train'), count('val'), count('test')]).toEqual([80, 10, 10]);
  });

  it('puts every class in train where it can, whatever the seed', () => {
    // Classes 5 and 6 are each in a single image; a 0.2 train share would miss them by chance.
    const list = items(20, (i) => (i === 3 ? [5] : i === 11 ? [6, 1] : [1]));
    for (let seed = 0; seed < 50; seed++) {
      const s = assignSplits(list, [0.2, 0.4, 0.4], seed);
      expect(s[3]).toBe('train');
      expect(s[11]).toBe('train');
      expect(s.filter((x) => x === 'train').length).toBeGreaterThanOrEqual(4);
    }
  });
});
