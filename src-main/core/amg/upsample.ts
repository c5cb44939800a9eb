// The known path from SAM's low-resolution mask logits to crop resolution (Sam.postprocess_masks in
// segment_anything/modeling/sam.py, also inside the exported ONNX decoder): bilinear
// (align_corners=False) from lowSize^2 (256) to frameSize^2 (1024), crop to the resized image
// [0:resizedH, 0:resizedW], bilinear again to the crop's own size.
//
// Every full-resolution value is computed by one function, pixelValue, whether for a whole map
// (upsampleLowRes) or for single pixels (the sparse path in sparse.ts), so both paths agree bit for
// bit. Each stage is a convex combination rounded to float32, so a value never leaves the
// [min, max] of the low-res cells it reads (its "support"): that is what lets the sparse path decide
// whole tiles from a few low-res cells.

import { SamanticError } from '../errors';

/** Bilinear source indices and weights for each output index of one axis (torch's formula). */
export interface AxisTable {
  lo: Int32Array;
  hi: Int32Array;
  wLo: Float64Array;
  wHi: Float64Array;
}

/**
 * align_corners=False: src = max((dst + 0.5) * in / out - 0.5, 0), lo = floor(src),
 * hi = min(lo + 1, in - 1), wHi = src - lo, wLo = 1 - wHi (aten upsample_bilinear2d).
 */
export function axisTable(inSize: number, outSize: number, count = outSize): AxisTable {
  const t: AxisTable = {
    lo: new Int32Array(count),
    hi: new Int32Array(count),
    wLo: new Float64Array(count),
    wHi: new Float64Array(count),
  };
  const scale = inSize / outSize;
  for (let d = 0; d < count; d++) {
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const lo = Math.min(Math.floor(src), inSize - 1);
    t.lo[d] = lo;
    t.hi[d] = lo < inSize - 1 ? lo + 1 : lo;
    t.wHi[d] = src - lo;
    t.wLo[d] = 1 - t.wHi[d];
  }
  return t;
}

/** Where the logits of one crop come from: sizes and the two stages' tables. */
export interface UpsampleGeometry {
  lowSize: number;
  frameSize: number;
  resizedW: number;
  resizedH: number;
  outW: number;
  outH: number;
  /** Stage 1: low-res -> frame, for frame rows/cols inside the resized image. */
  s1Rows: AxisTable;
  s1Cols: AxisTable;
  /** Stage 2: resized image -> crop size. */
  s2Rows: AxisTable;
  s2Cols: AxisTable;
}

/**
 * Geometry for a crop of outW x outH: the crop is resized so its long side is frameSize
 * (ResizeLongestSide: newW = int(w * s + 0.5) with s = frameSize / max(w, h)), or, `stretch`,
 * onto the whole frame (SAM 2).
 */
export function upsampleGeometry(lowSize: number, frameSize: number, outW: number, outH: number, stretch = false): UpsampleGeometry {
  if (![lowSize, frameSize, outW, outH].every((v) => Number.isInteger(v) && v > 0)) {
    throw new SamanticError(
      'invalid-argument',
      `low-res upsampling needs positive integer sizes, got low ${lowSize}, frame ${frameSize}, crop ${outW}x${outH}.`,
    );
  }
  const s = frameSize / Math.max(outW, outH);
  const resizedW = stretch ? frameSize : Math.floor(outW * s + 0.5);
  const resizedH = stretch ? frameSize : Math.floor(outH * s + 0.5);
  return {
    lowSize,
    frameSize,
    resizedW,
    resizedH,
    outW,
    outH,
    s1Rows: axisTable(lowSize, frameSize, resizedH),
    s1Cols: axisTable(lowSize, frameSize, resizedW),
    s2Rows: axisTable(resizedH, outH),
    s2Cols: axisTable(resizedW, outW),
  };
}

