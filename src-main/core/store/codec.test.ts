import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import {
  decodeFloat16Blob,
  decodeVarints,
  encodeFloat16Blob,
  encodeVarints,
  float16BitsToFloat32,
  float32ArrayToFloat16,
  float32ToFloat16Bits,
} from './codec';

// Deterministic normal deviates (Box-Muller over mulberry32).
function normals(n: number, seed: number, sigma = 1): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return out;
}

// Independent oracle: all finite non-negative halves in increasing order (bit order = value order).
const positives: number[] = [];
for (let h = 0; h < 0x7c00; h++) positives.push(float16BitsToFloat32(h));

function nearestHalfByOracle(v: number): number {
  const a = Math.abs(Math.fround(v));
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  let lo = 0;
  let hi = positives.length - 1;
  if (a >= 65520) return sign | 0x7c00; // 65504 + half an ulp (16): overflow to infinity
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positives[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - positives[lo];
  const dHi = positives[hi] - a;
  const pick = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | pick;
}

describe('float16', () => {
  it('decodes known bit patterns', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16BitsToFloat32(0x3555)).toBeCloseTo(0.333251953125, 12);
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(float16BitsToFloat32(0x7e01))).toBe(true);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('every non-NaN half survives decode then encode bit-exactly', () => {
    let checked = 0;
    for (let h = 0; h < 65536; h++) {
      const exp = (h >>> 10) & 0x1f;
      if (exp === 0x1f && (h & 0x3ff) !== 0) continue;
      expect(float32ToFloat16Bits(float16BitsToFloat32(h))).toBe(h);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
  });

  it('NaN stays NaN', () => {
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
  });

  it('ties go to the even neighbour, just off a tie goes to the nearer one', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = float16BitsToFloat32(h);
      const hi = float16BitsToFloat32(h + 1);
      const mid = (lo + hi) / 2; // exact in float64 and in float32 (one more significand bit)
      expect(Math.fround(mid)).toBe(mid);
      const even = h % 2 === 0 ? h : h + 1;
      expect(float32ToFloat16Bits(mid)).toBe(even);
      expect(float32ToFloat16Bits(-mid)).toBe(0x8000 | even);
      const below = Math.fround(mid - (hi - lo) / 1024);
      const above = Math.fround(mid + (hi - lo) / 1024);
      expect(float32ToFloat16Bits(below)).toBe(h);
      expect(float32ToFloat16Bits(above)).toBe(h + 1);
    }
  });

  it('matches a brute-force nearest-even oracle on random floats of every magnitude', () => {
    const r = mulberry32(7);
    for (let i = 0; i < 20000; i++) {
      const v = (r() - 0.5) * 2 ** Math.floor(r() * 50 - 30);
      expect(float32ToFloat16Bits(v)).toBe(nearestHalfByOracle(v));
    }
  });

  it('handles overflow, underflow and the subnormal edge', () => {
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(1e10)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e10)).toBe(0xfc00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and 2^-24: even is 0
    expect(float32ToFloat16Bits(Math.fround(2 ** -25 * 1.0001))).toBe(1);
    expect(float32ToFloat16Bits(2 ** -30)).toBe(0);
    expect(float32ToFloat16Bits(-(2 ** -30))).toBe(0x8000);
    expect(float32ToFloat16Bits(Math.fround(2 ** -14 - 2 ** -26))).toBe(0x0400); // rounds up into the normals
  });

  it('blob round trip keeps relative error within 2^-11 and cosine within 1e-6 on embedding-like data', () => {
    // 256 x 64 x 64 like SAM's image embedding, values ~N(0, 0.5).
    const v = normals(256 * 64 * 64, 11, 0.5);
    const blob = encodeFloat16Blob(v);
    expect(blob.length).toBe(v.length * 2);
    const back = decodeFloat16Blob(blob);
    let maxAbs = 0;
    let maxRel = 0;
    for (let i = 0; i < v.length; i++) {
      const err = Math.abs(back[i] - v[i]);
      maxAbs = Math.max(maxAbs, err);
      if (Math.abs(v[i]) >= 2 ** -14) maxRel = Math.max(maxRel, err / Math.abs(v[i]));
    }
    expect(maxRel).toBeLessThanOrEqual(2 ** -11);
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxAbs).toBeLessThan(2 ** -11 * 4); // |v| < 4 for these samples

    // Cosine between each 256-d vector and its float16 copy, and between pairs of vectors.
    const dim = 256;
    const n = v.length / dim;
    const cos = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let d = 0;
      let na = 0;
      let nb = 0;
      for (let k = 0; k < dim; k++) {
        d += a[i * dim + k] * b[j * dim + k];
        na += a[i * dim + k] ** 2;
        nb += b[j * dim + k] ** 2;
      }
      return d / Math.sqrt(na * nb);
    };
    let selfWorst = 0;
    let pairWorst = 0;
    for (let i = 0; i < n; i += 7) {
      selfWorst = Math.max(selfWorst, 1 - cos(v, i, back, i));
      const j = (i * 31 + 5) % n;
      pairWorst = Math.max(pairWorst, Math.abs(cos(v, i, v, j) - cos(back, i, back, j)));
    }
    expect(selfWorst).toBeLessThan(1e-6);
    expect(pairWorst).toBeLessThan(1e-3);
  });

  it('decodes a blob that sits at an odd byte offset and rejects odd lengths', () => {
    const halves = float32ArrayToFloat16([1, -2, 0.5]);
    const bytes = new Uint8Array(7);
    bytes.set(new Uint8Array(halves.buffer), 1);
    expect(Array.from(decodeFloat16Blob(bytes.subarray(1)))).toEqual([1, -2, 0.5]);
    // Every one of the 65,536 bit patterns, aligned and not: the same value as the exact table.
    const pattern = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) {
      pattern[2 * h] = h & 0xff;
      pattern[2 * h + 1] = h >>> 8;
    }
    const shifted = new Uint8Array(pattern.length + 1);
    shifted.set(pattern, 1);
    const aligned = decodeFloat16Blob(pattern);
    const odd = decodeFloat16Blob(shifted.subarray(1));
    for (let h = 0; h < 65536; h++) {
      expect(Object.is(aligned[h], float16BitsToFloat32(h)), `bits ${h}`).toBe(true);
      if (!Object.is(odd[h], aligned[h])) expect.fail(`bits ${h} read from an odd offset: ${odd[h]} vs ${aligned[h]}`);
    }
    expect(() => decodeFloat16Blob(new Uint8Array(3))).toThrow(/even length/);
  });
});

describe('varints', () => {
  it('round trips small, boundary and large run lengths', () => {
    const values = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21, 2 ** 28 + 3, 2 ** 32 - 1, 5];
    const bytes = encodeVarints(values);
    expect(decodeVarints(bytes)).toEqual(values);
    expect(encodeVarints([127]).length).toBe(1);
    expect(encodeVarints([128]).length).toBe(2);
    expect(Array.from(encodeVarints([300]))).toEqual([0xac, 0x02]);
  });

  it('round trips random counts', () => {
    const r = mulberry32(3);
    const values = Array.from({ length: 5000 }, () => Math.floor(r() ** 4 * 1e6));
    expect(decodeVarints(encodeVarints(values))).toEqual(values);
  });

  it('rejects values it cannot hold and truncated data', () => {
    expect(() => encodeVarints([-1])).toThrow(/between 0 and/);
    expect(() => encodeVarints([1.5])).toThrow(/integer/);
    expect(() => encodeVarints([2 ** 32])).toThrow(/between 0 and/);
    expect(() => decodeVarints(new Uint8Array([0x80]))).toThrow(/truncated/);
    expect(() => decodeVarints(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/corrupt/);
  });
});
