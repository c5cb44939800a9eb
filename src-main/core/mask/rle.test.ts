import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../util/random';
import type { BinaryMask } from '../types';
import { maskBboxCoco, maskBboxSam, maskIou, rleBboxCoco, rleBboxSam } from './measure';
import { checkRle, maskToRle, maskToRleInFrame, normaliseRle, rleArea, rleIou, rleMerge, rleToMask, rleToMaskWindow } from './rle';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sharedDir = path.resolve(repoRoot, '../shared');

function randomMask(w: number, h: number, density: number, rand: () => number): BinaryMask {
  const data = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) data[i] = rand() < density ? 1 : 0;
  return { width: w, height: h, data };
}

function fromRows(rows: string[]): BinaryMask {
  const h = rows.length;
  const w = h ? rows[0].length : 0;
  const data = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * w + x] = c === '1' ? 1 : 0)));
  return { width: w, height: h, data };
}

describe('uncompressed RLE', () => {
  it('round-trips random masks of many shapes and densities', () => {
    const rand = rng(7);
    for (let t = 0; t < 200; t++) {
      const w = 1 + Math.floor(rand() * 40);
      const h = 1 + Math.floor(rand() * 40);
      const m = randomMask(w, h, [0, 0.05, 0.5, 0.95, 1][t % 5], rand);
      const rle = maskToRle(m);
      checkRle(rle);
      expect(rle.size).toEqual([h, w]);
      expect(Array.from(rleToMask(rle).data)).toEqual(Array.from(m.data));
      expect(rleArea(rle)).toBe(m.data.reduce((a, b) => a + b, 0));
    }
  });

  it('counts column-major and starts with a (possibly empty) zero run', () => {
    // Column 0 is [1, 0], column 1 is [1, 1]: flattening x*h + y gives 1,0,1,1.
    expect(maskToRle(fromRows(['11', '01'])).counts).toEqual([0, 1, 1, 2]);
    expect(maskToRle(fromRows(['00', '00'])).counts).toEqual([4]);
    expect(maskToRle(fromRows(['11', '11'])).counts).toEqual([0, 4]);
  });

  it('encodes a crop pasted into a larger frame like encoding the padded mask', () => {
    const rand = rng(11);
    for (let t = 0; t < 100; t++) {
      const W = 2 + Math.floor(rand() * 30);
      const H = 2 + Math.floor(rand() * 30);
      const w = 1 + Math.floor(rand() * W);
      const h = 1 + Math.floor(rand() * H);
      const x0 = Math.floor(rand() * (W - w + 1));
      const y0 = Math.floor(rand() * (H - h + 1));
      const m = randomMask(w, h, [0.1, 0.5, 1, 0][t % 4], rand);
      const padded = new Uint8Array(W * H);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) padded[(y + y0) * W + x + x0] = m.data[y * w + x];
      const framed = maskToRleInFrame(m, x0, y0, W, H);
      expect(framed).toEqual(maskToRle({ width: W, height: H, data: padded }));
      // And decoding just that window gives the crop back.
      expect(Array.from(rleToMaskWindow(framed, x0, y0, w, h).data)).toEqual(Array.from(m.data));
    }
  });

  it('rejects counts that do not add up to the size, naming the problem', () => {
    expect(() => rleToMask({ size: [2, 2], counts: [1, 2] })).toThrow(/sum to 3.*needs 4/);
    expect(() => rleToMask({ size: [2, 2], counts: [1, -1, 4] })).toThrow(/not a non-negative integer/);
    expect(() => maskToRleInFrame(fromRows(['11']), 1, 0, 2, 1)).toThrow(/does not fit/);
  });
});

