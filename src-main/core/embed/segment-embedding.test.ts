import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import type { AmgMask, BinaryMask, FrameTransform, ImageEmbedding, Rle } from '../types';
import { embedAmgMasks, packVectors, segmentEmbedding } from './segment-embedding';
import { maskToRle } from '../mask/rle';

function frame(w: number, h: number, frameSize: number): FrameTransform {
  const scale = frameSize / Math.max(w, h);
  const r = (v: number) => Math.floor(v * scale + 0.5);
  return { origWidth: w, origHeight: h, scale, resizedWidth: r(w), resizedHeight: r(h), frameSize };
}

/** A 4-channel embedding on a 4x4 grid over an 8-pixel frame (cells of 2x2 frame pixels). */
function grid4(t: FrameTransform, cell: (row: number, col: number) => number[]): ImageEmbedding {
  const data = new Float32Array(4 * 16);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) cell(r, c).forEach((v, ch) => (data[ch * 16 + r * 4 + c] = v));
  return { data, channels: 4, gridH: 4, gridW: 4, transform: t };
}

// Distinct unit vectors in the image part; a loud vector in any cell a test expects to be unused.
const E: Record<string, number[]> = {
  '0,0': [1, 0, 0, 0],
  '0,1': [0, 1, 0, 0],
  '0,2': [1, 0, 0, 0],
  '0,3': [0, 1, 0, 0],
  '1,0': [0, 0, 1, 0],
  '1,1': [0, 0, 0, 1],
  '1,2': [0, 0, 1, 0],
  '1,3': [0, 0, 0, 1],
};
const LOUD = [100, -40, 3, 9];
const cellOf = (r: number, c: number) => E[`${r},${c}`] ?? LOUD;

function maskOf(w: number, h: number, on: (x: number, y: number) => boolean): BinaryMask {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = on(x, y) ? 1 : 0;
  return { width: w, height: h, data };
}

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

function expectVec(actual: Float32Array | null, expected: number[]): void {
  expect(actual).not.toBeNull();
  expect(Array.from(actual as Float32Array).map((v) => Number(v.toFixed(5)))).toEqual(expected.map((v) => Number(v.toFixed(5))));
}

/** Both input forms must give the same vector; returns it. */
function embedBoth(e: ImageEmbedding, m: BinaryMask, opts = {}): Float32Array | null {
  const a = segmentEmbedding(e, m, opts);
  const b = segmentEmbedding(e, maskToRle(m), opts);
  expect(b === null ? null : Array.from(b)).toEqual(a === null ? null : Array.from(a));
  return a;
}

