import { describe, expect, it } from 'vitest';
import type { BinaryMask } from '../types';
import { connectedComponents, fillSmallHoles, removeSmallIslands, removeSmallRegions } from './regions';

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
    const m = fromRows([
      '1111111111',
      '1011110001',
      '1111110001',
      '1111110001',
      '1111111111',
    ]);
    const r = fillSmallHoles(m, 5);
    expect(r.changed).toBe(true);
    expect(toRows(r.mask)).toEqual([
      '1111111111',
      '1111110001',
      '1111110001',
      '1111110001',
      '1111111111',
    ]);
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
