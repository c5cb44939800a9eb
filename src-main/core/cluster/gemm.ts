// The one heavy primitive of clustering: blocks of dot products, C = A * B^T.
//
// Every algorithm here (neighbour search, k-means, assignment) is written as a generator that
// YIELDS block requests and receives the product back. A driver runs it: runSync with the pure
// JavaScript kernel below (no dependency, fine up to a few thousand segments), or runAsync with an
// asynchronous kernel such as onnxruntime's MLAS GEMM (ort-gemm.ts), which measured about 25
// G multiply-adds/s on 2 cores against 0.9 for the best JavaScript loop on the same machine. The
// algorithms are written once and the results depend on the kernel only through float rounding.

import { SamanticError } from '../errors';

/** C (aRows x bRows, row-major) = A (aRows x dim) * B (bRows x dim)^T. Views, not copies. */
export interface GemmRequest {
  a: Float32Array;
  aRows: number;
  b: Float32Array;
  bRows: number;
  dim: number;
}

/** An algorithm that needs dot-product blocks; the value sent back into `yield` is the product. */
export type GemmTask<T> = Generator<GemmRequest, T, Float32Array>;

export type SyncGemm = (req: GemmRequest) => Float32Array;
export type AsyncGemm = (req: GemmRequest) => Promise<Float32Array>;

/**
 * Largest block sides the algorithms request: big enough that a native kernel runs at full speed
 * (a 2048 x 2048 x 256 block is ~40 ms there) and small enough that one result stays at 16-32 MB.
 */
export const MAX_BLOCK_ROWS_A = 2048;
export const MAX_BLOCK_ROWS_B = 4096;

/**
 * Pure JavaScript kernel: 2 x 2 register blocking (each loaded value is used twice), accumulation
 * in float64. Each dot product is still summed in plain k order, so the value of a pair does not
 * depend on the block it was computed in.
 */
export const jsGemm: SyncGemm = ({ a, aRows, b, bRows, dim }) => {
  const out = new Float32Array(aRows * bRows);
  let i = 0;
  for (; i + 1 < aRows; i += 2) {
    const a0 = i * dim;
    const a1 = a0 + dim;
    let j = 0;
    for (; j + 1 < bRows; j += 2) {
      const b0 = j * dim;
      const b1 = b0 + dim;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let k = 0; k < dim; k++) {
        const x = a[a0 + k];
        const y = a[a1 + k];
        const p = b[b0 + k];
        const q = b[b1 + k];
        s00 += x * p;
        s01 += x * q;
        s10 += y * p;
        s11 += y * q;
      }
      out[i * bRows + j] = s00;
      out[i * bRows + j + 1] = s01;
      out[(i + 1) * bRows + j] = s10;
      out[(i + 1) * bRows + j + 1] = s11;
    }
    if (j < bRows) {
      out[i * bRows + j] = dotAt(a, a0, b, j * dim, dim);
      out[(i + 1) * bRows + j] = dotAt(a, a1, b, j * dim, dim);
    }
  }
  if (i < aRows) for (let j = 0; j < bRows; j++) out[i * bRows + j] = dotAt(a, i * dim, b, j * dim, dim);
  return out;
};

export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[ao + k] * b[bo + k];
  return s;
}

/** The JavaScript kernel behind the asynchronous interface (fallback when no native one loads). */
export const jsGemmAsync: AsyncGemm = (req) => Promise.resolve(jsGemm(req));

function checkResult(req: GemmRequest, out: Float32Array): Float32Array {
  if (out.length !== req.aRows * req.bRows) {
    throw new SamanticError(
      'internal',
      `clustering: the dot-product kernel returned ${out.length} values for a ${req.aRows}x${req.bRows} block`,
    );
  }
  return out;
}

export function runSync<T>(task: GemmTask<T>, gemm: SyncGemm = jsGemm): T {
  let step = task.next();
  while (!step.done) step = task.next(checkResult(step.value, gemm(step.value)));
  return step.value;
}

export async function runAsync<T>(task: GemmTask<T>, gemm: AsyncGemm = jsGemmAsync): Promise<T> {
  let step = task.next();
  while (!step.done) step = task.next(checkResult(step.value, await gemm(step.value)));
  return step.value;
}

/**
 * Similarities of `rows` (positions in `data`, any order) against all of `b`, requested in blocks.
 * Calls visit(rowIndexInList, bStart, sims, bCount) for each block; sims is rows x bCount.
 */
export function* forEachBlockAgainst(
  data: Float32Array,
  dim: number,
  rowList: Int32Array,
  b: Float32Array,
  bRowsTotal: number,
  visit: (listStart: number, listCount: number, bStart: number, bCount: number, sims: Float32Array) => void,
): GemmTask<void> {
  const buf = new Float32Array(Math.min(rowList.length, MAX_BLOCK_ROWS_A) * dim);
  for (let s = 0; s < rowList.length; s += MAX_BLOCK_ROWS_A) {
    const count = Math.min(MAX_BLOCK_ROWS_A, rowList.length - s);
    const a = gatherRows(data, dim, rowList, s, count, buf);
    for (let j = 0; j < bRowsTotal; j += MAX_BLOCK_ROWS_B) {
      const bCount = Math.min(MAX_BLOCK_ROWS_B, bRowsTotal - j);
      const sims = yield { a, aRows: count, b: b.subarray(j * dim, (j + bCount) * dim), bRows: bCount, dim };
      visit(s, count, j, bCount, sims);
    }
  }
}

/**
 * Copies rows list[start .. start+count) of data into buf (or returns a view when they are
 * consecutive positions, which is the common case once data is sorted by cell).
 */
export function gatherRows(
  data: Float32Array,
  dim: number,
  list: Int32Array,
  start: number,
  count: number,
  buf: Float32Array,
): Float32Array {
  if (count > 0 && list[start + count - 1] - list[start] === count - 1) {
    let consecutive = true;
    for (let k = 1; k < count && consecutive; k++) consecutive = list[start + k] === list[start] + k;
    if (consecutive) return data.subarray(list[start] * dim, (list[start] + count) * dim);
  }
  for (let k = 0; k < count; k++) {
    const p = list[start + k];
    buf.set(data.subarray(p * dim, (p + 1) * dim), k * dim);
  }
  return buf.subarray(0, count * dim);
}
