// Masks as SegmentInfo carries them (pycocotools' compressed RLE strings, decoded by the project's
// one codec, '@rle'), turned into what the canvas paints. Runs alternate 0,1,0,... over the
// COLUMN-MAJOR flattening (index x*h + y), starting with zeros.
import { rleFromString } from '@rle';

/** Decodes a compressed RLE string into run lengths. Throws on a malformed string. */
export const decodeCounts = (s: string): number[] => rleFromString(s);

/**
 * Calls `visit(x, y0, y1)` for every vertical run of foreground pixels (rows y0..y1-1 of column x).
 * Runs that cross a column boundary are split, so callers can write row-major buffers directly.
 */
export function forEachRun(counts: readonly number[], height: number, visit: (x: number, y0: number, y1: number) => void): void {
  let idx = 0;
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (i % 2 === 1) {
      let start = idx;
      const end = idx + n;
      while (start < end) {
        const x = Math.floor(start / height);
        const y0 = start - x * height;
        const y1 = Math.min(height, y0 + (end - start));
        visit(x, y0, y1);
        start += y1 - y0;
      }
    }
    idx += n;
  }
}

/** Decodes to a row-major 0/1 mask of size width x height (width = size[1], height = size[0]). */
export function decodeMask(rle: { size: [number, number]; counts: string }): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(w * h);
  forEachRun(decodeCounts(rle.counts), h, (x, y0, y1) => {
    for (let y = y0; y < y1; y++) out[y * w + x] = 1;
  });
  return out;
}

/** Number of foreground pixels: the sum of the odd-index runs. */
export function countArea(counts: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < counts.length; i += 2) a += counts[i];
  return a;
}