/** Stage-1 value at frame row r, column c. */
function frameValue(low: Float32Array, g: UpsampleGeometry, r: number, c: number): number {
  const { s1Rows: R, s1Cols: C, lowSize: n } = g;
  const top = low[R.lo[r] * n + C.lo[c]] * C.wLo[c] + low[R.lo[r] * n + C.hi[c]] * C.wHi[c];
  const bottom = low[R.hi[r] * n + C.lo[c]] * C.wLo[c] + low[R.hi[r] * n + C.hi[c]] * C.wHi[c];
  return Math.fround(top * R.wLo[r] + bottom * R.wHi[r]);
}

/** Stage 2: the value at crop pixel (y, x) from the four frame values it reads. */
function combine(g: UpsampleGeometry, y: number, x: number, v00: number, v01: number, v10: number, v11: number): number {
  const { s2Rows: R, s2Cols: C } = g;
  const top = v00 * C.wLo[x] + v01 * C.wHi[x];
  const bottom = v10 * C.wLo[x] + v11 * C.wHi[x];
  return Math.fround(top * R.wLo[y] + bottom * R.wHi[y]);
}

/** Full-resolution logit at crop pixel (y, x), from one lowSize x lowSize map. */
export function pixelValue(low: Float32Array, g: UpsampleGeometry, y: number, x: number): number {
  const r0 = g.s2Rows.lo[y];
  const r1 = g.s2Rows.hi[y];
  const c0 = g.s2Cols.lo[x];
  const c1 = g.s2Cols.hi[x];
  return combine(g, y, x, frameValue(low, g, r0, c0), frameValue(low, g, r0, c1), frameValue(low, g, r1, c0), frameValue(low, g, r1, c1));
}

/**
 * The whole full-resolution map (outH x outW, row-major): the dense reference for sparse.ts, and
 * what a predictor can return from low-res logits. Same values as pixelValue, with each frame value
 * computed once.
 */
export function upsampleLowRes(low: Float32Array, g: UpsampleGeometry): Float32Array {
  if (low.length !== g.lowSize * g.lowSize) {
    throw new SamanticError('invalid-argument', `low-res map has ${low.length} values, expected ${g.lowSize}^2.`);
  }
  const fw = g.resizedW;
  const frame = new Float32Array(g.resizedH * fw);
  for (let r = 0; r < g.resizedH; r++) {
    for (let c = 0; c < fw; c++) frame[r * fw + c] = frameValue(low, g, r, c);
  }
  const out = new Float32Array(g.outW * g.outH);
  const { s2Rows: R, s2Cols: C } = g;
  for (let y = 0; y < g.outH; y++) {
    const a = R.lo[y] * fw;
    const b = R.hi[y] * fw;
    for (let x = 0; x < g.outW; x++) {
      out[y * g.outW + x] = combine(g, y, x, frame[a + C.lo[x]], frame[a + C.hi[x]], frame[b + C.lo[x]], frame[b + C.hi[x]]);
    }
  }
  return out;
}

/** Runs of consecutive output indices of one axis that read the same low-res index range. */
export interface AxisGroups {
  /** Group k covers output indices start[k] .. start[k + 1] - 1. */
  start: Int32Array;
  lowMin: Int32Array;
  lowMax: Int32Array;
}

/** Groups the output indices of an axis by the low-res range [lowMin, lowMax] they depend on. */
export function axisGroups(s1: AxisTable, s2: AxisTable, outSize: number): AxisGroups {
  const start: number[] = [];
  const lowMin: number[] = [];
  const lowMax: number[] = [];
  for (let d = 0; d < outSize; d++) {
    const mn = s1.lo[s2.lo[d]];
    const mx = s1.hi[s2.hi[d]];
    const k = lowMin.length - 1;
    if (k >= 0 && lowMin[k] === mn && lowMax[k] === mx) continue;
    start.push(d);
    lowMin.push(mn);
    lowMax.push(mx);
  }
  start.push(outSize);
  return { start: Int32Array.from(start), lowMin: Int32Array.from(lowMin), lowMax: Int32Array.from(lowMax) };
}
