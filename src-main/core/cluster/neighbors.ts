// Exact neighbour queries over a Partition: every pair within eps, and the k-th nearest neighbour
// similarity of chosen points. Whole cell pairs are skipped when the triangle-inequality bound
// (partition.ts) proves them too far apart, so clustered data costs far less than all pairs while
// the answer stays the same as a brute-force scan.

import { MAX_BLOCK_ROWS_A, MAX_BLOCK_ROWS_B, gatherRows, type GemmTask } from './gemm';
import { centerDistance, epsRadius, rowsReaching, type Partition } from './partition';

/** Rows [bFrom, bFrom + bRows) (positions) of cell b, to be compared with the first aRows rows of cell a. */
interface CellPairRows {
  b: number;
  aRows: number;
  bFrom: number;
  bRows: number;
}

/** Adds a candidate, cut into pieces of at most MAX_BLOCK_ROWS_B rows of cell b. */
function pushPieces(out: CellPairRows[], b: number, aRows: number, bFrom: number, bRows: number): void {
  for (let s = 0; s < bRows; s += MAX_BLOCK_ROWS_B) {
    out.push({ b, aRows, bFrom: bFrom + s, bRows: Math.min(MAX_BLOCK_ROWS_B, bRows - s) });
  }
}

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
  const bList = new Int32Array(MAX_BLOCK_ROWS_B);
  const bBuf = new Float32Array(MAX_BLOCK_ROWS_B * dim);
  for (let a = 0; a < cells; a++) {
    const aLo = cellStart[a];
    const aSize = cellStart[a + 1] - aLo;
    if (aSize === 0) continue;
    const cand: CellPairRows[] = [];
    for (let b = a; b < cells; b++) {
      if (cellStart[b + 1] === cellStart[b] || (keepCells && !keepCells(a, b))) continue;
      if (b === a) {
        pushPieces(cand, b, aSize, aLo, aSize);
        continue;
      }
      const d = centerDistance(p, a, b);
      if (d - p.radius[a] - p.radius[b] > reach) continue;
      // x in a can reach y in b only if |x - c_a| >= d - reach - |y - c_b| >= d - reach - r_b.
      const aRows = rowsReaching(p, a, d - reach - p.radius[b]);
      const bRows = rowsReaching(p, b, d - reach - p.radius[a]);
      if (aRows > 0 && bRows > 0) pushPieces(cand, b, aRows, cellStart[b], bRows);
    }
    // Blocks: candidates needing similar prefixes of cell a share one request (the shared A is the
    // longest prefix among them; a block at most twice the ideal work).
    cand.sort((x, y) => y.aRows - x.aRows || x.bFrom - y.bFrom);
    let c0 = 0;
    while (c0 < cand.length) {
      const aCount = cand[c0].aRows;
      let count = 0;
      let c1 = c0;
      while (c1 < cand.length && cand[c1].aRows * 2 >= aCount && count + cand[c1].bRows <= MAX_BLOCK_ROWS_B) {
        for (let t = 0; t < cand[c1].bRows; t++) bList[count++] = cand[c1].bFrom + t;
        c1++;
      }
      const b = gatherRows(data, dim, bList, 0, count, bBuf);
      for (let s = aLo; s < aLo + aCount; s += MAX_BLOCK_ROWS_A) {
        const rowsA = Math.min(MAX_BLOCK_ROWS_A, aLo + aCount - s);
        const sims = yield { a: data.subarray(s * dim, (s + rowsA) * dim), aRows: rowsA, b, bRows: count, dim };
        for (let t = 0; t < rowsA; t++) {
          const pi = s + t;
          const row = t * count;
          for (let u = 0; u < count; u++) {
            // Other cells lie after cell a; inside cell a each pair appears twice (and with
            // itself), so keeping position pj > pi reports every pair exactly once.
            if (sims[row + u] >= minSim && bList[u] > pi) onPair(order[pi], order[bList[u]]);
          }
        }
      }
      c0 = c1;
    }
  }
}
/**
 * k-NN requests: a cell that contributes at least this many rows gets a request of its own (only
 * the queries that need it); smaller contributions (typically a few outlier rows at the head of a
 * cell, which the centre bound cannot exclude for anyone) are pooled until KNN_POOL_ROWS.
 */
const KNN_OWN_REQUEST_ROWS = 64;
const KNN_POOL_ROWS = 512;

/**
 * For each query (positions in p, ascending), the k-th largest cosine similarity to any row,
 * counting the query itself, so with k = minSamples a point is a DBSCAN core point at eps exactly
 * when kth >= 1 - eps (its "core distance" is 1 - kth). -Infinity when n < k.
 *
 * Queries go in groups (the queries of one cell); cells are visited nearest first and, per query,
 * a cell (or the tail of a cell's rows) is skipped once the bound |q - y| >= |q - c_b| - |y - c_b|
 * exceeds the query's current k-th distance, so a point inside a class looks only at its
 * neighbourhood. Exact: a skipped row provably cannot enter the top k.
 */
