import { describe, expect, it } from 'vitest';
import type { BinaryMask } from '../types';
import { interiorPoint } from './interior-point';

function mask(rows: string[]): BinaryMask {
  const width = rows[0].length;
  return { width, height: rows.length, data: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)) };
}

describe('interiorPoint', () => {
  it('finds the pixel farthest from the outside, not the bbox centre', () => {
    // A C shape: its bbox centre (4, 3) is outside the mask.
    const m = mask(['#########', '#########', '###......', '###......', '###......', '#########', '#########']);
    const [x, y] = interiorPoint(m)!;
    expect(m.data[y * 9 + x]).toBe(1);
    expect(x).toBeLessThanOrEqual(2);
  });

  it('picks the centre of a solid square and returns null for an empty mask', () => {
    expect(interiorPoint(mask(['.......', '.#####.', '.#####.', '.#####.', '.#####.', '.#####.', '.......']))).toEqual([3, 3]);
    expect(interiorPoint(mask(['...', '...']))).toBeNull();
  });

  it('treats the image border as outside', () => {
    const [x, y] = interiorPoint(mask(['#####', '#####', '#####']))!;
    expect(y).toBe(1);
    expect(x).toBeGreaterThanOrEqual(1);
    expect(x).toBeLessThanOrEqual(3);
  });
});
