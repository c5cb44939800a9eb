import { describe, expect, it } from 'vitest';
import type { BinaryMask, BoxXYXY } from '../types';
import {
  buildAllLayerPointGrids,
  buildPointGrid,
  cropImage,
  generateCropBoxes,
  isBoxNearCropEdge,
  scalePoints,
  uncropBox,
  uncropMask,
  uncropPoint,
} from './grids';

describe('point grids', () => {
  it('offsets by 1/(2n) and runs y outer, x inner, as (x, y)', () => {
    expect(Array.from(buildPointGrid(2))).toEqual([0.25, 0.25, 0.75, 0.25, 0.25, 0.75, 0.75, 0.75]);
    const g3 = Array.from(buildPointGrid(3));
    expect(g3.length).toBe(18);
    expect(g3.slice(0, 6)).toEqual([1 / 6, 1 / 6, 0.5, 1 / 6, 5 / 6, 1 / 6]);
    expect(Array.from(buildPointGrid(1))).toEqual([0.5, 0.5]);
  });

  it('uses floor(pointsPerSide / factor^i) points per side per layer', () => {
    const sides = (g: Float64Array[]) => g.map((x) => Math.sqrt(x.length / 2));
    expect(sides(buildAllLayerPointGrids(51, 1, 2))).toEqual([51, 25]);
    expect(sides(buildAllLayerPointGrids(32, 2, 3))).toEqual([32, 10, 3]);
    expect(sides(buildAllLayerPointGrids(16, 2, 1))).toEqual([16, 16, 16]);
  });

  it("scales to crop pixels with numpy's arithmetic", () => {
    // 12 points on a 201-pixel crop side: linspace(1/24, 23/24, 12)[5] * 201, as SAM computes it.
    const g = buildPointGrid(12);
    const step = (23 / 24 - 1 / 24) / 11;
    expect(scalePoints(g, 201, 231)[10]).toBe((5 * step + 1 / 24) * 201);
  });
});

describe('crop boxes (generate_crop_boxes)', () => {
  it('gives one layer of 2x2 crops from the hand-computed formula', () => {
    // 1500x1000, ratio 512/1500: overlap = int(341.33 * 2/2) = 341, cw = ceil((341 + 1500) / 2) = 921,
    // ch = ceil((341 + 1000) / 2) = 671, x0 = [0, 580], y0 = [0, 330].
    const { boxes, layers } = generateCropBoxes(1500, 1000, 1, 512 / 1500);
    expect(boxes).toEqual([
      [0, 0, 1500, 1000],
      [0, 0, 921, 671],
      [0, 330, 921, 1000],
      [580, 0, 1500, 671],
      [580, 330, 1500, 1000],
    ]);
    expect(layers).toEqual([0, 1, 1, 1, 1]);
  });

  it('gives a second layer of 4x4 crops clipped to the image', () => {
    // overlap = int(341.33 * 2/4) = 170, cw = ceil((510 + 1500) / 4) = 503, ch = ceil((510 + 1000) / 4) = 378,
    // x0 = 333 * j, y0 = 208 * j; the last crops are clipped at 1500 and 1000.
    const { boxes, layers } = generateCropBoxes(1500, 1000, 2, 512 / 1500);
    expect(boxes.length).toBe(21);
    expect(layers.filter((l) => l === 2).length).toBe(16);
    const l2 = boxes.slice(5);
    expect(l2.slice(0, 4)).toEqual([
      [0, 0, 503, 378],
      [0, 208, 503, 586],
      [0, 416, 503, 794],
      [0, 624, 503, 1000],
    ]);
    expect(l2.map((b) => b[0]).filter((x, i, a) => a.indexOf(x) === i)).toEqual([0, 333, 666, 999]);
    expect(l2[15]).toEqual([999, 624, 1500, 1000]);
  });

  it('matches the crops of the shared reference run (300x360)', () => {
    const { boxes } = generateCropBoxes(300, 360, 1, 0.3413333333333333);
    expect(boxes.slice(1)).toEqual([
      [0, 0, 201, 231],
      [0, 129, 201, 360],
      [99, 0, 300, 231],
      [99, 129, 300, 360],
    ]);
  });
});

describe('un-cropping', () => {
  const crop: BoxXYXY = [10, 20, 14, 23];
  it('shifts boxes and points by the crop origin', () => {
    expect(uncropBox([0, 1, 3, 2], crop)).toEqual([10, 21, 13, 22]);
    expect(uncropPoint([1.5, 2.25], crop)).toEqual([11.5, 22.25]);
  });

  it('pads masks into the image frame, and leaves a full-image crop alone', () => {
    const m: BinaryMask = { width: 4, height: 3, data: Uint8Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]) };
    const big = uncropMask(m, crop, 16, 25);
    expect(big.width).toBe(16);
    const on: number[] = [];
    big.data.forEach((v, i) => v && on.push(i));
    expect(on).toEqual([20 * 16 + 10, 21 * 16 + 11, 22 * 16 + 13]);
    expect(uncropMask(m, [0, 0, 4, 3], 4, 3)).toBe(m);
    expect(() => uncropMask(m, [0, 0, 5, 3], 10, 10)).toThrow(/does not match crop box/);
  });

  it('crops RGB images row by row', () => {
    const img = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
    expect(Array.from(cropImage(img, [1, 1, 3, 2]).data)).toEqual([12, 13, 14, 15, 16, 17]);
  });

  it('flags boxes within 20 px of a crop edge that is not an image edge', () => {
    const cropBox: BoxXYXY = [100, 0, 300, 200];
    const image: BoxXYXY = [0, 0, 300, 400];
    // Left side at image x 120: 20 from the crop's left edge (inclusive tolerance) -> near.
    expect(isBoxNearCropEdge([20, 50, 60, 90], cropBox, image, 20)).toBe(true);
    expect(isBoxNearCropEdge([21, 50, 60, 90], cropBox, image, 20)).toBe(false);
    // Right side at the crop's right edge, which is also the image's: allowed.
    expect(isBoxNearCropEdge([50, 50, 199, 90], cropBox, image, 20)).toBe(false);
    // Bottom at image y 185, within 20 of the crop's bottom (200) but not the image's (400).
    expect(isBoxNearCropEdge([50, 50, 60, 185], cropBox, image, 20)).toBe(true);
    // Top at 0 is both a crop and an image edge.
    expect(isBoxNearCropEdge([50, 0, 60, 90], cropBox, image, 20)).toBe(false);
  });
});
