import { describe, expect, it } from 'vitest';
import type { BinaryMask } from '../types';
import { maskBoxInclusive } from './measure';
import { connectedComponents, fillSmallHoles, removeSmallIslands, removeSmallRegions } from './regions';
import { cleanSmallRegions } from './regions-window';
import { maskToRle, rleToMask } from './rle';

function fromRows(rows: string[]): BinaryMask {
  const h = rows.length;
  const w = rows[0].length;
  const data = new Uint8Array(w * h);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * w + x] = c === '1' ? 1 : 0)));
  return { width: w, height: h, data };
}

function toRows(m: BinaryMask): string[] {
  const rows: string[] = [];
  for (let y = 0; y < m.height; y++) rows.push(Array.from(m.data.subarray(y * m.width, (y + 1) * m.width)).join(''));
  return rows;
}

describe('connected components', () => {
  const diag = fromRows(['100', '010', '001']);
  it('joins diagonal neighbours with 8-connectivity only', () => {
    expect(connectedComponents(diag, 8).count).toBe(2);
    expect(connectedComponents(diag, 4).count).toBe(4);
    expect(connectedComponents(diag, 4).areas).toEqual([6, 1, 1, 1]);
  });

  it('labels in row-major order of first pixel and counts areas', () => {
    const m = fromRows(['00011', '11000', '11001']);
    const c = connectedComponents(m, 8);
    expect(c.count).toBe(4);
    expect(c.areas).toEqual([8, 2, 4, 1]);
    expect(Array.from(c.labels)).toEqual([0, 0, 0, 1, 1, 2, 2, 0, 0, 0, 2, 2, 0, 0, 3]);
  });

  it('reports an empty background label when the mask is full', () => {
    const c = connectedComponents(fromRows(['11', '11']), 8);
    expect(c.count).toBe(2);
    expect(c.areas).toEqual([0, 4]);
  });
});

describe('small-region removal (SAM remove_small_regions)', () => {
  it('fills holes smaller than the threshold and keeps larger ones', () => {
    const m = fromRows(['1111111111', '1011110001', '1111110001', '1111110001', '1111111111']);
    const r = fillSmallHoles(m, 5);
    expect(r.changed).toBe(true);
    expect(toRows(r.mask)).toEqual(['1111111111', '1111110001', '1111110001', '1111110001', '1111111111']);
    expect(fillSmallHoles(m, 1).changed).toBe(false);
    expect(fillSmallHoles(m, 1).mask).toBe(m);
  });

  it('treats a small background patch at the border as a hole (components of the inverted mask)', () => {
    const m = fromRows(['0111', '1111', '1111']);
    expect(toRows(fillSmallHoles(m, 2).mask)).toEqual(['1111', '1111', '1111']);
  });

  it('removes islands smaller than the threshold', () => {
    const m = fromRows(['11000', '11000', '00001', '11100']);
    const r = removeSmallIslands(m, 2);
    expect(r.changed).toBe(true);
    expect(toRows(r.mask)).toEqual(['11000', '11000', '00000', '11100']);
  });

  it('keeps the largest island when every island is small', () => {
    const m = fromRows(['10000', '00011', '00011', '01000']);
    const r = removeSmallIslands(m, 10);
    expect(r.changed).toBe(true);
    expect(toRows(r.mask)).toEqual(['00000', '00011', '00011', '00000']);
  });

  it('keeps the first of equally large islands, in label order', () => {
    const m = fromRows(['1100', '0000', '0011']);
    expect(toRows(removeSmallIslands(m, 5).mask)).toEqual(['1100', '0000', '0000']);
  });

  it('uses 8-connectivity: a diagonal chain is one island', () => {
    const m = fromRows(['1000', '0100', '0010', '0000']);
    expect(removeSmallRegions(m, 3, 'islands').changed).toBe(false);
    expect(removeSmallRegions(m, 4, 'islands').changed).toBe(true);
  });

  it('rejects a bad threshold or mode with a clear message', () => {
    const m = fromRows(['1']);
    expect(() => removeSmallRegions(m, -1, 'holes')).toThrow(/threshold/);
    expect(() => removeSmallRegions(m, 1, 'gaps' as never)).toThrow(/holes' or 'islands/);
  });
});

describe('windowed clean-up (cleanSmallRegions) equals the whole-image computation', () => {
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 4294967296;
    };
  }

  function wholeImage(m: BinaryMask, minArea: number) {
    const holes = removeSmallRegions(m, minArea, 'holes');
    const islands = removeSmallRegions(holes.mask, minArea, 'islands');
    return { changed: holes.changed || islands.changed, mask: islands.mask };
  }

  it('on random blobs with holes, islands, image-edge contact and tiny backgrounds', () => {
    const rand = rng(21);
    let changed = 0;
    let unchanged = 0;
    for (let t = 0; t < 400; t++) {
      const W = 3 + Math.floor(rand() * 30);
      const H = 3 + Math.floor(rand() * 30);
      const data = new Uint8Array(W * H);
      // A rectangle (sometimes touching edges or spanning the image) with random specks in and around it.
      const rx0 = Math.floor(rand() * W * 0.5) * (t % 3 === 0 ? 0 : 1);
      const ry0 = Math.floor(rand() * H * 0.5) * (t % 5 === 0 ? 0 : 1);
      const rx1 = t % 4 === 0 ? W : rx0 + 1 + Math.floor(rand() * (W - rx0));
      const ry1 = t % 7 === 0 ? H : ry0 + 1 + Math.floor(rand() * (H - ry0));
      for (let y = ry0; y < ry1; y++) data.fill(1, y * W + rx0, y * W + rx1);
      const flips = Math.floor(rand() * 12);
      for (let k = 0; k < flips; k++) data[Math.floor(rand() * W * H)] ^= 1;
      const m: BinaryMask = { width: W, height: H, data };
      for (const minArea of [2, 5, 30]) {
        const expected = wholeImage(m, minArea);
        const got = cleanSmallRegions(maskToRle(m), minArea);
        expect(got.changed).toBe(expected.changed);
        expect(got.rle).toEqual(maskToRle(expected.mask));
        expect(got.box).toEqual(maskBoxInclusive(expected.mask));
        if (got.changed) changed++;
        else unchanged++;
      }
    }
    expect(changed).toBeGreaterThan(50);
    expect(unchanged).toBeGreaterThan(50);
  });

  it('fills a small background cut off at the image edge, outside the window too', () => {
    // The mask spans the full width; the background row below it (5 px) is a "hole", the two rows
    // above (10 px) are not.
    const m = fromRows(['00000', '00000', '11111', '11111', '00000']);
    const got = cleanSmallRegions(maskToRle(m), 6);
    expect(got.changed).toBe(true);
    expect(toRows(rleToMask(got.rle))).toEqual(['00000', '00000', '11111', '11111', '11111']);
    expect(got.box).toEqual([0, 2, 4, 4]);
  });
});
