// A coarse partition of unit vectors into compact cells, so that neighbour searches can skip whole
// blocks of pairs and stay EXACT: for x in cell a and y in cell b,
//   |x - y| >= |c_a - c_b| - r_a - r_b        (triangle inequality, Euclidean)
// where c is a cell's centre (mean of its members) and r the largest member-to-centre distance
// (and the sharper |x - y| >= |c_a - c_b| - |x - c_a| - |y - c_b| per row). For unit vectors
// |x - y|^2 = 2 - 2 cos = 2 * cosineDistance, so "cosine distance <= eps" is "|x - y| <= sqrt(2 eps)"
// and a cell pair whose bound exceeds that holds no pair within eps.
// Cells: spherical k-means on a sample (about sqrt(n) cells), then cells holding several separate
// groups are split. Rows are stored sorted by cell, so a cell is one contiguous block for the
// dot-product kernel, and inside a cell by decreasing distance to the centre (see layoutPartition).

import type { GemmTask } from './gemm';
import { forEachBlockAgainst } from './gemm';
import { sphericalKMeansTask } from './kmeans';

export interface Partition {
  n: number;
  dim: number;
  /** The vectors, rows sorted by cell (n x dim). */
  data: Float32Array;
  /** Position in `data` -> row index in the caller's input. */
  order: Int32Array;
  /** Cell c holds positions cellStart[c] .. cellStart[c + 1] - 1. */
  cellStart: Int32Array;
  cells: number;
  /** Cell centres (cells x dim): member means, NOT unit length. */
  centers: Float32Array;
  centerNorm2: Float64Array;
  /** Largest member-to-centre Euclidean distance, plus BOUND_SLACK. */
  radius: Float64Array;
  /** Distance of the row at each position to its cell centre (decreasing inside a cell). */
  pointDist: Float64Array;
  /**
   * Each cell's rows split into a head (outliers: positions cellStart[c] .. headEnd[c] - 1, more
   * than HEAD_FACTOR times the cell's, or the whole partition's, median distance from their
   * centre) and a body; bodyRadius is the largest body distance (plus slack). Bounds use the body
   * radius for body rows, so a cell's few stray rows do not make it look close to everything.
   */
  headEnd: Int32Array;
  bodyRadius: Float64Array;
}

export interface PartitionOptions {
  /** Initial number of cells; default round(sqrt(n)) (balances centre work against block work), at most MAX_CELLS. */
  cells?: number;
  /** Rounds of splitting cells that hold several groups (see splitMixedCellsTask). Default 3. */
  splitRounds?: number;
  seed?: number;
}

/** Below this many vectors one cell (a plain all-pairs scan) is cheaper than building cells. */
export const PARTITION_MIN_N = 1500;
export const MAX_CELLS = 1024;
/** Rows of k-means training sample per cell: enough for stable centres, far fewer than n. */
const SAMPLE_PER_CELL = 32;
const PARTITION_KMEANS_ITERATIONS = 8;
/** Split rounds; 3 lets one initial cell become up to 8 (about as many classes as it can hold). */
export const SPLIT_ROUNDS = 3;
/** Cells smaller than this are not worth splitting (a block of 24 rows costs next to nothing). */
const MIN_SPLIT_ROWS = 24;
/** Rows a split is decided on (evenly spaced over the cell): enough to see 2-8 groups. */
const SPLIT_TRAIN_ROWS = 96;
/** A split whose smaller half has under this share of the rows only cut off outliers: rejected. */
const SPLIT_MIN_SHARE = 0.05;
/**
 * A split is kept when the halves' means are at least this many times their (larger) median
 * spread apart. Measured on 96 unit vectors in 256-d (synthetic.ts blobs, spread 0.2-0.5): two
 * classes 2.9-7.2, four classes 1.3-1.5, one class 0.30, uniform noise 0.27. A wrong split only
 * costs speed (bounds stay exact), a missed one too.
 */
const SPLIT_SEPARATION = 0.5;
/** Splitting never takes the cell count past MAX_CELLS times this. */
const SPLIT_MAX_GROWTH = 4;
/**
 * Added to every radius and bound: float32 dot products are off by ~1e-6, and a bound must never
 * drop a pair the kernel would report. 1e-4 is far above that and far below any useful eps radius.
 */
export const BOUND_SLACK = 1e-4;
/** A row farther than this many times the median distance from the centre is an outlier. */
export const HEAD_FACTOR = 1.5;

export function defaultCellCount(n: number): number {
  if (n < PARTITION_MIN_N) return 1;
  return Math.min(MAX_CELLS, Math.max(1, Math.round(Math.sqrt(n))));
}

