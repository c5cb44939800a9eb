import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../util/random';
import type { BinaryMask } from '../types';
import {
  decodeMask,
  decompressRle,
  encodeMask,
  maskToRle,
  rleArea,
  rleBbox,
  rleFromString,
  rleIou,
  rleMerge,
  rleToMask,
  rleToString,
} from './rle';

const repoRoot = path.resolve(new URL('.', import.meta.url).pathname, '../../..');
const vectorsFile = path.resolve(repoRoot, '../shared/coco/rle-vectors.json');

interface VectorCase {
  note: string;
  height: number;
  width: number;
  rows: string[];
  counts: string;
  area: number;
  bbox: number[];
}

const vectors = JSON.parse(readFileSync(vectorsFile, 'utf8')) as { cases: VectorCase[] };

function maskFromRows(c: VectorCase): BinaryMask {
  const data = new Uint8Array(c.width * c.height);
  c.rows.forEach((row, y) => {
    for (let x = 0; x < c.width; x++) data[y * c.width + x] = row[x] === '1' ? 1 : 0;
  });
  return { width: c.width, height: c.height, data };
}

function randomMask(w: number, h: number, density: number, rand: () => number): BinaryMask {
  const data = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = rand() < density ? 1 : 0;
  return { width: w, height: h, data };
}

function bruteArea(m: BinaryMask): number {
  return m.data.reduce((s, v) => s + v, 0);
}

describe('pycocotools vectors (../shared/coco/rle-vectors.json)', () => {
  it('has all 41 cases', () => {
    expect(vectors.cases.length).toBe(41);
  });

  for (const c of vectors.cases) {
    it(`reproduces "${c.note}" (${c.height}x${c.width}): string, area, bbox, decode`, () => {
      const mask = maskFromRows(c);
      const enc = encodeMask(mask);
      expect(enc.size).toEqual([c.height, c.width]);
      expect(enc.counts).toBe(c.counts);
      expect(rleArea(enc)).toBe(c.area);
      expect(rleBbox(enc)).toEqual(c.bbox);
      // Decoding pycocotools' own string gives back the exact pixels.
      const back = decodeMask({ size: [c.height, c.width], counts: c.counts });
      expect(Array.from(back.data)).toEqual(Array.from(mask.data));
    });
  }
});

describe('rleToString / rleFromString', () => {
  it('round-trips counts including large values and negative deltas', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(rand() * 30);
      const counts = Array.from({ length: n }, () => Math.floor(rand() ** 3 * 5_000_000));
      expect(rleFromString(rleToString(counts))).toEqual(counts);
    }
    const huge = [0, 2 ** 33 + 5, 1, 3];
    expect(rleFromString(rleToString(huge))).toEqual(huge);
  });

  it('uses only the characters 0..o', () => {
    const s = rleToString([123456, 1, 99999, 7, 0, 4096]);
    expect(/^[0-o]*$/.test(s)).toBe(true);
  });

  it('rejects characters outside the alphabet and truncated strings with a clear message', () => {
    expect(() => rleFromString('0d~')).toThrow(/not part of pycocotools' RLE alphabet/);
    // 'd' has the continuation bit set: the string stops mid-count.
    expect(() => rleFromString('0d')).toThrow(/ends in the middle/);
  });

  it('refuses a compressed RLE whose runs do not fill its size', () => {
    expect(() => decompressRle({ size: [4, 4], counts: 'd0' }, 'image a.jpg, annotation 3')).toThrow(
      /image a.jpg, annotation 3: run lengths sum to 20 but size 4x4 needs 16/,
    );
  });
});