describe('segmentEmbedding on a hand-made 4-channel 4x4 grid', () => {
  const square = grid4(frame(8, 8, 8), cellOf); // scale 1: a cell is 2x2 image pixels

  it('a mask filling one cell gives that cell vector', () => {
    expectVec(
      embedBoth(
        square,
        maskOf(8, 8, (x, y) => x < 2 && y < 2),
      ),
      [1, 0, 0, 0],
    );
  });

  it('a half-covered cell weighs 1/2: (1 e00 + 0.5 e01) / 1.5, normalised', () => {
    const m = maskOf(8, 8, (x, y) => (x < 2 && y < 2) || (x >= 2 && x < 4 && y === 0));
    expectVec(embedBoth(square, m), unit([1, 0.5, 0, 0]));
  });

  it('cells in the padding never count: a whole-image mask of an 8x4 image averages the top two rows', () => {
    const wide = grid4(frame(8, 4, 8), cellOf); // resized 8x4, cell rows 2-3 are padding (LOUD)
    expectVec(
      embedBoth(
        wide,
        maskOf(8, 4, () => true),
      ),
      [0.5, 0.5, 0.5, 0.5],
    );
  });

  it('a cell that is half padding weighs by its valid part only', () => {
    // 8x3 image: cell row 1 spans frame rows 2-3, only row 2 is image. Filling that row of cell (1,0)
    // is full coverage (weight 1), not 2/4 of the cell.
    const e = grid4(frame(8, 3, 8), cellOf);
    const m = maskOf(8, 3, (x, y) => (y === 2 && x < 2) || (x >= 2 && x < 4 && y < 2));
    expectVec(embedBoth(e, m), unit([0, 1, 1, 0]));
  });

  it('non-square images scaled into the frame: 16x8 (landscape) and 8x16 (portrait)', () => {
    // 16x8 -> scale 0.5, resized 8x4: a cell is 4x4 image pixels.
    const land = grid4(frame(16, 8, 8), cellOf);
    const m = maskOf(16, 8, (x, y) => (x < 4 && y < 4) || (x >= 4 && x < 8 && y < 2));
    expectVec(embedBoth(land, m), unit([1, 0.5, 0, 0]));
    // 8x16 -> resized 4x8: cell columns 2-3 are padding. Left column of cells, top two rows.
    const port = grid4(frame(8, 16, 8), cellOf);
    const p = maskOf(8, 16, (x, y) => x < 4 && y < 8);
    expectVec(embedBoth(port, p), unit([0.5, 0, 0.5, 0]));
  });

  it('the result is L2-normalised and independent of the embedding scale', () => {
    const rnd = mulberry32(7);
    const data = Float32Array.from({ length: 64 }, () => rnd() * 2 - 1);
    const t = frame(8, 6, 8);
    const e: ImageEmbedding = { data, channels: 4, gridH: 4, gridW: 4, transform: t };
    const big: ImageEmbedding = { ...e, data: data.map((v) => v * 7) };
    const m = maskOf(8, 6, (x, y) => x + y < 7);
    const v = embedBoth(e, m) as Float32Array;
    expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    expectVec(segmentEmbedding(big, m), Array.from(v));
  });

  it('an empty mask gives null (documented), never a zero or NaN vector', () => {
    expect(
      segmentEmbedding(
        square,
        maskOf(8, 8, () => false),
      ),
    ).toBeNull();
    expect(segmentEmbedding(square, { size: [8, 8], counts: [64] })).toBeNull();
    const zero = grid4(frame(8, 8, 8), () => [0, 0, 0, 0]);
    expect(
      segmentEmbedding(
        zero,
        maskOf(8, 8, () => true),
      ),
    ).toBeNull();
  });

  it("the seed's variant: unweighted mean over cells with more than one mask pixel", () => {
    // Cell (0,0) full (4 px), cell (0,1) one pixel, cell (1,0) two pixels.
    const m = maskOf(8, 8, (x, y) => (x < 2 && y < 2) || (x === 2 && y === 0) || (x < 2 && y === 2));
    expectVec(embedBoth(square, m, { variant: 'seed' }), unit([1, 0, 1, 0]));
    expectVec(embedBoth(square, m), unit([1, 0.25, 0.5, 0]));
  });

  it('a mask found in a crop uses the full-image embedding: same vector as the same mask found in the full image', () => {
    // The AMG found this mask inside crop [4, 0, 4, 8] (XYWH) and pasted it back to image coordinates.
    const crop = { x: 4, y: 0, w: 4, h: 8 };
    const local = maskOf(crop.w, crop.h, (x, y) => x < 2 && y >= 2 && y < 4); // crop-local
    const pasted = maskOf(8, 8, (x, y) => x >= crop.x && local.data[(y - crop.y) * crop.w + (x - crop.x)] === 1);
    const direct = maskOf(8, 8, (x, y) => x >= 4 && x < 6 && y >= 2 && y < 4); // same pixels, full-image AMG
    const rec = (rle: Rle, cropBox: [number, number, number, number]): AmgMask => ({
      rle,
      cropBox,
      bbox: [4, 2, 1, 1],
      area: 4,
      predictedIou: 0.9,
      stabilityScore: 0.96,
      point: [5, 3],
    });
    const [fromCrop, fromFull] = embedAmgMasks(square, [rec(maskToRle(pasted), [4, 0, 4, 8]), rec(maskToRle(direct), [0, 0, 8, 8])]);
    expectVec(fromCrop, [0, 0, 1, 0]); // cell (1,2)
    expect(Array.from(fromCrop as Float32Array)).toEqual(Array.from(fromFull as Float32Array));
  });

  it('rejects a mask of another image size and a malformed embedding, saying what to do', () => {
    expect(() =>
      segmentEmbedding(
        square,
        maskOf(8, 6, () => true),
      ),
    ).toThrow(/8x6 .* 8x8 image; give the mask in original pixels/);
    const broken = { ...square, data: new Float32Array(10) };
    expect(() =>
      segmentEmbedding(
        broken,
        maskOf(8, 8, () => true),
      ),
    ).toThrow(/10 values .* needs 64/);
  });
});

describe('segmentEmbedding at SAM scale', () => {
  it('matches a per-pixel float64 reference on a 256x64x64 embedding and an 800x534 mask', () => {
    const rnd = mulberry32(42);
    const t = frame(800, 534, 1024); // resized 1024x684: bottom cells are padding
    const data = Float32Array.from({ length: 256 * 64 * 64 }, () => rnd() - 0.5);
    const e: ImageEmbedding = { data, channels: 256, gridH: 64, gridW: 64, transform: t };
    const m = maskOf(800, 534, (x, y) => (x - 300) ** 2 + (y - 400) ** 2 < 180 ** 2);
    // Reference: split every pixel into its cell, weight = mask px / image px per cell.
    const maskPx = new Float64Array(4096);
    const imagePx = new Float64Array(4096);
    for (let y = 0; y < 534; y++) {
      for (let x = 0; x < 800; x++) {
        const c = Math.floor(((y + 0.5) * 684) / 534 / 16) * 64 + Math.floor(((x + 0.5) * 1024) / 800 / 16);
        imagePx[c]++;
        if (m.data[y * 800 + x]) maskPx[c]++;
      }
    }
    const ref = new Float64Array(256);
    for (let ch = 0; ch < 256; ch++) {
      for (let c = 0; c < 4096; c++) if (maskPx[c] > 0) ref[ch] += (maskPx[c] / imagePx[c]) * data[ch * 4096 + c];
    }
    const n = Math.hypot(...ref);
    const v = embedBoth(e, m) as Float32Array;
    let maxErr = 0;
    for (let ch = 0; ch < 256; ch++) maxErr = Math.max(maxErr, Math.abs(v[ch] - ref[ch] / n));
    expect(maxErr).toBeLessThan(1e-6);
  });
});

describe('packVectors', () => {
  it('packs present vectors row by row and remembers their input index', () => {
    const p = packVectors([Float32Array.of(1, 0), null, Float32Array.of(0, 1)]);
    expect(p.dim).toBe(2);
    expect(p.rows).toEqual([0, 2]);
    expect(Array.from(p.data)).toEqual([1, 0, 0, 1]);
    expect(() => packVectors([Float32Array.of(1, 0), Float32Array.of(1)])).toThrow(/vector #1 has 1 values/);
  });
});