export function* kthSimilarityTask(p: Partition, k: number, queries: Int32Array): GemmTask<Float64Array> {
  const { dim, data, cellStart, cells, centers, centerNorm2, radius } = p;
  const nq = queries.length;
  const top = new Float64Array(nq * k).fill(-Infinity); // per query, descending
  const kthDist = (t: number) => {
    const v = top[t * k + k - 1];
    return v === -Infinity ? Infinity : Math.sqrt(Math.max(0, 2 - 2 * v));
  };
  const aBuf = new Float32Array(Math.min(nq, MAX_BLOCK_ROWS_A) * dim);
  const subBuf = new Float32Array(Math.min(nq, MAX_BLOCK_ROWS_A) * dim);
  const pool = new Int32Array(KNN_POOL_ROWS + KNN_OWN_REQUEST_ROWS);
  const poolBuf = new Float32Array(pool.length * dim);
  // Groups: the queries of one cell (they share their nearest cells), at most MAX_BLOCK_ROWS_A.
  let g0 = 0;
  while (g0 < nq) {
    const cellEnd = cellStart[cellOfPosition(p, queries[g0]) + 1];
    let g = 1;
    while (g0 + g < nq && g < MAX_BLOCK_ROWS_A && queries[g0 + g] < cellEnd) g++;
    const a = gatherRows(data, dim, queries, g0, g, aBuf);
    const centreDist = new Float64Array(g * cells);
    for (let c0 = 0; c0 < cells; c0 += MAX_BLOCK_ROWS_B) {
      const cc = Math.min(MAX_BLOCK_ROWS_B, cells - c0);
      const sims = yield { a, aRows: g, b: centers.subarray(c0 * dim, (c0 + cc) * dim), bRows: cc, dim };
      for (let t = 0; t < g; t++) {
        for (let c = 0; c < cc; c++) {
          centreDist[t * cells + c0 + c] = Math.sqrt(Math.max(0, 1 + centerNorm2[c0 + c] - 2 * sims[t * cc + c]));
        }
      }
    }
    const minLb = new Float64Array(cells).fill(Infinity);
    const visit: number[] = [];
    for (let c = 0; c < cells; c++) {
      if (cellStart[c + 1] === cellStart[c]) continue;
      for (let t = 0; t < g; t++) minLb[c] = Math.min(minLb[c], centreDist[t * cells + c] - radius[c]);
      visit.push(c);
    }
    visit.sort((x, y) => minLb[x] - minLb[y] || x - y);

    // Pooled small contributions: rows pool[0 .. pooled) against the queries flagged in poolActive.
    const poolActive = new Uint8Array(g);
    let pooled = 0;
    const request = function* (list: number[], b: Float32Array, count: number): GemmTask<void> {
      const sub = gatherRows(a, dim, Int32Array.from(list), 0, list.length, subBuf);
      const sims = yield { a: sub, aRows: list.length, b, bRows: count, dim };
      list.forEach((t, r) => insertTop(top, (g0 + t) * k, k, sims, r * count, count));
    };
    const flushPool = function* (): GemmTask<void> {
      const list: number[] = [];
      for (let t = 0; t < g; t++) if (poolActive[t]) list.push(t);
      if (list.length > 0 && pooled > 0) yield* request(list, gatherRows(data, dim, pool, 0, pooled, poolBuf), pooled);
      poolActive.fill(0);
      pooled = 0;
    };
    for (const c of visit) {
      let worst = 0;
      for (let t = 0; t < g; t++) worst = Math.max(worst, kthDist(g0 + t));
      if (minLb[c] > worst) break; // no later cell can improve any query's top k
      const list: number[] = [];
      let need = Infinity; // smallest |y - c_b| some query still needs from this cell
      for (let t = 0; t < g; t++) {
        const kd = kthDist(g0 + t);
        const d = centreDist[t * cells + c];
        if (d - radius[c] > kd) continue;
        list.push(t);
        need = Math.min(need, d - kd);
      }
      if (list.length === 0) continue;
      const rows = rowsReaching(p, c, need);
      if (rows >= KNN_OWN_REQUEST_ROWS) {
        for (let r0 = 0; r0 < rows; r0 += MAX_BLOCK_ROWS_B) {
          const count = Math.min(MAX_BLOCK_ROWS_B, rows - r0);
          const from = cellStart[c] + r0;
          yield* request(list, data.subarray(from * dim, (from + count) * dim), count);
        }
      } else if (rows > 0) {
        for (const t of list) poolActive[t] = 1;
        for (let r = 0; r < rows; r++) pool[pooled++] = cellStart[c] + r;
        if (pooled >= KNN_POOL_ROWS) yield* flushPool();
      }
    }
    yield* flushPool();
    g0 += g;
  }
  const kth = new Float64Array(nq);
  for (let t = 0; t < nq; t++) kth[t] = top[t * k + k - 1];
  return kth;
}

/** The cell holding a position (binary search over cellStart). */
function cellOfPosition(p: Partition, pos: number): number {
  let lo = 0;
  let hi = p.cells - 1;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (p.cellStart[m] <= pos) lo = m;
    else hi = m - 1;
  }
  return lo;
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
