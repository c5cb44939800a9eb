// SAM's mask_postprocessing (segment_anything/utils/onnx.py) on the CPU, for only the tokens the
// caller needs: low-res logits -> bilinear to the frame (1024) -> crop to the unpadded resized size
// -> bilinear to the original size, both with align_corners=False (ONNX Resize half_pixel). The two
// resizes are composed per axis into at most 4 taps per output row/column, so no 1024 x 1024
// intermediate is ever built.

import type { FrameTransform } from '../types';

/**
 * Source position of output index o for a half-pixel linear resize from `inSize` to `outSize`,
 * clamped to the input like PyTorch's upsample_bilinear2d and ONNX Resize: (o + 0.5) * in/out - 0.5.
 */
function source(o: number, inSize: number, outSize: number): { i0: number; i1: number; f: number } {
  let s = ((o + 0.5) * inSize) / outSize - 0.5;
  if (s < 0) s = 0;
  if (s > inSize - 1) s = inSize - 1;
  const i0 = Math.floor(s);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return { i0, i1, f: s - i0 };
}

/**
 * Up to 4 (index, weight) taps per output index along one axis, merged so equal indices appear once
 * (index -1 / weight 0 pad the rest); `count[o]` is the number of distinct taps (1 to 4).
 */
export interface AxisTaps {
  index: Int32Array;
  weight: Float32Array;
  count: Uint8Array;
}

/** Composition of low-res -> frame (half pixel), crop to `crop`, crop -> out (half pixel). */
export function axisTaps(lowRes: number, frame: number, crop: number, out: number): AxisTaps {
  if (crop > frame || crop < 1) throw new RangeError(`crop ${crop} must be in 1..${frame}`);
  const index = new Int32Array(out * 4).fill(-1);
  const weight = new Float32Array(out * 4);
  const count = new Uint8Array(out);
  for (let o = 0; o < out; o++) {
    const outer = source(o, crop, out);
    const a = source(outer.i0, lowRes, frame);
    const b = source(outer.i1, lowRes, frame);
    const raw: Array<[number, number]> = [
      [a.i0, (1 - outer.f) * (1 - a.f)],
      [a.i1, (1 - outer.f) * a.f],
      [b.i0, outer.f * (1 - b.f)],
      [b.i1, outer.f * b.f],
    ];
    const k = o * 4;
    for (const [i, w] of raw) {
      if (w === 0) continue;
      let j = 0;
      while (j < count[o] && index[k + j] !== i) j++;
      if (j === count[o]) {
        index[k + j] = i;
        count[o] += 1;
      }
      weight[k + j] += w;
    }
    if (count[o] === 0) {
      index[k] = a.i0;
      count[o] = 1;
    }
  }
  return { index, weight, count };
}

/** Upsamples low-res logit maps to original image size exactly as SAM's ONNX decoder does. */
export class MaskUpsampler {
  readonly width: number;
  readonly height: number;
  private readonly rows: AxisTaps;
  private readonly cols: AxisTaps;
  /** Low-res rows after the horizontal pass (lowResSize x width). */
  private readonly horizontal: Float32Array;
  /** Last low-res row any output row reads (rows below it are padding). */
  private readonly lastRow: number;

  constructor(
    transform: FrameTransform,
    readonly lowResSize: number,
  ) {
    this.width = transform.origWidth;
    this.height = transform.origHeight;
    this.rows = axisTaps(lowResSize, transform.frameSize, transform.resizedHeight, transform.origHeight);
    this.cols = axisTaps(lowResSize, transform.frameSize, transform.resizedWidth, transform.origWidth);
    this.horizontal = new Float32Array(lowResSize * this.width);
    this.lastRow = this.rows.index.reduce((a, b) => Math.max(a, b), 0);
  }

  /** Reads one lowResSize^2 map at `src[srcOffset]`, writes width*height logits at `dst[dstOffset]`. */
  upsample(src: Float32Array, srcOffset: number, dst: Float32Array, dstOffset: number): void {
    const L = this.lowResSize;
    const { width: W, height: H, horizontal: h } = this;
    const ci = this.cols.index;
    const cw = this.cols.weight;
    const ri = this.rows.index;
    const rw = this.rows.weight;
    // Horizontal first, on the low-res rows the output needs (the rest are padding): the vertical
    // pass then combines whole contiguous rows.
    const lastRow = this.lastRow;
    const cc = this.cols.count;
    for (let r = 0; r <= lastRow; r++) {
      const s = srcOffset + r * L;
      const o = r * W;
      for (let x = 0, k = 0; x < W; x++, k += 4) {
        let v = cw[k] * src[s + ci[k]];
        if (cc[x] > 1) v += cw[k + 1] * src[s + ci[k + 1]];
        if (cc[x] > 2) v += cw[k + 2] * src[s + ci[k + 2]] + cw[k + 3] * src[s + Math.max(0, ci[k + 3])];
        h[o + x] = v;
      }
    }
    const rc = this.rows.count;
    for (let y = 0, k = 0; y < H; y++, k += 4) {
      const o = dstOffset + y * W;
      const a = ri[k] * W;
      const w0 = rw[k];
      if (rc[y] === 1) {
        for (let x = 0; x < W; x++) dst[o + x] = w0 * h[a + x];
        continue;
      }
      const b = ri[k + 1] * W;
      const w1 = rw[k + 1];
      if (rc[y] === 2) {
        for (let x = 0; x < W; x++) dst[o + x] = w0 * h[a + x] + w1 * h[b + x];
        continue;
      }
      const c = ri[k + 2] * W;
      const d = Math.max(0, ri[k + 3]) * W;
      const w2 = rw[k + 2];
      const w3 = rw[k + 3];
      for (let x = 0; x < W; x++) dst[o + x] = w0 * h[a + x] + w1 * h[b + x] + w2 * h[c + x] + w3 * h[d + x];
    }
  }
}
