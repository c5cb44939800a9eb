import { describe, expect, it } from 'vitest';
import { CROP_DIM, cropOverlay, maskInCrop } from './crops';
import { runsOf } from './runs.testing';

function rectMask(w: number, h: number, x0: number, y0: number, x1: number, y1: number): number[] {
  const data = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
  return runsOf(data, w, h);
}

describe('mask-aware crops', () => {
  it('maps the segment into the crop, shrunk or blown up', () => {
    // A 100x80 image with the segment at x 20..60, y 10..30; the crop shows x 0..100, y 0..80 at 50x40.
    const counts = rectMask(100, 80, 20, 10, 60, 30);
    const inside = maskInCrop(counts, 80, { x: 0, y: 0, w: 100, h: 80 }, { x: 0, y: 0, w: 50, h: 40 }, 50, 40);
    const at = (x: number, y: number) => inside[y * 50 + x];
    expect(at(10, 5)).toBe(1);
    expect(at(29, 14)).toBe(1);
    expect(at(9, 5)).toBe(0);
    expect(at(30, 5)).toBe(0);
    expect(at(10, 15)).toBe(0);
    expect(inside.reduce((a, b) => a + b, 0)).toBe(20 * 10);
    // Blown up 4x (a small part of the image), the segment stays solid: no gaps between columns.
    const zoom = maskInCrop(counts, 80, { x: 18, y: 8, w: 10, h: 10 }, { x: 0, y: 0, w: 40, h: 40 }, 40, 40);
    for (let y = 8; y < 40; y++) for (let x = 8; x < 40; x++) expect(zoom[y * 40 + x]).toBe(1);
    expect(zoom[0]).toBe(0);
  });

  it('dims the rest of the photo, rings the segment, and leaves the letterbox clear', () => {
    const w = 20;
    const h = 20;
    const inside = new Uint8Array(w * h);
    for (let y = 8; y < 16; y++) for (let x = 6; x < 14; x++) inside[y * w + x] = 1;
    // The photo fills rows 4..16 (letterboxed above and below).
    const rgba = cropOverlay(inside, w, h, { x: 0, y: 4, w: 20, h: 12 }, CROP_DIM, 2);
    const px = (x: number, y: number) => Array.from(rgba.slice((y * w + x) * 4, (y * w + x) * 4 + 4));
    expect(px(0, 0)).toEqual([0, 0, 0, 0]); // letterbox
    expect(px(1, 5)).toEqual([0, 0, 0, Math.round(CROP_DIM * 255)]); // photo outside the segment
    expect(px(6, 8)).toEqual([255, 255, 255, 255]); // its edge
    expect(px(7, 9)).toEqual([255, 255, 255, 255]); // two pixels in: still the ring
    expect(px(9, 11)).toEqual([0, 0, 0, 0]); // inside: the photo as it is
  });
});
