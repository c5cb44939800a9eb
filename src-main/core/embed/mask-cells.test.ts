import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import type { BinaryMask, FrameTransform } from '../types';
import { maskCellCoverage } from './mask-cells';
import { maskToRle } from '../mask/rle';

/** SAM's resize rule: longest side to frameSize, int(x * s + 0.5). */
function frame(w: number, h: number, frameSize: number): FrameTransform {
  const scale = frameSize / Math.max(w, h);
  return {
    origWidth: w,
    origHeight: h,
    scale,
    resizedWidth: Math.floor(w * scale + 0.5),
    resizedHeight: Math.floor(h * scale + 0.5),
    frameSize,
  };
}

/** Per-pixel reference: dense per-cell counts, straight from the sampling rule. */
function bruteCounts(t: FrameTransform, gridW: number, gridH: number, mask: BinaryMask | null): Float64Array {
  const out = new Float64Array(gridW * gridH);
  for (let y = 0; y < t.origHeight; y++) {
    for (let x = 0; x < t.origWidth; x++) {
      if (mask && !mask.data[y * t.origWidth + x]) continue;
      const fx = ((x + 0.5) * t.resizedWidth) / t.origWidth;
      const fy = ((y + 0.5) * t.resizedHeight) / t.origHeight;
      out[Math.floor(fy / (t.frameSize / gridH)) * gridW + Math.floor(fx / (t.frameSize / gridW))] += 1;
    }
  }
  return out;
}

function dense(cells: Int32Array, values: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size);
  cells.forEach((c, k) => (out[c] = values[k]));
  return out;
}

function randomMask(w: number, h: number, seed: number, density: number): BinaryMask {
  const rnd = mulberry32(seed);
  const data = new Uint8Array(w * h);
  // Blobby rather than salt-and-pepper, so runs cross cell boundaries and columns.
  const cx = rnd() * w;
  const cy = rnd() * h;
  const r = Math.max(w, h) * (0.2 + 0.4 * density);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - cx, y - cy);
      data[y * w + x] = d < r || rnd() < density * 0.2 ? 1 : 0;
    }
  }
  return { width: w, height: h, data };
}

describe('maskCellCoverage', () => {
  const cases: [number, number, number, number][] = [
    // width, height, frameSize, grid
    [8, 8, 8, 4],
    [37, 23, 64, 8],
    [23, 37, 64, 8],
    [5, 3, 64, 16], // upscaled: several cells per pixel, some cells hold no pixel at all
    [131, 70, 32, 4],
    [200, 120, 1024, 64],
  ];

  it.each(cases)('RLE runs, binary mask and per-pixel reference agree (%ix%i, frame %i, grid %i)', (w, h, f, g) => {
    const t = frame(w, h, f);
    for (let seed = 1; seed <= 4; seed++) {
      const mask = randomMask(w, h, seed * 7919 + w, seed / 5);
      const fromRle = maskCellCoverage(t, g, g, maskToRle(mask));
      const fromBin = maskCellCoverage(t, g, g, mask);
      const ref = bruteCounts(t, g, g, mask);
      expect(Array.from(dense(fromRle.cells, fromRle.maskPixels, g * g))).toEqual(Array.from(ref));
      expect(Array.from(fromBin.cells)).toEqual(Array.from(fromRle.cells));
      expect(Array.from(fromBin.maskPixels)).toEqual(Array.from(fromRle.maskPixels));
      // validPixels: the cell's share of all image pixels.
      const all = bruteCounts(t, g, g, null);
      expect(Array.from(fromRle.validPixels)).toEqual(Array.from(fromRle.cells).map((c) => all[c]));
    }
  });

  it('a full mask covers every image cell exactly once and never a padding cell', () => {
    const t = frame(40, 10, 64); // resized 64x16: only the top 2 of 8 cell rows hold image
    const full: BinaryMask = { width: 40, height: 10, data: new Uint8Array(400).fill(1) };
    const cov = maskCellCoverage(t, 8, 8, full);
    expect(Array.from(cov.cells)).toEqual([...Array(16).keys()]);
    expect(Array.from(cov.maskPixels)).toEqual(Array.from(cov.validPixels));
    expect(cov.maskPixels.reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('an empty mask touches no cell (RLE of a single zero run, and an empty counts list)', () => {
    const t = frame(6, 4, 8);
    expect(maskCellCoverage(t, 4, 4, { size: [4, 6], counts: [24] }).cells.length).toBe(0);
    expect(maskCellCoverage(t, 4, 4, { size: [4, 6], counts: [24, 0] }).cells.length).toBe(0);
  });

  it('rejects masks of another size, corrupt RLEs and impossible frames with actionable messages', () => {
    const t = frame(6, 4, 8);
    expect(() => maskCellCoverage(t, 4, 4, { size: [6, 4], counts: [24] })).toThrow(/is 4x6 .* 6x4 image/);
    expect(() => maskCellCoverage(t, 4, 4, { size: [4, 6], counts: [20] })).toThrow(/sum to 20 .* needs 24/);
    expect(() => maskCellCoverage(t, 4, 4, { size: [4, 6], counts: [20, 10] })).toThrow(/sum past 24/);
    expect(() => maskCellCoverage(t, 4, 4, { size: [4, 6], counts: [10, -1, 15] })).toThrow(/non-negative/);
    const bad = { ...t, resizedWidth: 9 };
    expect(() => maskCellCoverage(bad, 4, 4, { size: [4, 6], counts: [24] })).toThrow(/does not fit/);
    const m: BinaryMask = { width: 6, height: 4, data: new Uint8Array(10) };
    expect(() => maskCellCoverage(t, 4, 4, m)).toThrow(/10 bytes, expected 24/);
  });
});
