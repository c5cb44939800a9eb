// pycocotools' compressed RLE strings (cocodataset/cocoapi common/maskApi.c rleToString and
// rleFrString): the one codec of the project, used by the exporter, the store, the API and the
// renderer (as '@rle'), so it imports nothing but the error type.
//
// The format: each count is written as 5-bit groups, least significant first, one character per
// group (value + 48, so characters '0'..'o'); bit 0x20 says "another group follows". Counts from
// index 3 on are stored as the difference to the count two places earlier (same-kind runs tend to
// be similar), so a group may carry a negative number: the last group's bit 0x10 is its sign.
import { SamanticError } from '../errors';

/** Encodes run lengths as pycocotools' string. */
export function rleToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i];
    if (i > 2) x -= counts[i - 2];
    let more = true;
    while (more) {
      // Floor division and a positive modulo behave like C's arithmetic shift on longs and also
      // hold beyond 32 bits, where JS bit operators would truncate.
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/**
 * Decodes pycocotools' string back to run lengths. Throws on characters outside '0'..'o', on a
 * string that ends inside a multi-character count, and on counts that come out negative.
 */
export function rleFromString(s: string, what = 'RLE string'): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) {
        throw new SamanticError(
          'invalid-argument',
          `${what}: the string ends in the middle of a run length (truncated?); re-export the mask.`,
        );
      }
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new SamanticError(
          'invalid-argument',
          `${what}: character ${JSON.stringify(s[p])} at ${p} is not part of pycocotools' RLE alphabet ('0'..'o').`,
        );
      }
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    if (x < 0) {
      throw new SamanticError('invalid-argument', `${what}: run ${counts.length} decodes to a negative length ${x}.`);
    }
    counts.push(x);
  }
  return counts;
}
