// Test support (imported by *.test.ts only): masks written as the column-major run lengths that
// COCO RLE counts hold, so tests build segments without the codec they check.

/** Column-major run lengths of a row-major 0/1 mask w x h, starting with a (possibly empty) run of zeros. */
export function runsOf(data: Uint8Array, w: number, h: number): number[] {
  const runs: number[] = [];
  let value = 0;
  let n = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      if (data[y * w + x] === value) n++;
      else {
        runs.push(n);
        value = 1 - value;
        n = 1;
      }
    }
  }
  runs.push(n);
  return runs;
}
