// Exact neighbour queries over a Partition: every pair within eps, and the k-th nearest neighbour
// similarity of chosen points. Whole cell pairs are skipped when the triangle-inequality bound
// (partition.ts) proves them too far apart, so clustered data costs far less than all pairs while
// the answer stays the same as a brute-force scan.

import { MAX_BLOCK_ROWS_A, MAX_BLOCK_ROWS_B, gatherRows, type GemmTask } from './gemm';
import { cellLowerBound, epsRadius, type Partition } from './partition';

/**
 * Calls onPair(i, j) once for every unordered pair of distinct rows (caller's indices) with
 * cos >= 1 - eps, in an unspecified but deterministic order. `keepCells(a, b)` (a <= b) may veto
 * cell pairs a caller does not need.
 */
export function* epsPairsTask(
  p: Partition,
  eps: number,
  onPair: (i: number, j: number) => void,
  keepCells?: (a: number, b: number) => boolean,
): GemmTask<void> {
  const { dim, data, order, cellStart, cells } = p;
  const minSim = 1 - eps;
  const reach = epsRadius(eps);
  const candidates: number[] = [];
  const bRows = new Int32Array(MAX_BLOCK_ROWS_B);
  const bBuf = new Float32Array(MAX_BLOCK_ROWS_B * dim);
  for (let a = 0; a < cells; a++) {
    const aLo = cellStart[a];
    const aHi = cellStart[a + 1];
    if (aHi === aLo) continue;
    candidates.length = 0;
    for (let b = a; b < cells; b++) {
      if (cellStart[b + 1] === cellStart[b]) continue;
      if (keepCells && !keepCells(a, b)) continue;
      if (cellLowerBound(p, a, b) <= reach) candidates.push(b);
    }
    // Walk the candidate cells' rows in chunks of at most MAX_BLOCK_ROWS_B positions.
    let ci = 0;
    let next = candidates.length > 0 ? cellStart[candidates[0]] : 0;
    while (ci < candidates.length) {
      let count = 0;
      while (ci < candidates.length && count < MAX_BLOCK_ROWS_B) {
        const end = cellStart[candidates[ci] + 1];
        const take = Math.min(end - next, MAX_BLOCK_ROWS_B - count);
        for (let t = 0; t < take; t++) bRows[count++] = next + t;
        next += take;
        if (next === end) {
          ci++;
          if (ci < candidates.length) next = cellStart[candidates[ci]];
        }
      }
      const b = gatherRows(data, dim, bRows, 0, count, bBuf);
      for (let s = aLo; s < aHi; s += MAX_BLOCK_ROWS_A) {
        const aCount = Math.min(MAX_BLOCK_ROWS_A, aHi - s);
        const sims = yield {
          a: data.subarray(s * dim, (s + aCount) * dim),
          aRows: aCount,
          b,
          bRows: count,
          dim,
        };
        for (let t = 0; t < aCount; t++) {
          const pi = s + t;
          const row = t * count;
          for (let u = 0; u < count; u++) {
            // Other cells lie after cell a; inside cell a each pair appears twice (and with
            // itself), so keeping position pj > pi reports every pair exactly once.
            if (sims[row + u] >= minSim && bRows[u] > pi) onPair(order[pi], order[bRows[u]]);
          }
        }
      }
    }
  }
}

/**
 * For each query (positions in p, ascending), the k-th largest cosine similarity to any row,
 * counting the query itself, so with k = minSamples a point is a DBSCAN core point at eps exactly
 * when kth >= 1 - eps (its "core distance" is 1 - kth). -Infinity when n < k.
 */
export function* kthSimilarityTask(p: Partition, k: number, queries: Int32Array): GemmTask<Float64Array> {
  const { dim, data, cellStart, cells } = p;
  const q = queries.length;
  const top = new Float64Array(q * k).fill(-Infinity); // per query, descending
  const aBuf = new Float32Array(Math.min(q, MAX_BLOCK_ROWS_A) * dim);
  let qi = 0;
  for (let a = 0; a < cells && qi < q; a++) {
    const qLo = qi;
    while (qi < q && queries[qi] < cellStart[a + 1]) qi++;
    if (qi === qLo) continue;
    // Candidate cells nearest first; stop once the bound exceeds every query's current k-th distance.
    const order: { b: number; lb: number }[] = [];
    for (let b = 0; b < cells; b++) {
      if (cellStart[b + 1] > cellStart[b]) order.push({ b, lb: cellLowerBound(p, a, b) });
    }
    order.sort((x, y) => x.lb - y.lb || x.b - y.b);
    for (let s = qLo; s < qi; s += MAX_BLOCK_ROWS_A) {
      const aCount = Math.min(MAX_BLOCK_ROWS_A, qi - s);
      const aData = gatherRows(data, dim, queries, s, aCount, aBuf);
      let oi = 0;
      while (oi < order.length) {
        // Stop when no remaining cell can beat any query's current k-th neighbour.
        let worst = -Infinity;
        for (let t = 0; t < aCount; t++) {
          const kth = top[(s + t) * k + k - 1];
          worst = Math.max(worst, kth === -Infinity ? Infinity : Math.sqrt(Math.max(0, 2 - 2 * kth)));
        }
        if (order[oi].lb > worst) break;
        // One contiguous run of cells per request when they are adjacent; otherwise one cell.
        const lo = cellStart[order[oi].b];
        let hi = cellStart[order[oi].b + 1];
        oi++;
        while (oi < order.length && cellStart[order[oi].b] === hi && hi - lo < MAX_BLOCK_ROWS_B && order[oi].lb <= worst) {
          hi = cellStart[order[oi].b + 1];
          oi++;
        }
        for (let bs = lo; bs < hi; bs += MAX_BLOCK_ROWS_B) {
          const bCount = Math.min(MAX_BLOCK_ROWS_B, hi - bs);
          const sims = yield { a: aData, aRows: aCount, b: data.subarray(bs * dim, (bs + bCount) * dim), bRows: bCount, dim };
          for (let t = 0; t < aCount; t++) insertTop(top, (s + t) * k, k, sims, t * bCount, bCount);
        }
      }
    }
  }
  const kth = new Float64Array(q);
  for (let t = 0; t < q; t++) kth[t] = top[t * k + k - 1];
  return kth;
}

/** Merges one row of similarities into a descending top-k list at top[at .. at + k). */
function insertTop(top: Float64Array, at: number, k: number, sims: Float32Array, from: number, count: number): void {
  let floor = top[at + k - 1];
  for (let u = 0; u < count; u++) {
    const v = sims[from + u];
    if (v <= floor) continue;
    let j = at + k - 1;
    while (j > at && top[j - 1] < v) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = v;
    floor = top[at + k - 1];
  }
}
