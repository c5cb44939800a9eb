// Seeded randomness for the synthetic scenes. Math.random cannot be seeded, and scenes must be
// reproducible bit for bit across machines and Node versions, so everything here is integer
// arithmetic (Math.imul) with a single float conversion at the end.

/** A deterministic source of uniform numbers in [0, 1). */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator, public domain): tiny, fast and good enough for
 * procedural textures and layouts; not for anything security-related.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  // Fold the fractional and high parts in so that e.g. seeds 1 and 1.5 differ instead of colliding.
  const folded = (Math.floor(seed) ^ Math.floor((seed % 1) * 0x7fffffff) ^ Math.floor(seed / 4294967296)) >>> 0;
  const next = mulberry32(folded);
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick() needs a non-empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
  };
}

/** A stateless hash of a lattice point to [0, 1): the same (x, y, salt) always gives the same value. */
export function hash2(x: number, y: number, salt: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(salt | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Value noise in [0, 1) with features about `cell` pixels wide; smooth (C1) between lattice points. */
export function valueNoise(x: number, y: number, cell: number, salt: number): number {
  const fx = x / cell;
  const fy = y / cell;
  const ix = Math.floor(fx);
  const iy = Math.floor(fy);
  const tx = smooth(fx - ix);
  const ty = smooth(fy - iy);
  const a = hash2(ix, iy, salt);
  const b = hash2(ix + 1, iy, salt);
  const c = hash2(ix, iy + 1, salt);
  const d = hash2(ix + 1, iy + 1, salt);
  const top = a + (b - a) * tx;
  const bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

/**
 * Fractal (octave-summed) value noise in [0, 1): coarse blotches with finer detail on top. Each
 * octave halves the feature size and the amplitude.
 */
export function fbm(x: number, y: number, cell: number, octaves: number, salt: number): number {
  let sum = 0;
  let amp = 1;
  let norm = 0;
  let size = cell;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise(x, y, size, salt + o * 101);
    norm += amp;
    amp *= 0.5;
    size = Math.max(1, size / 2);
  }
  return sum / norm;
}
