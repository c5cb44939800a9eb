// The large-data path (hundreds of thousands to millions of segments). Exact DBSCAN there costs
// the sum of all neighbourhood sizes (a class of 3,000 look-alike segments alone is 9 million
// pairs), so instead:
//   1. DBSCAN (eps given or automatic) on a seeded sample of `sampleSize` vectors, exactly;
//   2. every other vector joins the class of its NEAREST CORE sample point if that is within eps,
//      else it is noise. Nearest-core search is exact too: core points are cut into cells
//      (partition.ts) and a cell is searched only when the triangle-inequality bound allows a core
//      within eps; the `maxProbe` nearest such cells at most (the only approximation, and only on
//      data with no cluster structure, where many cells qualify).
// Approximate relative to exact DBSCAN in two ways: density is judged on the sample (so minSamples
// counts sample members) and a non-sample point is labelled by its nearest core, not by the
// lowest-numbered adjacent cluster.

import { mulberry32 } from '../util/random';
import { autoEpsTask } from './auto-eps';
import { dbscanTask } from './dbscan';
import { MAX_BLOCK_ROWS_A, MAX_BLOCK_ROWS_B, gatherRows, type GemmTask } from './gemm';
import { autoOptions, type GroupResult, type ResolvedGroupOptions } from './options';
import { buildPartitionTask, epsRadius, rowsReaching, type Partition } from './partition';
import { takeRows } from './vectors';

/** Most cells searched per query in the assignment step. */
export const DEFAULT_MAX_PROBE = 8;
/** Queries handled per chunk of the assignment step (bounds the centre-similarity buffer). */
const QUERY_CHUNK = 16384;

/** `count` distinct rows of 0..n-1 chosen with a seeded partial shuffle, ascending. */
export function sampleRows(n: number, count: number, seed: number): Int32Array {
  const rnd = mulberry32(seed);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < count; t++) {
    const j = t + Math.floor(rnd() * (n - t));
    const tmp = rows[t];
    rows[t] = rows[j];
    rows[j] = tmp;
  }
  return rows.slice(0, count).sort();
}

export function* sampledClusterTask(vectors: Float32Array, dim: number, o: ResolvedGroupOptions): GemmTask<GroupResult> {
  const n = vectors.length / dim;
  const rows = sampleRows(n, o.sampleSize, o.seed);
  const sample = takeRows(vectors, dim, rows);
  const p = yield* buildPartitionTask(sample, dim, { seed: o.seed });
  let eps = o.eps ?? null;
  if (o.mode === 'auto') eps = (yield* autoEpsTask(p, autoOptions(o)))?.eps ?? null;
  const labels = new Int32Array(n).fill(-1);
  if (eps === null) return { labels, clusters: 0, eps: null, minSamples: o.minSamples, approximate: true };
  const r = yield* dbscanTask(p, { eps, minSamples: o.minSamples });
  rows.forEach((row, s) => (labels[row] = r.labels[s]));

  const coreIdx: number[] = [];
  for (let s = 0; s < rows.length; s++) if (r.core[s]) coreIdx.push(s);
  if (coreIdx.length > 0) {
    const cores = takeRows(sample, dim, coreIdx);
    const coreLabels = Int32Array.from(coreIdx, (s) => r.labels[s]);
    const cp = yield* buildPartitionTask(cores, dim, { seed: o.seed + 1 });
    const inSample = new Uint8Array(n);
    for (const row of rows) inSample[row] = 1;
    const queries: number[] = [];
    for (let i = 0; i < n; i++) if (!inSample[i]) queries.push(i);
    const assigned = yield* nearestCoreTask(vectors, dim, Int32Array.from(queries), cp, coreLabels, eps);
    queries.forEach((row, t) => (labels[row] = assigned[t]));
  }
  return { labels, clusters: r.clusters, eps, minSamples: o.minSamples, approximate: true };
}

/**
 * For each query row of `vectors`, the label of its nearest core point (rows of partition `cp`,
 * labelled by coreLabels in cp's input order) if within cosine distance eps, else -1.
 */
