// Test fixture: the fake predictor specified in ../shared/amg/reference-runs.json ("about"), which
// drove segment-anything's own generator to produce the reference runs. The image is a label map
// (the label in every channel); for a point (px, py) in crop pixels it returns three masks:
//   0: +8 where the crop's label equals the label under the point, else -8   (IoU 0.97; 0.80 on label 0)
//   1: 4 * (30 - distance to the point)                                      (IoU 0.89 + 0.1 * frac(0.618 px + 0.382 py))
//   2: 3 everywhere                                                          (IoU 0.89)
// Used by the reference test and the sparse-path tests; not part of the app.

import type { MaskPredictor, PredictionBatch, RgbImage } from '../types';

export class LabelMapPredictor implements MaskPredictor {
  private labels: Uint8Array = new Uint8Array(0);
  private w = 0;
  private h = 0;
  /** Crop sizes in setImage order, so tests can check which crops were visited. */
  readonly imageSizes: [number, number][] = [];
  /** Number of points per predict call. */
  readonly batchSizes: number[] = [];

  async setImage(image: RgbImage): Promise<void> {
    this.w = image.width;
    this.h = image.height;
    this.labels = new Uint8Array(this.w * this.h);
    for (let i = 0; i < this.labels.length; i++) this.labels[i] = image.data[3 * i];
    this.imageSizes.push([this.w, this.h]);
  }

  async predict(points: Float64Array): Promise<PredictionBatch> {
    const { w, h } = this;
    const n = points.length / 2;
    const m = 3;
    const size = w * h;
    this.batchSizes.push(n);
    const logits = new Float32Array(n * m * size);
    const iou = new Float32Array(n * m);
    for (let p = 0; p < n; p++) {
      const px = points[2 * p];
      const py = points[2 * p + 1];
      const k = this.labels[Math.min(Math.floor(py), h - 1) * w + Math.min(Math.floor(px), w - 1)];
      const base = p * m * size;
      for (let i = 0; i < size; i++) logits[base + i] = this.labels[i] === k ? 8 : -8;
      iou[p * m] = k === 0 ? 0.8 : 0.97;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          logits[base + size + y * w + x] = 4 * (30 - Math.sqrt((x - px) ** 2 + (y - py) ** 2));
        }
      }
      iou[p * m + 1] = 0.89 + 0.1 * ((px * 0.618 + py * 0.382) % 1);
      logits.fill(3, base + 2 * size, base + 3 * size);
      iou[p * m + 2] = 0.89;
    }
    return { n, m, width: w, height: h, logits, iou };
  }
}
