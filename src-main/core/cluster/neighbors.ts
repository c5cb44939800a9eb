// Exact neighbour queries over a Partition: every pair within eps, and the k-th nearest neighbour
// similarity of chosen points. Cell pairs, and the rows of a cell beyond a prefix, are skipped when
// the triangle-inequality bounds of partition.ts prove them too far apart, so clustered data costs
// far less than all pairs while the answer stays exactly that of a brute-force scan (the tests
// compare the two).

import { MAX_BLOCK_ROWS_A, MAX_BLOCK_ROWS_B, forEachBlockAgainst, gatherRows, type GemmTask } from './gemm';
import { centerDistance, epsRadius, rowsReaching, type Partition } from './partition';

/** Rows [bFrom, bFrom + bRows) of cell b against rows [aFrom, aFrom + aRows) of cell a. */
interface Piece {
  aFrom: number;
  aRows: number;
  bFrom: number;
  bRows: number;
}

/** Adds a piece, cut so that no request exceeds MAX_BLOCK_ROWS_B rows of b. */
function pushPieces(out: Piece[], aFrom: number, aRows: number, bFrom: number, bRows: number): void {
  if (aRows <= 0 || bRows <= 0) return;
  for (let s = 0; s < bRows; s += MAX_BLOCK_ROWS_B) {
    out.push({ aFrom, aRows, bFrom: bFrom + s, bRows: Math.min(MAX_BLOCK_ROWS_B, bRows - s) });
  }
}

/**
 * Calls onPair(i, j) once for every unordered pair of distinct rows (caller's indices) with
 * cos >= 1 - eps, in an unspecified but deterministic order. `keepCells(a, b)` (a <= b) may veto
 * cell pairs a caller does not need.
 *
 * For cells a < b at centre distance D, x in a and y in b can be within reach R only if
 * |x - c_a| + |y - c_b| >= D - R. Cell a is taken in two parts, its head (outliers) and its body,
 * each against the prefix of cell b's rows (sorted by decreasing distance) that can reach it; the
 * body, with its small radius, usually only meets b's outliers.
 */
