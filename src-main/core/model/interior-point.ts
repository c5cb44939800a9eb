// The pixel deepest inside a mask (largest chessboard distance to the outside), e.g. where to click
// on a ground-truth instance in tests and benchmarks. Two-pass distance transform, O(width*height).

import type { BinaryMask } from '../types';

export function interiorPoint(mask: BinaryMask): [number, number] | null {
  const { width: w, height: h, data } = mask;
  const d = new Int32Array(w * h);
  const big = w + h;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!data[i]) continue;
      let v = big;
      // Pixels outside the image count as outside the mask.
      v = x > 0 ? Math.min(v, d[i - 1] + 1) : 1;
      v = y > 0 ? Math.min(v, d[i - w] + 1, x > 0 ? d[i - w - 1] + 1 : 1, x < w - 1 ? d[i - w + 1] + 1 : 1) : 1;
      d[i] = v;
    }
  }
  let best = -1;
  let bi = -1;
  for (let y = h - 1; y >= 0; y--) {
    for (let x = w - 1; x >= 0; x--) {
      const i = y * w + x;
      if (!data[i]) continue;
      let v = d[i];
      v = x < w - 1 ? Math.min(v, d[i + 1] + 1) : 1;
      v = y < h - 1 ? Math.min(v, d[i + w] + 1, x < w - 1 ? d[i + w + 1] + 1 : 1, x > 0 ? d[i + w - 1] + 1 : 1) : 1;
      d[i] = Math.min(d[i], v);
      if (d[i] >= best) {
        best = d[i];
        bi = i;
      }
    }
  }
  return bi < 0 ? null : [bi % w, Math.floor(bi / w)];
}
