import { describe, expect, it } from 'vitest';
import { maskToRle } from './rle';
import { applyStroke } from './stroke';

const empty = (w: number, h: number) => ({ size: [h, w] as [number, number], counts: [w * h] });

describe('brush and eraser strokes (pixel-exact RLE)', () => {
  it('one point stamps the pixels whose centre lies within the radius', () => {
    // 6 wide, 5 high; centre (2.5, 2.5), radius 1: a plus of 5 pixels (column-major index x*5 + y: 7, 11-13, 17).
    expect(applyStroke(empty(6, 5), { points: [[2.5, 2.5]], radius: 1 }, 'paint').counts).toEqual([7, 1, 3, 3, 3, 1, 12]);
  });

  it('a polyline covers the capsule around each segment', () => {
    // 6 x 3; from (0.5, 0.5) to (4.5, 0.5), radius 0.5: row 0, columns 0-4 (indices 0, 3, 6, 9, 12).
    const r = applyStroke(
      empty(6, 3),
      {
        points: [
          [0.5, 0.5],
          [4.5, 0.5],
        ],
        radius: 0.5,
      },
      'paint',
    );
    expect(r.counts).toEqual([0, 1, 2, 1, 2, 1, 2, 1, 2, 1, 5]);
    // An L-shaped polyline: down column 0 then right along row 2 of a 3 x 3 image.
    const l = applyStroke(
      empty(3, 3),
      {
        points: [
          [0.5, 0.5],
          [0.5, 2.5],
          [2.5, 2.5],
        ],
        radius: 0.25,
      },
      'paint',
    );
    expect(l.counts).toEqual([0, 3, 2, 1, 2, 1]);
  });

  it('the eraser clears only the stroke, painting adds to what is there', () => {
    const full = { size: [4, 4] as [number, number], counts: [0, 16] };
    expect(applyStroke(full, { points: [[0, 0]], radius: 1 }, 'erase').counts).toEqual([1, 15]);
    const half = maskToRle({ width: 4, height: 4, data: Uint8Array.from({ length: 16 }, (_, p) => (p % 4 < 2 ? 1 : 0)) });
    // Paint pixel (3, 3): the last pixel in column-major order.
    const painted = applyStroke(half, { points: [[3.5, 3.5]], radius: 0.5 }, 'paint');
    expect(painted.counts).toEqual([0, 8, 7, 1]);
  });

  it('a stroke of nothing is an error, not an edit', () => {
    expect(() => applyStroke(empty(4, 4), { points: [[40, 40]], radius: 2 }, 'paint')).toThrow(/covers no pixel/);
    expect(() => applyStroke(empty(4, 4), { points: [], radius: 2 }, 'paint')).toThrow(/at least one point/);
    expect(() => applyStroke(empty(4, 4), { points: [[1, 1]], radius: 0 }, 'erase')).toThrow(/radius/);
  });
});