describe('encodeMask / decodeMask on random masks', () => {
  const shapes: [number, number][] = [
    [1, 1],
    [1, 17],
    [23, 1],
    [1, 300],
    [300, 1],
    [5, 7],
    [64, 48],
    [37, 91],
  ];
  const rand = rng(2024);

  for (const [w, h] of shapes) {
    it(`round-trips ${w}x${h} (empty, full, sparse, dense, blobby)`, () => {
      const cases: BinaryMask[] = [
        { width: w, height: h, data: new Uint8Array(w * h) },
        { width: w, height: h, data: new Uint8Array(w * h).fill(1) },
        randomMask(w, h, 0.05, rand),
        randomMask(w, h, 0.5, rand),
        randomMask(w, h, 0.95, rand),
      ];
      for (const m of cases) {
        const enc = encodeMask(m);
        expect(enc.size).toEqual([h, w]);
        const back = decodeMask(enc);
        expect(back.width).toBe(w);
        expect(back.height).toBe(h);
        expect(Buffer.from(back.data).equals(Buffer.from(m.data))).toBe(true);
        expect(rleArea(enc)).toBe(bruteArea(m));
      }
    });
  }

  it('starts with a zero run and runs column-major', () => {
    // 2x2 mask with only the bottom-left pixel set: column-major index 1 -> counts [1, 1, 2].
    const m: BinaryMask = { width: 2, height: 2, data: Uint8Array.from([0, 0, 1, 0]) };
    expect(maskToRle(m).counts).toEqual([1, 1, 2]);
    const full: BinaryMask = { width: 2, height: 2, data: Uint8Array.from([1, 1, 1, 1]) };
    expect(maskToRle(full).counts).toEqual([0, 4]);
  });

  it('rleToMask rejects counts that do not fill the size', () => {
    expect(() => rleToMask({ size: [3, 3], counts: [2, 2] })).toThrow(/sum to 4 but size 3x3 needs 9/);
  });
});

describe('rleBbox, rleIou and rleMerge agree with brute force', () => {
  const rand = rng(99);

  function bruteBbox(m: BinaryMask): number[] {
    let xs = Infinity;
    let ys = Infinity;
    let xe = -1;
    let ye = -1;
    for (let y = 0; y < m.height; y++) {
      for (let x = 0; x < m.width; x++) {
        if (!m.data[y * m.width + x]) continue;
        xs = Math.min(xs, x);
        ys = Math.min(ys, y);
        xe = Math.max(xe, x);
        ye = Math.max(ye, y);
      }
    }
    return xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe - xs + 1, ye - ys + 1];
  }

  function blob(w: number, h: number): BinaryMask {
    const cx = rand() * w;
    const cy = rand() * h;
    const r = 2 + rand() * Math.min(w, h) * 0.4;
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) data[y * w + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 1 : 0;
    }
    return { width: w, height: h, data };
  }

  it('bbox of single-column blobs (tight) matches the brute-force box', () => {
    for (let t = 0; t < 50; t++) {
      const m = blob(40, 30);
      expect(rleBbox(maskToRle(m))).toEqual(bruteBbox(m));
    }
  });

  it('IoU, union and intersection match pixel counting', () => {
    for (let t = 0; t < 50; t++) {
      const a = t % 5 === 0 ? randomMask(33, 21, 0.4, rand) : blob(33, 21);
      const b = blob(33, 21);
      let inter = 0;
      let union = 0;
      for (let i = 0; i < a.data.length; i++) {
        inter += a.data[i] & b.data[i];
        union += a.data[i] | b.data[i];
      }
      const ra = maskToRle(a);
      const rb = maskToRle(b);
      expect(rleIou(ra, rb)).toBeCloseTo(inter === 0 ? 0 : inter / union, 12);
      expect(rleIou(encodeMask(a), encodeMask(b))).toBeCloseTo(inter === 0 ? 0 : inter / union, 12);
      const u = rleToMask(rleMerge([ra, rb]));
      const n = rleToMask(rleMerge([ra, rb], true));
      expect(Array.from(u.data)).toEqual(Array.from(a.data, (v, i) => v | b.data[i]));
      expect(Array.from(n.data)).toEqual(Array.from(a.data, (v, i) => v & b.data[i]));
      // Merging compressed inputs gives the compressed form of the same union.
      expect(rleMerge([encodeMask(a), encodeMask(b)])).toEqual(encodeMask(u));
    }
  });

  it('IoU of two empty masks is 0 and of a mask with itself is 1', () => {
    const empty = maskToRle({ width: 4, height: 4, data: new Uint8Array(16) });
    expect(rleIou(empty, empty)).toBe(0);
    const m = maskToRle(blob(20, 20));
    expect(rleIou(m, m)).toBe(1);
  });

  it('refuses to compare masks of different sizes', () => {
    const a = maskToRle({ width: 4, height: 3, data: new Uint8Array(12) });
    const b = maskToRle({ width: 3, height: 4, data: new Uint8Array(12) });
    expect(() => rleIou(a, b)).toThrow(/differ in size \(3x4 vs 4x3\)/);
  });
});
