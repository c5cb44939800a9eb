import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../types';
import { computeFrameTransform, encoderInput, preprocess, SAM_PIXEL_MEAN, SAM_PIXEL_STD, toFrameCoords } from './preprocess';

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

describe('frame transform', () => {
  it.each([
    // SAM's get_preprocess_shape: s = 1024 / max(w, h), int(x * s + 0.5)
    [768, 576, 1024, 768],
    [1800, 1200, 1024, 683],
    [800, 534, 1024, 684],
    [534, 800, 684, 1024],
    [1024, 1024, 1024, 1024],
    [300, 170, 1024, 580],
  ])('%ix%i resizes to %ix%i', (w, h, rw, rh) => {
    const t = computeFrameTransform(w, h);
    expect([t.resizedWidth, t.resizedHeight, t.frameSize]).toEqual([rw, rh, 1024]);
    expect(t.scale).toBeCloseTo(1024 / Math.max(w, h), 12);
  });

  it('maps original pixels into the frame like ResizeLongestSide.apply_coords', () => {
    const t = computeFrameTransform(800, 534);
    const [x, y] = toFrameCoords(t, 400, 267);
    expect(x).toBeCloseTo((400 * 1024) / 800, 9);
    expect(y).toBeCloseTo((267 * 684) / 534, 9);
  });

  it('rejects sizes that are not positive integers', () => {
    expect(() => computeFrameTransform(0, 10)).toThrow(/width must be a positive integer/);
    expect(() => computeFrameTransform(10, 2.5)).toThrow(/height/);
  });
});

describe('encoder input', () => {
  it('normalises with SAM mean/std into 1x3x1024x1024 and zero-pads bottom/right', () => {
    const img = solid(1024, 768, [200, 100, 50]);
    const { data, dims } = encoderInput(img, 'nchw-normalized');
    expect(dims).toEqual([1, 3, 1024, 1024]);
    const plane = 1024 * 1024;
    for (let c = 0; c < 3; c++) {
      const v = ([200, 100, 50][c] - SAM_PIXEL_MEAN[c]) / SAM_PIXEL_STD[c];
      expect(data[c * plane + 767 * 1024 + 1023]).toBeCloseTo(v, 5);
      expect(data[c * plane + 768 * 1024]).toBe(0);
    }
  });

  it('gives hwc-raw encoders the resized pixels as HxWx3 floats, unpadded', () => {
    const img = solid(5, 3, [9, 8, 7]);
    const { data, dims } = encoderInput(img, 'hwc-raw');
    expect(dims).toEqual([3, 5, 3]);
    expect(Array.from(data.slice(0, 6))).toEqual([9, 8, 7, 9, 8, 7]);
  });

  it('resizes the longest side to 1024 before normalising', async () => {
    const { input, transform } = await preprocess(solid(800, 534, [10, 20, 30]), 'hwc-raw');
    expect(input.dims).toEqual([684, 1024, 3]);
    expect(transform.resizedWidth).toBe(1024);
    // A solid colour stays that colour through bilinear resizing.
    expect(Array.from(input.data.slice(0, 3))).toEqual([10, 20, 30]);
  });

  it('rejects pixel buffers of the wrong length', () => {
    expect(() => encoderInput({ width: 4, height: 4, data: new Uint8Array(10) }, 'hwc-raw')).toThrow(/expected 48/);
  });
});
