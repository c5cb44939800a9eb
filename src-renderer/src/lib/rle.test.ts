import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countArea, decodeCounts, decodeMask } from './rle';

// Vectors produced by pycocotools' C mask API (see ../shared/README.md).
const repoRoot = resolve(import.meta.dirname, '../../..');
const vectors = JSON.parse(readFileSync(resolve(repoRoot, '../shared/coco/rle-vectors.json'), 'utf8')) as {
  cases: Array<{ note: string; height: number; width: number; rows: string[]; counts: string; area: number; bbox: number[] }>;
};

describe('renderer RLE decoder', () => {
  it('has the shared vectors', () => {
    expect(vectors.cases.length).toBeGreaterThan(30);
  });

  it.each(vectors.cases.map((c) => [c.note, c] as const))('decodes "%s" to the exact pixels', (_note, c) => {
    const mask = decodeMask({ size: [c.height, c.width], counts: c.counts });
    for (let y = 0; y < c.height; y++) {
      let row = '';
      for (let x = 0; x < c.width; x++) row += mask[y * c.width + x] ? '1' : '0';
      expect(row).toBe(c.rows[y]);
    }
    const counts = decodeCounts(c.counts);
    expect(countArea(counts)).toBe(c.area);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(c.height * c.width);
  });

  it('rejects malformed strings', () => {
    expect(() => decodeCounts('0d')).toThrow(/truncated/);
    expect(() => decodeCounts('0~')).toThrow(/not part of pycocotools' RLE alphabet/);
  });
});
