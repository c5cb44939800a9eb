import { describe, expect, it } from 'vitest';
import { axisTaps, MaskUpsampler } from './postprocess';
import { computeFrameTransform } from './preprocess';

/** PyTorch's upsample_bilinear2d with align_corners=False, on one channel, the slow obvious way. */
function resizeBilinear(src: Float64Array, w: number, h: number, ow: number, oh: number): Float64Array {
  const out = new Float64Array(ow * oh);
  const coord = (o: number, inSize: number, outSize: number) => {
    const s = Math.min(Math.max(((o + 0.5) * inSize) / outSize - 0.5, 0), inSize - 1);
    const i0 = Math.floor(s);
    return [i0, Math.min(i0 + 1, inSize - 1), s - i0] as const;
  };
  for (let y = 0; y < oh; y++) {
    const [y0, y1, fy] = coord(y, h, oh);
    for (let x = 0; x < ow; x++) {
      const [x0, x1, fx] = coord(x, w, ow);
      const top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
      const bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
      out[y * ow + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** SAM's mask_postprocessing: 256 -> 1024, crop to the resized size, -> original size. */
function samPostprocess(low: Float64Array, L: number, frame: number, rw: number, rh: number, w: number, h: number): Float64Array {
  const big = resizeBilinear(low, L, L, frame, frame);
  const crop = new Float64Array(rw * rh);
  for (let y = 0; y < rh; y++) for (let x = 0; x < rw; x++) crop[y * rw + x] = big[y * frame + x];
  return resizeBilinear(crop, rw, rh, w, h);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('MaskUpsampler', () => {
  // Landscape shrink, portrait shrink, a square, an image smaller than the frame (upscale), odd sizes.
  it.each([
    [768, 576],
    [534, 800],
    [640, 640],
    [300, 170],
    [1801, 1199],
  ])('matches SAM postprocessing for a %ix%i image', (w, h) => {
    const L = 32;
    const frame = 128; // same arithmetic as 256 -> 1024, smaller so the reference stays quick
    const t = computeFrameTransform(w, h, frame);
    const rand = seeded(w * 7 + h);
    const low = new Float64Array(L * L).map(() => rand() * 40 - 20);
    const expected = samPostprocess(low, L, frame, t.resizedWidth, t.resizedHeight, w, h);
    const got = new Float32Array(w * h + 5);
    new MaskUpsampler(t, L).upsample(Float32Array.from(low), 0, got, 5);
    let worst = 0;
    for (let i = 0; i < w * h; i++) worst = Math.max(worst, Math.abs(got[i + 5] - expected[i]));
    expect(worst).toBeLessThan(1e-4);
    expect(got.slice(0, 5)).toEqual(new Float32Array(5));
  });

  it('merges taps that read the same low-res index, keeping weights summing to 1', () => {
    const taps = axisTaps(256, 1024, 768, 576);
    for (let o = 0; o < 576; o++) {
      const n = taps.count[o];
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(4);
      const idx = Array.from(taps.index.slice(o * 4, o * 4 + n));
      expect(new Set(idx).size).toBe(n);
      let sum = 0;
      for (let j = 0; j < 4; j++) sum += taps.weight[o * 4 + j];
      expect(sum).toBeCloseTo(1, 6);
    }
  });
});
