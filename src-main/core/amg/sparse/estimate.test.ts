import { describe, expect, it } from 'vitest';
import { DenseLogits } from '../logits';
import { LowResLogits, tileLayout } from './index';
import { axisTaps, ESTIMATE_MARGIN_ULPS } from './estimate';
import { expectDenseAnswers, rng } from './maps.testing';
import { upsampleGeometry, upsampleLowRes } from '../upsample';

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** The float32 `k` steps (ulps) away from float32 v, toward +Infinity for k > 0. */
function ulpStep(v: number, k: number): number {
  f32[0] = v;
  if (f32[0] === 0) {
    // From zero: k subnormal steps of either sign.
    i32[0] = Math.abs(k);
    return k < 0 ? -f32[0] : f32[0];
  }
  i32[0] += f32[0] > 0 ? k : -k;
  return f32[0];
}

/** The (thr, offset) pairs asked, and their float32 cutoffs. */
const ASKS: [number, number][] = [
  [0, 1],
  [0.5, 2],
  [-1, 0.25],
  [0, 0],
];
const CUTOFFS = [...new Set(ASKS.flatMap(([t, o]) => [t - o, t, t + o]).map(Math.fround))];

/**
 * A map whose upsampled values land on or within a few ulps of the cutoffs: rectangles of cells at
 * a cutoff, at a cutoff +-1 ulp, alternating a few ulps either side of it (so upsampled values
 * straddle it by about an ulp), and of tiny values near 0 (float32 subnormals), over a background far
 * below every cutoff.
 */
function nearCutoffMap(n: number, rand: () => number): Float32Array {
  const out = new Float32Array(n * n).fill(-30);
  for (let r = 0; r < 40; r++) {
    const x0 = Math.floor(rand() * n);
    const y0 = Math.floor(rand() * n);
    const w = 1 + Math.floor(rand() * n * 0.2);
    const h = 1 + Math.floor(rand() * n * 0.2);
    const c = CUTOFFS[Math.floor(rand() * CUTOFFS.length)];
    const kind = r % 4;
    for (let y = y0; y < Math.min(n, y0 + h); y++) {
      for (let x = x0; x < Math.min(n, x0 + w); x++) {
        let v: number;
        if (kind === 0) v = c;
        else if (kind === 1) v = ulpStep(c, rand() < 0.5 ? 1 : -1);
        else if (kind === 2) v = ulpStep(c, ((x + y) & 1 ? 1 : -1) * (1 + Math.floor(rand() * 3)));
        else v = (rand() - 0.5) * 2 ** -126 * (rand() < 0.5 ? 1 : 2 ** -20);
        out[y * n + x] = v;
      }
    }
  }
  return out;
}

function nearCount(values: Float32Array, ulps: number): number {
  let k = 0;
  for (const v of values) {
    for (const c of CUTOFFS) {
      if (v >= ulpStep(c, -ulps) && v <= ulpStep(c, ulps)) {
        k++;
        break;
      }
    }
  }
  return k;
}

describe('the float64 estimate of the upsampled logits', () => {
  it('stays within 2 float32 roundings of the dense value (the margin takes 32x that)', () => {
    for (const [w, h] of [
      [800, 534],
      [2250, 1500],
      [97, 1000],
    ]) {
      const g = upsampleGeometry(256, 1024, w, h);
      const rows = axisTaps(g.s1Rows, g.s2Rows, 256, h);
      const cols = axisTaps(g.s1Cols, g.s2Cols, 256, w);
      const rand = rng(w + h);
      const low = Float32Array.from({ length: 256 * 256 }, () => (rand() - 0.5) * 200);
      const dense = upsampleLowRes(low, g);
      let worst = 0;
      for (let y = 0; y < h; y += 3) {
        const wy = [rows.w0[y], rows.w1[y], rows.w2[y]];
        expect(Math.abs(wy[0] + wy[1] + wy[2] - 1)).toBeLessThan(1e-15);
        for (let x = 0; x < w; x += 3) {
          const wx = [cols.w0[x], cols.w1[x], cols.w2[x]];
          let est = 0;
          let amax = 0;
          for (let a = 0; a < 3; a++) {
            for (let b = 0; b < 3; b++) {
              const l = low[(rows.first[y] + a) * 256 + cols.first[x] + b];
              est += wy[a] * wx[b] * l;
              if (wy[a] * wx[b] > 0) amax = Math.max(amax, Math.abs(l));
            }
          }
          worst = Math.max(worst, Math.abs(est - dense[y * w + x]) / (amax * 2 ** -24));
        }
      }
      // In units of 2^-24 of the largest magnitude read: at most 2 roundings plus float64 noise.
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThanOrEqual(2.001);
      expect(worst * 16).toBeLessThan(ESTIMATE_MARGIN_ULPS);
    }
  });
});

describe('sparse low-res path on values at the cutoffs', () => {
  const cases: [number, number, number, number, number][] = [
    [256, 1024, 800, 534, 3],
    [256, 1024, 2250, 1500, 1],
    [64, 256, 97, 300, 4],
    [32, 128, 17, 9, 20],
  ];
  for (const [lowSize, frame, w, h, maps] of cases) {
    it(`gives the dense answers for ${lowSize}->${frame}->${w}x${h}`, () => {
      const rand = rng(w * 13 + h * 3);
      const layout = tileLayout(upsampleGeometry(lowSize, frame, w, h));
      for (let m = 0; m < maps; m++) {
        const low = nearCutoffMap(lowSize, rand);
        const up = upsampleLowRes(low, layout.geometry);
        // The maps do what they are for: many dense values at, or within an ulp of, a cutoff.
        expect(nearCount(up, 0)).toBeGreaterThan(w * h * 0.01);
        expect(nearCount(up, 1) - nearCount(up, 0)).toBeGreaterThan(w * h * 0.001);
        const dense = new DenseLogits(up, w, h);
        for (const [thr, off] of ASKS) {
          expectDenseAnswers(new LowResLogits(low, layout), dense, thr, off, { x0: 1, y0: 2, w: w + 3, h: h + 5 });
        }
      }
    });
  }
});