export function* epsPairsTask(
  p: Partition,
  eps: number,
  onPair: (i: number, j: number) => void,
  keepCells?: (a: number, b: number) => boolean,
): GemmTask<void> {
  const { dim, data, order, cellStart, cells, radius, headEnd, bodyRadius } = p;
  const minSim = 1 - eps;
  const reach = epsRadius(eps);
  const bList = new Int32Array(MAX_BLOCK_ROWS_B);
  const aLimit = new Int32Array(MAX_BLOCK_ROWS_B); // per B row: end of its piece's A range
  const bBuf = new Float32Array(MAX_BLOCK_ROWS_B * dim);
  const emit = function* (pieces: Piece[]): GemmTask<void> {
    // Pieces sharing an A range start are sorted by A length; one request covers A lengths within
    // 2x of its longest (at most twice the ideal work) and up to MAX_BLOCK_ROWS_B rows of B. The
    // extra A rows a shorter piece gets are ignored for it (aLimit): pieces are disjoint sets of
    // pairs, and each pair must be reported once.
    pieces.sort((x, y) => x.aFrom - y.aFrom || y.aRows - x.aRows || x.bFrom - y.bFrom);
    let c0 = 0;
    while (c0 < pieces.length) {
      const { aFrom, aRows } = pieces[c0];
      let count = 0;
      let c1 = c0;
      while (
        c1 < pieces.length &&
        pieces[c1].aFrom === aFrom &&
        pieces[c1].aRows * 2 >= aRows &&
        count + pieces[c1].bRows <= MAX_BLOCK_ROWS_B
      ) {
        const end = pieces[c1].aFrom + pieces[c1].aRows;
        for (let t = 0; t < pieces[c1].bRows; t++) {
          aLimit[count] = end;
          bList[count++] = pieces[c1].bFrom + t;
        }
        c1++;
      }
      const b = gatherRows(data, dim, bList, 0, count, bBuf);
      for (let s = aFrom; s < aFrom + aRows; s += MAX_BLOCK_ROWS_A) {
        const rowsA = Math.min(MAX_BLOCK_ROWS_A, aFrom + aRows - s);
        const sims = yield { a: data.subarray(s * dim, (s + rowsA) * dim), aRows: rowsA, b, bRows: count, dim };
        for (let t = 0; t < rowsA; t++) {
          const pi = s + t;
          const row = t * count;
          for (let u = 0; u < count; u++) {
            // Other cells lie after cell a; inside cell a each pair appears twice (and with
            // itself), so keeping position pj > pi reports every pair exactly once.
            if (sims[row + u] >= minSim && bList[u] > pi && pi < aLimit[u]) onPair(order[pi], order[bList[u]]);
          }
        }
      }
      c0 = c1;
    }
  };
  // Head rows (outliers) are few: measure each one's distance to every centre, which bounds it
  // against other cells far better than its own cell's radius does.
  const heads: number[] = [];
  for (let c = 0; c < cells; c++) for (let q = cellStart[c]; q < headEnd[c]; q++) heads.push(q);
  const headCentre = new Float64Array(heads.length * cells);
  yield* forEachBlockAgainst(data, dim, Int32Array.from(heads), p.centers, cells, (s, count, b0, bc, sims) => {
    for (let t = 0; t < count; t++) {
      for (let c = 0; c < bc; c++) {
        headCentre[(s + t) * cells + b0 + c] = Math.sqrt(Math.max(0, 1 + p.centerNorm2[b0 + c] - 2 * sims[t * bc + c]));
      }
    }
  });
  // Row `heads[headFirst[c] + h]` is head row h of cell c.
  const headFirst = new Int32Array(cells + 1);
  for (let c = 0; c < cells; c++) headFirst[c + 1] = headFirst[c] + headEnd[c] - cellStart[c];
  for (let a = 0; a < cells; a++) {
    const aLo = cellStart[a];
    const aHi = cellStart[a + 1];
    const headLen = headEnd[a] - aLo;
    if (aHi === aLo) continue;
    const pieces: Piece[] = [];
    if (!keepCells || keepCells(a, a)) pushPieces(pieces, aLo, aHi - aLo, aLo, aHi - aLo);
    for (let b = a + 1; b < cells; b++) {
      if (cellStart[b + 1] === cellStart[b] || (keepCells && !keepCells(a, b))) continue;
      const d = centerDistance(p, a, b);
      if (d - radius[a] - radius[b] > reach) continue;
      // Head of a: y in b is needed by head row x only if |y - c_b| >= |x - c_b| - reach.
      let headNeed = Infinity;
      for (let h = 0; h < headLen; h++) headNeed = Math.min(headNeed, headCentre[(headFirst[a] + h) * cells + b] - reach);
      if (headLen > 0) pushPieces(pieces, aLo, headLen, cellStart[b], rowsReaching(p, b, headNeed));
      // Body of a (rows within bodyRadius[a] of c_a, those that can reach b at all) against:
      const bodyRows = rowsReaching(p, a, d - reach - radius[b]) - headLen;
      if (bodyRows <= 0) continue;
      // ... the head rows of b that come within reach of that body, by their own centre distance,
      for (let h = headFirst[b]; h < headFirst[b + 1]; h++) {
        if (headCentre[h * cells + a] - bodyRadius[a] <= reach) pushPieces(pieces, headEnd[a], bodyRows, heads[h], 1);
      }
      // ... and the body rows of b far enough from c_b (a prefix of b's body).
      const bBody = rowsReaching(p, b, d - reach - bodyRadius[a]) - (headEnd[b] - cellStart[b]);
      pushPieces(pieces, headEnd[a], bodyRows, headEnd[b], bBody);
    }
    yield* emit(pieces);
  }
}

/**
 * k-NN request shaping. Per visited cell, each query needs a prefix of the cell's rows (those far
 * enough from the centre to beat its current k-th distance). Queries needing at least
 * KNN_OWN_REQUEST_ROWS rows get requests of their own (grouped by similar prefix length); smaller
 * needs (a few outlier rows at the head of a cell, which the centre bound cannot exclude for
 * anyone) are pooled across cells up to KNN_POOL_ROWS rows.
 */
const KNN_OWN_REQUEST_ROWS = 64;
const KNN_POOL_ROWS = 512;
/**
 * After this many cells, a query whose remaining candidate rows still exceed KNN_HARD_FRACTION of
 * all rows (an outlier: its k-th neighbour is far, so no bound prunes) is finished by one plain
 * scan of all rows instead of one small request per cell.
 */
const KNN_CELLS_BEFORE_TRIAGE = 8;
const KNN_HARD_FRACTION = 0.25;