export function* nearestCoreTask(
  vectors: Float32Array,
  dim: number,
  queries: Int32Array,
  cp: Partition,
  coreLabels: Int32Array,
  eps: number,
  maxProbe = DEFAULT_MAX_PROBE,
): GemmTask<Int32Array> {
  const out = new Int32Array(queries.length).fill(-1);
  const reach = epsRadius(eps);
  const minSim = 1 - eps;
  const cells = cp.cells;
  const chunk = Math.min(queries.length, QUERY_CHUNK);
  const aBuf = new Float32Array(chunk * dim);
  const tileBuf = new Float32Array(MAX_BLOCK_ROWS_A * dim);
  // Squared admission radius per cell (|q - centre| <= reach + r); empty cells admit nothing.
  const admit2 = Float64Array.from({ length: cells }, (_, c) => (cp.cellStart[c + 1] > cp.cellStart[c] ? (reach + cp.radius[c]) ** 2 : -1));
  // Per query of a chunk: up to maxProbe admitted cells with the smallest bounds, and the rows of
  // each it needs (a prefix: rows far enough from the centre to come within reach).
  const kept = new Int32Array(chunk);
  const probeCell = new Int32Array(chunk * maxProbe);
  const probeBound = new Float64Array(chunk * maxProbe);
  const probeRows = new Int32Array(chunk * maxProbe);
  const best = new Float64Array(chunk);
  const bestPos = new Int32Array(chunk);
  for (let q0 = 0; q0 < queries.length; q0 += QUERY_CHUNK) {
    const qn = Math.min(QUERY_CHUNK, queries.length - q0);
    const a = gatherRows(vectors, dim, queries, q0, qn, aBuf);
    kept.fill(0);
    // 1. Query-to-centre similarities -> admitted cells (no sqrt unless admitted).
    for (let s = 0; s < qn; s += MAX_BLOCK_ROWS_A) {
      const cnt = Math.min(MAX_BLOCK_ROWS_A, qn - s);
      for (let c0 = 0; c0 < cells; c0 += MAX_BLOCK_ROWS_B) {
        const cc = Math.min(MAX_BLOCK_ROWS_B, cells - c0);
        const sims = yield {
          a: a.subarray(s * dim, (s + cnt) * dim),
          aRows: cnt,
          b: cp.centers.subarray(c0 * dim, (c0 + cc) * dim),
          bRows: cc,
          dim,
        };
        for (let t = 0; t < cnt; t++) {
          const q = s + t;
          const base = q * maxProbe;
          for (let u = 0; u < cc; u++) {
            const c = c0 + u;
            const d2 = 1 + cp.centerNorm2[c] - 2 * sims[t * cc + u];
            if (d2 > admit2[c]) continue;
            const d = Math.sqrt(Math.max(0, d2));
            const lb = d - cp.radius[c];
            let k = kept[q];
            if (k === maxProbe && lb >= probeBound[base + k - 1]) continue;
            let j = k < maxProbe ? k++ : k - 1;
            kept[q] = k;
            while (j > 0 && probeBound[base + j - 1] > lb) {
              probeBound[base + j] = probeBound[base + j - 1];
              probeCell[base + j] = probeCell[base + j - 1];
              probeRows[base + j] = probeRows[base + j - 1];
              j--;
            }
            probeBound[base + j] = lb;
            probeCell[base + j] = c;
            probeRows[base + j] = rowsReaching(cp, c, d - reach);
          }
        }
      }
    }
    // 2. Group the (query, cell) candidates by cell (counting sort); per cell, queries sorted by
    // rows needed, one request per run of needs within 2x.
    const byCell = new Int32Array(cells + 1);
    for (let q = 0; q < qn; q++) for (let j = 0; j < kept[q]; j++) byCell[probeCell[q * maxProbe + j] + 1]++;
    for (let c = 0; c < cells; c++) byCell[c + 1] += byCell[c];
    const fill = byCell.slice(0, cells);
    const groupedQuery = new Int32Array(byCell[cells]);
    const groupedRows = new Int32Array(byCell[cells]);
    for (let q = 0; q < qn; q++) {
      for (let j = 0; j < kept[q]; j++) {
        const e = fill[probeCell[q * maxProbe + j]]++;
        groupedQuery[e] = q;
        groupedRows[e] = probeRows[q * maxProbe + j];
      }
    }
    best.fill(-Infinity);
    bestPos.fill(-1);
    for (let c = 0; c < cells; c++) {
      const lo = cp.cellStart[c];
      const order = Array.from({ length: byCell[c + 1] - byCell[c] }, (_, i) => byCell[c] + i)
        .filter((e) => groupedRows[e] > 0)
        .sort((x, y) => groupedRows[y] - groupedRows[x] || groupedQuery[x] - groupedQuery[y]);
      for (let g = 0; g < order.length;) {
        const rows = groupedRows[order[g]];
        let cnt = 0;
        while (g + cnt < order.length && cnt < MAX_BLOCK_ROWS_A && groupedRows[order[g + cnt]] * 2 >= rows) cnt++;
        const members = Int32Array.from(order.slice(g, g + cnt), (e) => groupedQuery[e]);
        const tile = gatherRows(a, dim, members, 0, cnt, tileBuf);
        for (let b0 = lo; b0 < lo + rows; b0 += MAX_BLOCK_ROWS_B) {
          const bc = Math.min(MAX_BLOCK_ROWS_B, lo + rows - b0);
          const sims = yield { a: tile, aRows: cnt, b: cp.data.subarray(b0 * dim, (b0 + bc) * dim), bRows: bc, dim };
          for (let t = 0; t < cnt; t++) {
            const q = members[t];
            for (let u = 0; u < bc; u++) {
              if (sims[t * bc + u] > best[q]) {
                best[q] = sims[t * bc + u];
                bestPos[q] = b0 + u;
              }
            }
          }
        }
        g += cnt;
      }
    }
    for (let q = 0; q < qn; q++) if (bestPos[q] >= 0 && best[q] >= minSim) out[q0 + q] = coreLabels[cp.order[bestPos[q]]];
  }
  return out;
}
