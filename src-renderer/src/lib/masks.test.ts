import { describe, expect, it } from 'vitest';
import type { SegmentInfo } from '@contract';
import { rleToString } from '@rle';
import { buildSegmentMaps, hexToRgb, segmentAt, segmentsInRect } from './masks';
import { runsOf } from './runs.testing';

const W = 12;
const H = 8;

/** A rectangle segment [x0, x1) x [y0, y1), encoded by the project's pycocotools-exact codec. */
function rect(id: number, x0: number, y0: number, x1: number, y1: number): SegmentInfo {
  const data = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * W + x] = 1;
  const rle = { size: [H, W] as [number, number], counts: rleToString(runsOf(data, W, H)) };
  return {
    id,
    imageId: 1,
    classId: null,
    bbox: [x0, y0, x1 - x0, y1 - y0],
    area: (x1 - x0) * (y1 - y0),
    predictedIou: 0.9,
    stabilityScore: 0.95,
    rle: { size: [H, W], counts: rle.counts },
  };
}

describe('segment maps', () => {
  // A big segment containing a small one, plus a separate one; ids out of area order on purpose.
  const segs = [rect(7, 2, 2, 5, 5), rect(3, 0, 0, 10, 8), rect(9, 10, 0, 12, 3)];
  const maps = buildSegmentMaps(segs, W, H);

  it('gives each pixel to the smallest segment covering it', () => {
    expect(segmentAt(maps, 3, 3)).toBe(7); // inside both: the small one is on top
    expect(segmentAt(maps, 1, 1)).toBe(3); // only the big one
    expect(segmentAt(maps, 5, 5)).toBe(3); // just outside the small one (x1, y1 exclusive)
    expect(segmentAt(maps, 4.9, 4.9)).toBe(7); // fractional image coordinates floor to the pixel
    expect(segmentAt(maps, 11, 2)).toBe(9);
    expect(segmentAt(maps, 11, 5)).toBeNull(); // no segment
    expect(segmentAt(maps, -1, 0)).toBeNull();
    expect(segmentAt(maps, W, 0)).toBeNull();
  });

  it('matches a pixel-by-pixel reference', () => {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const covering = segs.filter((s) => x >= s.bbox[0] && x < s.bbox[0] + s.bbox[2] && y >= s.bbox[1] && y < s.bbox[1] + s.bbox[3]);
        const expected = covering.sort((a, b) => a.area - b.area)[0]?.id ?? null;
        expect(segmentAt(maps, x, y), `pixel ${x},${y}`).toBe(expected);
      }
    }
  });

  it('selects the segments whose box lies inside a rectangle, in any drag direction', () => {
    expect(segmentsInRect(maps, 1, 1, 6, 6)).toEqual([7]);
    expect(segmentsInRect(maps, 6, 6, 1, 1)).toEqual([7]);
    expect(segmentsInRect(maps, 0, 0, 12, 8).sort()).toEqual([3, 7, 9]);
    expect(segmentsInRect(maps, 3, 3, 4, 4)).toEqual([]);
  });

  it('skips masks whose size does not match the image, and malformed ones', () => {
    const big = rect(5, 0, 0, 2, 2);
    const odd = { ...big, rle: { size: [H + 1, W] as [number, number], counts: big.rle.counts } };
    const broken = { ...rect(4, 0, 0, 3, 3), rle: { size: [H, W] as [number, number], counts: 'X' } };
    const m = buildSegmentMaps([odd, broken, rect(6, 0, 0, 1, 1)], W, H);
    expect(segmentAt(m, 0, 0)).toBe(6);
    expect(segmentAt(m, 1, 1)).toBeNull();
    expect(segmentAt(m, 2, 2)).toBeNull();
  });

  it('parses class colours', () => {
    expect(hexToRgb('#ff8000')).toEqual([255, 128, 0]);
    expect(hexToRgb('nonsense')).toEqual([128, 128, 128]);
  });
});
