// Seeded synthetic embeddings with a known answer, for tests and benchmarks: Gaussian blobs on the
// unit sphere plus uniform noise.
//
// A point of class c is normalise(centre_c + spread * g), g ~ N(0, I / dim), so |g| ~ 1 and
// two points of one class have cos ~ 1 / (1 + spread^2): spread 0.2 -> cosine distance ~0.038,
// 0.3 -> ~0.083. Random centres in 256 dimensions are nearly orthogonal (cos ~ 0 +- 0.06), so
// classes are far apart unless `centres` are given. Noise points are uniform on the sphere.

import { mulberry32 } from '../../core/util/random';

export interface BlobSpec {
  n: number;
  classes: number;
  dim: number;
  /** Per-class spread (see above), or one value for all. Default 0.25. */
  spread?: number | number[];
  /** Fraction of points that are uniform noise (truth label -1). Default 0. */
  noiseFraction?: number;
  /** Relative class sizes (default equal). */
  weights?: number[];
  /** Explicit class centres (classes x dim, normalised here); default random. */
  centres?: Float32Array;
  seed?: number;
}

export interface Blobs {
  vectors: Float32Array;
  /** Truth: class 0..classes-1, or -1 for noise. */
  labels: Int32Array;
  centres: Float32Array;
  dim: number;
}

/** Standard normal sampler (Box-Muller on a seeded uniform source). */
export function gaussian(rnd: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - rnd(); // (0, 1]: log never sees 0
    const v = rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

function normaliseInPlace(v: Float32Array, o: number, dim: number): void {
  let n2 = 0;
  for (let k = 0; k < dim; k++) n2 += v[o + k] * v[o + k];
  const norm = Math.sqrt(n2) || 1;
  for (let k = 0; k < dim; k++) v[o + k] /= norm;
}

/** Random unit vectors (count x dim). */
export function randomUnitVectors(count: number, dim: number, seed: number): Float32Array {
  const g = gaussian(mulberry32(seed));
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < dim; k++) out[i * dim + k] = g();
    normaliseInPlace(out, i * dim, dim);
  }
  return out;
}

export function sphereBlobs(spec: BlobSpec): Blobs {
  const { n, classes, dim } = spec;
  const seed = spec.seed ?? 1;
  const rnd = mulberry32(seed);
  const g = gaussian(mulberry32(seed ^ 0x9e3779b9));
  const centres = spec.centres ? spec.centres.slice() : randomUnitVectors(classes, dim, seed + 101);
  for (let c = 0; c < classes; c++) normaliseInPlace(centres, c * dim, dim);
  const spreads = Array.isArray(spec.spread) ? spec.spread : Array(classes).fill(spec.spread ?? 0.25);
  const weights = spec.weights ?? Array(classes).fill(1);
  const cumulative: number[] = [];
  weights.reduce((acc, w, i) => (cumulative[i] = acc + w), 0);
  const totalWeight = cumulative[classes - 1];
  const noise = spec.noiseFraction ?? 0;
  const vectors = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  const scale = 1 / Math.sqrt(dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    if (rnd() < noise) {
      labels[i] = -1;
      for (let k = 0; k < dim; k++) vectors[o + k] = g();
    } else {
      const r = rnd() * totalWeight;
      let c = 0;
      while (c < classes - 1 && cumulative[c] <= r) c++;
      labels[i] = c;
      const s = spreads[c] * scale;
      for (let k = 0; k < dim; k++) vectors[o + k] = centres[c * dim + k] + s * g();
    }
    normaliseInPlace(vectors, o, dim);
  }
  return { vectors, labels, centres, dim };
}
