import { describe, expect, it } from 'vitest';
import { polygonArea, rasterizePolygons, segmentDistance, simplifyClosedRing } from './geometry';

function pixels(mask: Uint8Array, w: number): string[] {
  const out: string[] = [];
  mask.forEach((v, i) => v && out.push(`${i % w},${Math.floor(i / w)}`));
  return out;
}

describe('rasterizePolygons', () => {
  it('takes a pixel when its centre is inside (pycocotools sampling)', () => {
    // Centres (x+0.5, y+0.5) inside x + y < 4.2 - 1: the 10 pixels with x + y <= 3.
    const m = rasterizePolygons([[0, 0, 4.2, 0, 0, 4.2]], 6, 6);
    const expected: string[] = [];
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) if (x + y <= 3) expected.push(`${x},${y}`);
    expect(pixels(m, 6)).toEqual(expected);
  });

  it('unions an annotation\'s polygons and clips to the image', () => {
    const m = rasterizePolygons(
      [
        [1, 1, 3, 1, 3, 3, 1, 3],
        [2, 2, 9, 2, 9, 9, 2, 9],
      ],
      5,
      4,
    );
    expect(pixels(m, 5)).toEqual(['1,1', '2,1', '1,2', '2,2', '3,2', '4,2', '2,3', '3,3', '4,3']);
  });

  it('uses the even-odd rule inside one ring', () => {
    // An outer square and an inner square traced as one ring joined by a zero-width slit.
    const ring = [0, 0, 6, 0, 6, 6, 0, 6, 0, 2, 2, 2, 2, 4, 4, 4, 4, 2, 0, 2];
    const m = rasterizePolygons([ring], 6, 6);
    expect(m.reduce((s, v) => s + v, 0)).toBe(36 - 4);
    expect(m[2 * 6 + 2]).toBe(0);
  });
});

describe('polygonArea and segmentDistance', () => {
  it('shoelace area ignores orientation', () => {
    expect(polygonArea([0, 0, 4, 0, 4, 3])).toBe(6);
    expect(polygonArea([0, 0, 4, 3, 4, 0])).toBe(6);
  });

  it('measures to the segment, not the infinite line', () => {
    expect(segmentDistance(5, 0, 0, 0, 3, 0)).toBe(2);
    expect(segmentDistance(1, 2, 0, 0, 3, 0)).toBe(2);
    expect(segmentDistance(1, 1, 2, 2, 2, 2)).toBeCloseTo(Math.SQRT2, 12);
  });

  it('leaves tiny rings alone', () => {
    expect(simplifyClosedRing([0, 0, 1, 0, 0, 1], 10)).toEqual([0, 0, 1, 0, 0, 1]);
  });
});
