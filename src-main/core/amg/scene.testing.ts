// A small label-map scene for the generator tests (LabelMapPredictor finds its regions exactly).
// Tests only.
import type { RgbImage } from '../types';

/** A 96x64 label map: background 0, a rectangle of label 10 and a disc of label 20. */
export function rectAndDiscScene(): RgbImage {
  const w = 96;
  const h = 64;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0;
      if (x >= 10 && x < 40 && y >= 12 && y < 40) v = 10;
      if ((x - 70) ** 2 + (y - 30) ** 2 < 15 ** 2) v = 20;
      data.fill(v, 3 * (y * w + x), 3 * (y * w + x) + 3);
    }
  }
  return { width: w, height: h, data };
}
