import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { adjustedRandIndex, countClusters } from '../../tools/bench/ari';
import { gatherRows, jsGemm, runAsync, runSync, type GemmTask } from './gemm';
import { createOrtGemm, loadNativeGemm } from './ort-gemm';

function naive(a: Float32Array, ar: number, b: Float32Array, br: number, d: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ar; i++) {
    for (let j = 0; j < br; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
      out.push(s);
    }
  }
  return out;
}

const rnd = mulberry32(3);
const rand = (len: number) => Float32Array.from({ length: len }, () => rnd() * 2 - 1);

describe('dot-product kernels', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 256],
    [7, 2, 33],
    [64, 65, 9],
  ])('JavaScript and onnxruntime kernels equal the naive product (%i x %i, dim %i)', async (ar, br, d) => {
    const a = rand(ar * d);
    const b = rand(br * d);
    const ref = naive(a, ar, b, br, d);
    const js = Array.from(jsGemm({ a, aRows: ar, b, bRows: br, dim: d }));
    js.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    const ort = await createOrtGemm({ threads: 1 });
    try {
      // Views into bigger buffers (offsets) must work too.
      const big = new Float32Array((ar + 3) * d);
      big.set(a, 3 * d);
      const o = Array.from(await ort.gemm({ a: big.subarray(3 * d), aRows: ar, b, bRows: br, dim: d }));
      o.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
    } finally {
      await ort.release();
    }
  });

  it('runs the same task through the sync and async drivers and rejects a wrong-sized result', async () => {
    function* task(): GemmTask<number> {
      const s = yield { a: Float32Array.of(1, 2), aRows: 1, b: Float32Array.of(3, 4, 5, 6), bRows: 2, dim: 2 };
      return s[0] + s[1];
    }
    expect(runSync(task())).toBe(11 + 17);
    expect(await runAsync(task())).toBe(28);
    const native = await loadNativeGemm();
    expect(native.kernel).toBe('onnxruntime-cpu');
    expect(await runAsync(task(), native.gemm)).toBe(28);
    expect(() => runSync(task(), () => new Float32Array(1))).toThrow(/returned 1 values for a 1x2 block/);
  });

  it('gatherRows returns a view for consecutive rows and a copy otherwise', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i);
    const buf = new Float32Array(12);
    const view = gatherRows(data, 2, Int32Array.of(1, 2, 3), 0, 3, buf);
    expect(view.buffer).toBe(data.buffer);
    expect(Array.from(view)).toEqual([2, 3, 4, 5, 6, 7]);
    const copy = gatherRows(data, 2, Int32Array.of(5, 0), 0, 2, buf);
    expect(copy.buffer).toBe(buf.buffer);
    expect(Array.from(copy)).toEqual([10, 11, 0, 1]);
  });
});

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under renaming and about 0 for unrelated ones', () => {
    expect(adjustedRandIndex([0, 0, 1, 1, 2, 2], [5, 5, 9, 9, -1, -1])).toBe(1);
    const r = mulberry32(1);
    const a = Array.from({ length: 5000 }, () => Math.floor(r() * 5));
    const b = Array.from({ length: 5000 }, () => Math.floor(r() * 5));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
  });

  it('matches a hand-computed value', () => {
    // Contingency [[2,1],[0,2]]: sum C(n_ij,2)=2, rows C(3,2)+C(2,2)=4, cols C(2,2)+C(3,2)=4, C(5,2)=10.
    // ARI = (2 - 16/10) / (4 - 16/10) = 0.4 / 2.4
    expect(adjustedRandIndex([0, 0, 0, 1, 1], [0, 0, 1, 1, 1])).toBeCloseTo(0.4 / 2.4, 12);
    expect(countClusters([-1, 3, 3, 0, -1])).toBe(2);
  });
});