/** Exact Euclidean distance between two rows (float64), for radii and centre distances. */
function dist(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) {
    const d = a[ao + k] - b[bo + k];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Builds the partition of `vectors` (unit rows). Deterministic for a given seed. */
export function* buildPartitionTask(vectors: Float32Array, dim: number, options: PartitionOptions = {}): GemmTask<Partition> {
  const n = vectors.length / dim;
  let cells = Math.max(1, Math.min(options.cells ?? defaultCellCount(n), n, MAX_CELLS));
  const cellOf = new Int32Array(n);
  if (cells > 1) {
    // Train on an evenly spaced sample (deterministic, and spread over the input's order).
    const sampleSize = Math.min(n, cells * SAMPLE_PER_CELL);
    const sample = Int32Array.from({ length: sampleSize }, (_, i) => Math.floor((i * n) / sampleSize));
    const km = yield* sphericalKMeansTask(vectors, dim, sample, cells, {
      seed: options.seed ?? 1,
      init: 'random',
      iterations: PARTITION_KMEANS_ITERATIONS,
    });
    const all = Int32Array.from({ length: n }, (_, i) => i);
    // cells <= MAX_CELLS < MAX_BLOCK_ROWS_B: all centroids come back in one block per row group.
    yield* forEachBlockAgainst(vectors, dim, all, km.centroids, cells, (s, count, _b, _bc, sims) => {
      for (let t = 0; t < count; t++) {
        let arg = 0;
        for (let c = 1; c < cells; c++) if (sims[t * cells + c] > sims[t * cells + arg]) arg = c;
        cellOf[s + t] = arg;
      }
    });
    cells = yield* splitMixedCellsTask(vectors, dim, cellOf, cells, options.splitRounds ?? SPLIT_ROUNDS, options.seed ?? 1);
  }
  return layoutPartition(vectors, dim, cellOf, cells);
}

/** Mean of the listed rows and the median distance of the rows to it. */
function spread(vectors: Float32Array, dim: number, rows: ArrayLike<number>): { mean: Float32Array; median: number } {
  const mean = new Float32Array(dim);
  for (let r = 0; r < rows.length; r++) for (let k = 0; k < dim; k++) mean[k] += vectors[rows[r] * dim + k] / rows.length;
  const d = Float64Array.from({ length: rows.length }, (_, r) => dist(vectors, rows[r] * dim, mean, 0, dim)).sort();
  return { mean, median: d[d.length >> 1] };
}

/**
 * Cuts cells that hold several separate groups (k-means with about sqrt(n) cells leaves some
 * classes sharing a cell when there are more classes than cells, and a mixed cell's large radius
 * defeats pruning). Each round tries a 2-means split of every cell still eligible and keeps it
 * when the halves are separate groups: their means lie further apart than SPLIT_SEPARATION times
 * their spread. Cutting one Gaussian-like class or uniform noise in two gives means close
 * together, so such cells stay whole. Halves that were split are tried again next round.
 * Returns the new cell count; cellOf is updated in place.
 */
function* splitMixedCellsTask(
  vectors: Float32Array,
  dim: number,
  cellOf: Int32Array,
  cells: number,
  rounds: number,
  seed: number,
): GemmTask<number> {
  let eligible = [...Array(cells).keys()];
  for (let round = 0; round < rounds && eligible.length > 0; round++) {
    const members: number[][] = Array.from({ length: cells }, () => []);
    for (let i = 0; i < cellOf.length; i++) members[cellOf[i]].push(i);
    const next: number[] = [];
    for (const c of eligible) {
      if (members[c].length < MIN_SPLIT_ROWS || cells >= MAX_CELLS * SPLIT_MAX_GROWTH) continue;
      // Decide on an evenly spaced subset (a split is about groups, not details), then apply the
      // two centroids to every row of the cell.
      const all = members[c];
      const m = Math.min(all.length, SPLIT_TRAIN_ROWS);
      const train = Int32Array.from({ length: m }, (_, i) => all[Math.floor((i * all.length) / m)]);
      const km = yield* sphericalKMeansTask(vectors, dim, train, 2, { seed: seed + 7919 * round + c, iterations: 6 });
      const halves: number[][] = [[], []];
      train.forEach((row, t) => halves[km.assignment[t]].push(row));
      if (Math.min(halves[0].length, halves[1].length) < SPLIT_MIN_SHARE * m) continue; // an outlier came off
      const [h0, h1] = [spread(vectors, dim, halves[0]), spread(vectors, dim, halves[1])];
      if (dist(h0.mean, 0, h1.mean, 0, dim) < SPLIT_SEPARATION * Math.max(h0.median, h1.median)) continue;
      const rows = Int32Array.from(all);
      yield* forEachBlockAgainst(vectors, dim, rows, km.centroids, 2, (s0, count, _b, _bc, sims) => {
        for (let t = 0; t < count; t++) if (sims[2 * t + 1] > sims[2 * t]) cellOf[rows[s0 + t]] = cells;
      });
      next.push(c, cells);
      cells++;
    }
    eligible = next;
  }
  return cells;
}

/**
 * Sorts rows by cell, and inside a cell by DECREASING distance to the centre (ties by input row),
 * then measures every cell. The order inside a cell is what keeps pruning useful with outliers:
 * the rows of a cell that can reach another cell form a prefix (rowsReaching), so one stray
 * point only drags its own row into a block, not its whole cell.
 */
export function layoutPartition(vectors: Float32Array, dim: number, cellOf: Int32Array, cells: number): Partition {
  const n = cellOf.length;
  const cellStart = new Int32Array(cells + 1);
  for (let i = 0; i < n; i++) cellStart[cellOf[i] + 1]++;
  for (let c = 0; c < cells; c++) cellStart[c + 1] += cellStart[c];
  const centers = new Float32Array(cells * dim);
  const centerNorm2 = new Float64Array(cells);
  const sums = new Float64Array(cells * dim);
  for (let i = 0; i < n; i++) {
    const o = cellOf[i] * dim;
    for (let k = 0; k < dim; k++) sums[o + k] += vectors[i * dim + k];
  }
  for (let c = 0; c < cells; c++) {
    const size = cellStart[c + 1] - cellStart[c];
    let n2 = 0;
    for (let k = 0; k < dim && size > 0; k++) {
      const v = sums[c * dim + k] / size;
      centers[c * dim + k] = v;
      n2 += centers[c * dim + k] * centers[c * dim + k];
    }
    centerNorm2[c] = n2;
  }
  const rowDist = new Float64Array(n);
  for (let i = 0; i < n; i++) rowDist[i] = dist(vectors, i * dim, centers, cellOf[i] * dim, dim);
  const fill = cellStart.slice(0, cells);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[cellOf[i]]++] = i;
  for (let c = 0; c < cells; c++) {
    const members = Array.from(order.subarray(cellStart[c], cellStart[c + 1]));
    members.sort((x, y) => rowDist[y] - rowDist[x] || x - y);
    order.set(members, cellStart[c]);
  }
  const data = new Float32Array(n * dim);
  const pointDist = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    data.set(vectors.subarray(order[p] * dim, (order[p] + 1) * dim), p * dim);
    pointDist[p] = rowDist[order[p]];
  }
  const radius = new Float64Array(cells);
  const headEnd = cellStart.slice(0, cells);
  const bodyRadius = new Float64Array(cells);
  // A cell made mostly of outliers has a large median too: also compare with the global median.
  const globalMedian = n > 0 ? Float64Array.from(rowDist).sort()[n >> 1] : 0;
  for (let c = 0; c < cells; c++) {
    const lo = cellStart[c];
    const hi = cellStart[c + 1];
    if (hi === lo) continue;
    radius[c] = pointDist[lo] + BOUND_SLACK;
    const limit = HEAD_FACTOR * Math.min(pointDist[(lo + hi) >> 1], globalMedian);
    let h = lo;
    while (h < hi && pointDist[h] > limit) h++;
    headEnd[c] = h;
    bodyRadius[c] = h < hi ? pointDist[h] + BOUND_SLACK : 0;
  }
  return { n, dim, data, order, cellStart, cells, centers, centerNorm2, radius, pointDist, headEnd, bodyRadius };
}

/**
 * How many leading rows of cell c lie at least `minDist` from its centre (rows are sorted by
 * decreasing distance): only those can be within reach of a point whose bound needs that much.
 */
export function rowsReaching(p: Partition, c: number, minDist: number): number {
  const lo = p.cellStart[c];
  const hi = p.cellStart[c + 1];
  if (minDist <= 0) return hi - lo;
  let l = lo;
  let h = hi; // first position with pointDist < minDist, by binary search
  while (l < h) {
    const m = (l + h) >> 1;
    if (p.pointDist[m] + BOUND_SLACK >= minDist) l = m + 1;
    else h = m;
  }
  return l - lo;
}

/** Euclidean distance between two cell centres (float64). */
export function centerDistance(p: Partition, a: number, b: number): number {
  return dist(p.centers, a * p.dim, p.centers, b * p.dim, p.dim);
}

/** Euclidean radius equivalent to a cosine-distance eps on unit vectors (plus slack). */
export function epsRadius(eps: number): number {
  return Math.sqrt(2 * Math.max(0, eps)) + BOUND_SLACK;
}