describe('boxes', () => {
  it("gives SAM's inclusive XYWH and pycocotools' XYWH for hand-made masks", () => {
    const one = fromRows(['000', '010', '000']);
    expect(maskBboxSam(one)).toEqual([1, 1, 0, 0]);
    expect(maskBboxCoco(one)).toEqual([1, 1, 1, 1]);
    const l = fromRows(['0000', '0100', '0100', '0111']);
    expect(maskBboxSam(l)).toEqual([1, 1, 2, 2]);
    expect(maskBboxCoco(l)).toEqual([1, 1, 3, 3]);
    expect(rleBboxSam(maskToRle(l))).toEqual([1, 1, 2, 2]);
    expect(rleBboxCoco(maskToRle(l))).toEqual([1, 1, 3, 3]);
    const empty = fromRows(['00', '00']);
    expect(maskBboxSam(empty)).toEqual([0, 0, 0, 0]);
    expect(rleBboxCoco(maskToRle(empty))).toEqual([0, 0, 0, 0]);
  });

  it('agrees between mask and RLE on random masks', () => {
    const rand = rng(3);
    for (let t = 0; t < 100; t++) {
      const m = randomMask(1 + Math.floor(rand() * 25), 1 + Math.floor(rand() * 25), rand() * 0.1, rand);
      expect(rleBboxSam(maskToRle(m))).toEqual(maskBboxSam(m));
      expect(rleBboxCoco(maskToRle(m))).toEqual(maskBboxCoco(m));
    }
  });

  it("reproduces pycocotools' area and bbox for the shared vectors", () => {
    const file = path.join(sharedDir, 'coco/rle-vectors.json');
    const cases = JSON.parse(readFileSync(file, 'utf8')).cases as {
      note: string;
      rows: string[];
      area: number;
      bbox: number[];
    }[];
    expect(cases.length).toBeGreaterThan(30);
    for (const c of cases) {
      const rle = maskToRle(fromRows(c.rows));
      expect(rleArea(rle), c.note).toBe(c.area);
      expect(rleBboxCoco(rle), c.note).toEqual(c.bbox);
    }
  });
});

describe('IoU', () => {
  it('matches between masks and RLEs and on a hand count', () => {
    const a = fromRows(['1100', '1100', '0000']);
    const b = fromRows(['0110', '0110', '0110']);
    // intersection 2, union 4 + 6 - 2 = 8
    expect(maskIou(a, b)).toBeCloseTo(0.25, 12);
    expect(rleIou(maskToRle(a), maskToRle(b))).toBeCloseTo(0.25, 12);
    const rand = rng(5);
    for (let t = 0; t < 50; t++) {
      const w = 1 + Math.floor(rand() * 20);
      const h = 1 + Math.floor(rand() * 20);
      const x = randomMask(w, h, rand(), rand);
      const y = randomMask(w, h, rand(), rand);
      expect(rleIou(maskToRle(x), maskToRle(y))).toBeCloseTo(maskIou(x, y), 12);
    }
    expect(() => maskIou(a, fromRows(['1']))).toThrow(/same image/);
  });
});

describe('counts with zero-length runs', () => {
  // Valid COCO (pycocotools' rleFrString accepts them) though rleEncode never writes them.
  const padded = { size: [1, 7] as [number, number], counts: [1, 0, 2, 2, 0, 1, 1] };

  it('normalises them away and merges the neighbouring runs', () => {
    // Runs alternate 0,1,0,1,0,1,0 with lengths 1,0,2,2,0,1,1: the pixels are 0001110.
    expect(normaliseRle(padded).counts).toEqual([3, 3, 1]);
    expect(Array.from(rleToMask(padded).data)).toEqual([0, 0, 0, 1, 1, 1, 0]);
  });

  it('union and intersection agree with pixel logic', () => {
    const other = maskToRle(fromRows(['0110011']));
    const a = rleToMask(padded).data;
    const b = rleToMask(other).data;
    expect(Array.from(rleToMask(rleMerge([padded, other])).data)).toEqual(Array.from(a, (v, i) => v | b[i]));
    expect(Array.from(rleToMask(rleMerge([padded, other], true)).data)).toEqual(Array.from(a, (v, i) => v & b[i]));
    // The box of the pixels set (pycocotools' rleToBbox would count the empty run's position 1).
    expect(rleBboxCoco(padded)).toEqual([3, 0, 3, 1]);
    expect(() => rleMerge([padded, maskToRle(fromRows(['1']))])).toThrow(/differ in size \(1x7 vs 1x1\)/);
  });
});