/**
 * For each query (positions in p, ascending), the k-th largest cosine similarity to any row,
 * counting the query itself, so with k = minSamples a point is a DBSCAN core point at eps exactly
 * when kth >= 1 - eps (its "core distance" is 1 - kth). -Infinity when n < k.
 *
 * Queries go in groups (the queries of one cell); cells are visited nearest first and, per query,
 * a cell (or the tail of a cell's rows) is skipped once the bound |q - y| >= |q - c_b| - |y - c_b|
 * exceeds the query's current k-th distance. Exact: a skipped row provably cannot enter the top k.
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
  const hard: number[] = [];
  let g0 = 0;
  while (g0 < nq) {
    // A group: the queries of one cell (they share their nearest cells), at most MAX_BLOCK_ROWS_A.
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

    /** Rows of cell c query t still needs (0 when the bound excludes the whole cell). */
    const needed = (t: number, c: number) => {
      const kd = kthDist(g0 + t);
      const d = centreDist[t * cells + c];
      return d - radius[c] > kd ? 0 : rowsReaching(p, c, d - kd);
    };
    const request = function* (list: number[], b: Float32Array, count: number): GemmTask<void> {
      const sub = gatherRows(a, dim, Int32Array.from(list), 0, list.length, subBuf);
      const sims = yield { a: sub, aRows: list.length, b, bRows: count, dim };
      list.forEach((t, r) => insertTop(top, (g0 + t) * k, k, sims, r * count, count));
    };
    const poolActive = new Uint8Array(g);
    let pooled = 0;
    const flushPool = function* (): GemmTask<void> {
      const list: number[] = [];
      for (let t = 0; t < g; t++) if (poolActive[t]) list.push(t);
      if (list.length > 0 && pooled > 0) yield* request(list, gatherRows(data, dim, pool, 0, pooled, poolBuf), pooled);
      poolActive.fill(0);
      pooled = 0;
    };
    const isHard = new Uint8Array(g);
    for (let v = 0; v < visit.length; v++) {
      const c = visit[v];
      if (v === KNN_CELLS_BEFORE_TRIAGE) {
        yield* flushPool();
        for (let t = 0; t < g; t++) {
          let rest = 0;
          for (let w = v; w < visit.length; w++) rest += needed(t, visit[w]);
          if (rest > KNN_HARD_FRACTION * p.n) {
            isHard[t] = 1;
            hard.push(g0 + t);
          }
        }
      }
      let worst = 0;
      for (let t = 0; t < g; t++) if (!isHard[t]) worst = Math.max(worst, kthDist(g0 + t));
      if (minLb[c] > worst) break; // no later cell can improve any remaining query's top k
      const big: { t: number; rows: number }[] = [];
      let smallRows = 0;
      for (let t = 0; t < g; t++) {
        if (isHard[t]) continue;
        const rows = needed(t, c);
        if (rows >= KNN_OWN_REQUEST_ROWS) big.push({ t, rows });
        else if (rows > 0) {
          poolActive[t] = 1;
          smallRows = Math.max(smallRows, rows);
        }
      }
      // Requests of their own: queries sorted by need; one request covers needs within 2x.
      big.sort((x, y) => y.rows - x.rows || x.t - y.t);
      for (let i = 0; i < big.length;) {
        const rows = big[i].rows;
        const list: number[] = [];
        while (i < big.length && big[i].rows * 2 >= rows) list.push(big[i++].t);
        for (let r0 = 0; r0 < rows; r0 += MAX_BLOCK_ROWS_B) {
          const count = Math.min(MAX_BLOCK_ROWS_B, rows - r0);
          const from = cellStart[c] + r0;
          yield* request(list, data.subarray(from * dim, (from + count) * dim), count);
        }
      }
      for (let r = 0; r < smallRows; r++) pool[pooled++] = cellStart[c] + r;
      if (pooled >= KNN_POOL_ROWS) yield* flushPool();
    }
    yield* flushPool();
    g0 += g;
  }
  if (hard.length > 0) {
    // Outliers: start over with a plain scan of every row.
    for (const t of hard) top.fill(-Infinity, t * k, (t + 1) * k);
    const hardPos = Int32Array.from(hard, (t) => queries[t]);
    yield* forEachBlockAgainst(data, dim, hardPos, data, p.n, (s, count, _b, bCount, sims) => {
      for (let r = 0; r < count; r++) insertTop(top, hard[s + r] * k, k, sims, r * bCount, bCount);
    });
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
