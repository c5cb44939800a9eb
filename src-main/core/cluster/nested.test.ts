import { describe, expect, it } from 'vitest';
import { countParts, findContainers, type SegmentMeta } from './nested';

const seg = (imageId: number, area: number, bbox?: [number, number, number, number]): SegmentMeta => ({
  imageId,
  area,
  imageArea: 10_000,
  bbox,
});

describe('findContainers', () => {
  it('flags segments over largeSegmentFraction of their image (strictly more than)', () => {
    const meta = [seg(1, 5000), seg(1, 5001), seg(2, 9999), seg(2, 100)];
    expect(Array.from(findContainers(meta))).toEqual([0, 1, 1, 0]);
    expect(Array.from(findContainers(meta, { largeSegmentFraction: 0.9 }))).toEqual([0, 0, 1, 0]);
    expect(Array.from(findContainers(meta, { nested: 'none' }))).toEqual([0, 0, 0, 0]);
  });

  it('flags segments whose box holds containerMinParts smaller segments of the same image', () => {
    const meta = [
      seg(1, 2000, [10, 10, 50, 50]), // pizza: holds the three below
      seg(1, 100, [12, 12, 10, 10]),
      seg(1, 100, [30, 30, 10, 10]),
      seg(1, 100, [45, 45, 15, 15]), // touches the pizza's right/bottom edge: still inside
      seg(1, 100, [55, 55, 10, 10]), // sticks out
      seg(2, 100, [20, 20, 5, 5]), // another image: not a part of image 1's pizza
      seg(1, 1500, [11, 11, 48, 48]), // near-duplicate of the pizza: too big to be its part (holds 2)
    ];
    expect(Array.from(countParts(meta))).toEqual([3, 0, 0, 0, 0, 0, 2]);
    expect(Array.from(findContainers(meta))).toEqual([1, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(findContainers(meta, { containerMinParts: 4 }))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(countParts(meta, 0.8))).toEqual([4, 0, 0, 0, 0, 0, 2]);
  });

  it('rejects out-of-range thresholds', () => {
    expect(() => findContainers([seg(1, 1)], { largeSegmentFraction: 0 })).toThrow(/largeSegmentFraction/);
    expect(() => findContainers([seg(1, 1)], { containerMinParts: 0 })).toThrow(/containerMinParts/);
  });
});
