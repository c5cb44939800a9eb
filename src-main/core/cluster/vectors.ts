// Row-major embedding matrices (n x dim Float32Array) and their checks. Clustering works with
// cosine distance 1 - dot, which is only that when every row has unit length.

import { SamanticError } from '../errors';

/** How far a row's norm may be from 1 and still count as normalised (float32 rounding is ~1e-7). */
export const UNIT_NORM_TOLERANCE = 1e-3;
/**
 * normalizeRows leaves rows this close to unit length alone (and so avoids copying a large matrix
 * that is already normalised): a float32 row normalised in float64 lands within ~1e-6 of 1, and
 * a 1e-5 length error moves a cosine by 1e-5, far below any eps.
 */
const ALREADY_UNIT = 1e-5;

function fail(message: string): never {
  throw new SamanticError('invalid-argument', message);
}

/** Checks shape and values; returns n. `what` names the caller in the message. */
export function checkMatrix(vectors: Float32Array, dim: number, what: string): number {
  if (!(vectors instanceof Float32Array)) fail(`${what}: vectors must be a Float32Array (n x dim, row-major)`);
  if (!Number.isInteger(dim) || dim <= 0) fail(`${what}: dim must be a positive integer, got ${dim}`);
  if (vectors.length % dim !== 0) {
    fail(`${what}: ${vectors.length} values is not a whole number of ${dim}-d vectors; check dim`);
  }
  return vectors.length / dim;
}

/** Squared norm of row i. */
export function rowNorm2(vectors: Float32Array, dim: number, i: number): number {
  let s = 0;
  for (let k = i * dim, end = k + dim; k < end; k++) s += vectors[k] * vectors[k];
  return s;
}

/**
 * Throws unless every row is finite and of unit length; the message names the first bad row.
 * Cheap (n x dim) next to any clustering.
 */
export function checkUnitRows(vectors: Float32Array, dim: number, what: string): number {
  const n = checkMatrix(vectors, dim, what);
  for (let i = 0; i < n; i++) {
    const n2 = rowNorm2(vectors, dim, i);
    if (!Number.isFinite(n2)) fail(`${what}: vector #${i} contains NaN or Infinity; re-embed that segment`);
    if (Math.abs(Math.sqrt(n2) - 1) > UNIT_NORM_TOLERANCE) {
      fail(
        `${what}: vector #${i} has length ${Math.sqrt(n2).toFixed(4)}, not 1; cosine distance needs ` +
          'L2-normalised rows (segmentEmbedding returns them; normalizeRows fixes others)',
      );
    }
  }
  return n;
}

/**
 * The rows scaled to unit length. Returns the input itself when it is already normalised (no copy
 * of a large matrix); throws naming the first zero or non-finite row, which has no direction.
 */
export function normalizeRows(vectors: Float32Array, dim: number, what = 'normalizeRows'): Float32Array {
  const n = checkMatrix(vectors, dim, what);
  let out: Float32Array | null = null;
  for (let i = 0; i < n; i++) {
    const n2 = rowNorm2(vectors, dim, i);
    if (!Number.isFinite(n2)) fail(`${what}: vector #${i} contains NaN or Infinity; re-embed that segment`);
    if (n2 === 0) fail(`${what}: vector #${i} is all zeros and has no direction; drop that segment before clustering`);
    const norm = Math.sqrt(n2);
    if (Math.abs(norm - 1) <= ALREADY_UNIT && !out) continue;
    if (!out) out = vectors.slice();
    for (let k = i * dim, end = k + dim; k < end; k++) out[k] = vectors[k] / norm;
  }
  return out ?? vectors;
}

/** Copies the listed rows into a new n' x dim matrix. */
export function takeRows(vectors: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let r = 0; r < rows.length; r++) out.set(vectors.subarray(rows[r] * dim, (rows[r] + 1) * dim), r * dim);
  return out;
}

/** Unit-length mean direction of the listed rows (null when they cancel out). */
export function meanDirection(vectors: Float32Array, dim: number, rows: ArrayLike<number>): Float64Array | null {
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows.length; r++) {
    const o = rows[r] * dim;
    for (let k = 0; k < dim; k++) mean[k] += vectors[o + k];
  }
  let n2 = 0;
  for (let k = 0; k < dim; k++) n2 += mean[k] * mean[k];
  if (!(n2 > 1e-20)) return null;
  const norm = Math.sqrt(n2);
  for (let k = 0; k < dim; k++) mean[k] /= norm;
  return mean;
}

/** Checks a list of row indices: integers in [0, n), no duplicates. */
export function checkIndices(indices: readonly number[], n: number, what: string): void {
  const seen = new Set<number>();
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n) fail(`${what}: index ${i} is not a row of the ${n} vectors`);
    if (seen.has(i)) fail(`${what}: index ${i} is listed twice`);
    seen.add(i);
  }
}
