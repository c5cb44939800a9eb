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

/** 4 (index, weight) taps per output index along one axis. */
export interface AxisTaps {
  index: Int32Array;
  weight: Float32Array;
}

/** Composition of low-res -> frame (half pixel), crop to `crop`, crop -> out (half pixel). */
export function axisTaps(lowRes: number, frame: number, crop: number, out: number): AxisTaps {
  if (crop > frame || crop < 1) throw new RangeError(`crop ${crop} must be in 1..${frame}`);
  const index = new Int32Array(out * 4);
  const weight = new Float32Array(out * 4);
  for (let o = 0; o < out; o++) {
    const outer = source(o, crop, out);
    const a = source(outer.i0, lowRes, frame);
    const b = source(outer.i1, lowRes, frame);
    const k = o * 4;
    index[k] = a.i0;
    weight[k] = (1 - outer.f) * (1 - a.f);
    index[k + 1] = a.i1;
    weight[k + 1] = (1 - outer.f) * a.f;
    index[k + 2] = b.i0;
    weight[k + 2] = outer.f * (1 - b.f);
    index[k + 3] = b.i1;
    weight[k + 3] = outer.f * b.f;
  }
  return { index, weight };
}

/** Upsamples low-res logit maps to original image size exactly as SAM's ONNX decoder does. */
export class MaskUpsampler {
  readonly width: number;
  readonly height: number;
  private readonly rows: AxisTaps;
  private readonly cols: AxisTaps;
  /** Low-res rows after the horizontal pass (lowResSize x width). */
  private readonly horizontal: Float32Array;

  constructor(
    transform: FrameTransform,
    readonly lowResSize: number,
  ) {
    this.width = transform.origWidth;
    this.height = transform.origHeight;
    this.rows = axisTaps(lowResSize, transform.frameSize, transform.resizedHeight, transform.origHeight);
    this.cols = axisTaps(lowResSize, transform.frameSize, transform.resizedWidth, transform.origWidth);
    this.horizontal = new Float32Array(lowResSize * this.width);
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
    const lastRow = ri[H * 4 - 1];
    for (let r = 0; r <= lastRow; r++) {
      const s = srcOffset + r * L;
      const o = r * W;
      for (let x = 0, k = 0; x < W; x++, k += 4) {
        h[o + x] = cw[k] * src[s + ci[k]] + cw[k + 1] * src[s + ci[k + 1]] + cw[k + 2] * src[s + ci[k + 2]] + cw[k + 3] * src[s + ci[k + 3]];
      }
    }
    for (let y = 0, k = 0; y < H; y++, k += 4) {
      const a = ri[k] * W;
      const b = ri[k + 1] * W;
      const c = ri[k + 2] * W;
      const d = ri[k + 3] * W;
      const w0 = rw[k];
      const w1 = rw[k + 1];
      const w2 = rw[k + 2];
      const w3 = rw[k + 3];
      const o = dstOffset + y * W;
      for (let x = 0; x < W; x++) dst[o + x] = w0 * h[a + x] + w1 * h[b + x] + w2 * h[c + x] + w3 * h[d + x];
    }
  }
}
