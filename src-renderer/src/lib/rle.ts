// A tiny decoder for pycocotools' compressed RLE strings, as SegmentInfo carries them, so the UI
// can paint masks without shipping pixel arrays. Format (cocoapi common/maskApi.c, rleFrString):
// each count is 5-bit groups, least significant first, one character (value + 48) per group; bit
// 0x20 means "more groups follow" and the last group's bit 0x10 is the sign. From the fourth count
// on, a count is stored as the difference to the count two places earlier. Runs alternate
// 0,1,0,... over the COLUMN-MAJOR flattening (index x*h + y), starting with zeros.

/** Decodes a compressed RLE string into run lengths. Throws on a malformed string. */
export function decodeCounts(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let shift = 0;
    let more = true;
    let c = 0;
    while (more) {
      if (p >= s.length) throw new Error('RLE string ends inside a run length (truncated).');
      c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`RLE string has an invalid character '${s[p]}' at ${p}.`);
      // Multiplication instead of << keeps counts beyond 2^31 exact.
      x += (c & 0x1f) * 2 ** shift;
      more = (c & 0x20) !== 0;
      shift += 5;
      p++;
    }
    if (c & 0x10) x -= 2 ** shift; // sign-extend from the last group
    if (counts.length > 2) x += counts[counts.length - 2];
    if (x < 0) throw new Error(`RLE string decodes to a negative run (${x}).`);
    counts.push(x);
  }
  return counts;
}

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
