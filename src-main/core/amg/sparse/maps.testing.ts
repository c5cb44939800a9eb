// Test support for the sparse path's tests (imported by *.test.ts only): a seeded generator and the
// one comparison every exactness test makes, sparse answers against upsampling the whole map; a
// label-map predictor with low-res outputs and a scene for it.
import { expect } from 'vitest';
import type { PredictionBatch, RgbImage } from '../../types';
import type { DenseLogits } from '../logits';
import type { LowResLogits, LowResMaskPredictor, LowResPredictionBatch } from './index';
import { upsampleGeometry, upsampleLowRes } from '../upsample';

/** A tiny LCG (Numerical Recipes constants): enough to scatter values, same on every platform. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** How raggedMap scatters its rectangles. */
export interface RaggedMapShape {
  floor: number;
  rects: number;
  /** Largest rectangle side, as a fraction of the map side. */
  side: number;
  /** Rectangle levels, taken in turn: at and near the cutoffs, and far above them. */
  levels: readonly number[];
  /** Chance that a rectangle cell is jittered, and the jitter's full width. */
  jitter: [number, number];
  /** Chance that any cell is replaced by a value in (-50, 50). */
  salt: number;
}

const RAGGED: RaggedMapShape = { floor: -40, rects: 12, side: 0.3, levels: [80, 5, 0.5, -0.5, 1, -1, 0], jitter: [0.2, 6], salt: 0.02 };

/** A ragged low-res map: rectangles at levels on and near the cutoffs over a floor far below them. */
export function raggedMap(n: number, rand: () => number, shape: Partial<RaggedMapShape> = {}): Float32Array {
  const { floor, rects, side, levels, jitter, salt } = { ...RAGGED, ...shape };
  const out = new Float32Array(n * n).fill(floor);
  for (let b = 0; b < rects; b++) {
    const x0 = Math.floor(rand() * n);
    const y0 = Math.floor(rand() * n);
    const w = 1 + Math.floor(rand() * n * side);
    const h = 1 + Math.floor(rand() * n * side);
    const level = levels[b % levels.length];
    for (let y = y0; y < Math.min(n, y0 + h); y++) {
      for (let x = x0; x < Math.min(n, x0 + w); x++) out[y * n + x] = level + (rand() < jitter[0] ? (rand() - 0.5) * jitter[1] : 0);
    }
  }
  if (salt > 0) for (let i = 0; i < out.length; i++) if (rand() < salt) out[i] = (rand() - 0.5) * 100;
  return out;
}

/**
 * Stability at (thr, off), box and RLE at thr (the crop placed at (x0, y0) of a frameW x frameH
 * image) must be exactly the dense path's.
 */
export function expectDenseAnswers(
  sparse: LowResLogits,
  dense: DenseLogits,
  thr: number,
  off: number,
  frame: { x0: number; y0: number; w: number; h: number },
): void {
  expect(sparse.stability(thr, off)).toEqual(dense.stability(thr, off));
  const box = dense.box(thr);
  expect(sparse.box(thr)).toEqual(box);
  expect(sparse.rleInFrame(thr, box, frame.x0, frame.y0, frame.w, frame.h)).toEqual(
    dense.rleInFrame(thr, box, frame.x0, frame.y0, frame.w, frame.h),
  );
}

/** Label-map predictor that answers with low-res logits, and with their upsampling when asked full-res. */
export class LowResLabelPredictor implements LowResMaskPredictor {
  private labels = new Uint8Array(0);
  private w = 0;
  private h = 0;
  denseCalls = 0;
  constructor(
    private readonly lowSize = 64,
    private readonly frameSize = 256,
  ) {}

  async setImage(image: RgbImage): Promise<void> {
    this.w = image.width;
    this.h = image.height;
    this.labels = new Uint8Array(this.w * this.h);
    for (let i = 0; i < this.labels.length; i++) this.labels[i] = image.data[3 * i];
  }

  async predictLowRes(points: Float64Array): Promise<LowResPredictionBatch> {
    const { lowSize: n, frameSize, w, h } = this;
    const s = frameSize / Math.max(w, h);
    const cell = frameSize / n;
    const k = points.length / 2;
    const lowRes = new Float32Array(k * 3 * n * n);
    const iou = new Float32Array(k * 3);
    for (let p = 0; p < k; p++) {
      const px = points[2 * p];
      const py = points[2 * p + 1];
      const label = this.labels[Math.min(Math.floor(py), h - 1) * w + Math.min(Math.floor(px), w - 1)];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const x = Math.floor(((j + 0.5) * cell) / s);
          const y = Math.floor(((i + 0.5) * cell) / s);
          const inside = x < w && y < h;
          const base = p * 3 * n * n + i * n + j;
          lowRes[base] = inside && this.labels[y * w + x] === label ? 6 + ((i * 7 + j) % 5) : -6 - ((i + j) % 3);
          lowRes[base + n * n] = 2 * (12 - Math.hypot(x - px, y - py) / 2);
          lowRes[base + 2 * n * n] = inside ? 3 : -3;
        }
      }
      iou.set([label === 0 ? 0.8 : 0.97, 0.89 + 0.1 * ((px * 0.618 + py * 0.382) % 1), 0.9], p * 3);
    }
    return { n: k, m: 3, lowSize: n, frameSize, lowRes, iou };
  }

  async predict(points: Float64Array): Promise<PredictionBatch> {
    this.denseCalls++;
    const low = await this.predictLowRes(points);
    const g = upsampleGeometry(this.lowSize, this.frameSize, this.w, this.h);
    const size = this.w * this.h;
    const logits = new Float32Array(low.n * low.m * size);
    for (let i = 0; i < low.n * low.m; i++) {
      const map = low.lowRes.subarray(i * this.lowSize ** 2, (i + 1) * this.lowSize ** 2);
      logits.set(upsampleLowRes(map, g), i * size);
    }
    return { n: low.n, m: low.m, width: this.w, height: this.h, logits, iou: low.iou };
  }
}

export function labelScene(): RgbImage {
  const w = 120;
  const h = 90;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      if (x >= 8 && x < 50 && y >= 10 && y < 60) v = 10;
      if ((x - 88) ** 2 + (y - 45) ** 2 < 20 ** 2) v = 20;
      if (x >= 20 && x < 24 && y >= 20 && y < 24) v = 5;
      data.fill(v, 3 * (y * w + x), 3 * (y * w + x) + 3);
    }
  }
  return { width: w, height: h, data };
}
