// Clustering benchmark on synthetic embeddings with a known answer (issue "performance": a
// million 256-d segment embeddings with a few hundred classes, within 60 s and 4 GB on 2 cores).
// Reports timings and agreement; it asserts nothing, so it can run anywhere (CLI `bench`).

import { adjustedRandIndex, countClusters } from './ari';
import { clusterGroupTask, clusterSegmentsAsync } from '../../core/cluster/cluster-segments';
import { runAsync, type AsyncGemm } from '../../core/cluster/gemm';
import type { ClusterMode } from '../../core/cluster/options';
import { loadNativeGemm } from '../../core/cluster/ort-gemm';
import { sampleRows } from '../../core/cluster/sampled';
import { sphereBlobs } from './cluster-synthetic';
import { takeRows } from '../../core/cluster/vectors';

export interface BenchSpec {
  n: number;
  classes: number;
  dim: number;
  /** Blob spread (synthetic.ts); default 0.3 (within-class cosine distance ~0.08). */
  spread?: number;
  /** Default 0.05. */
  noiseFraction?: number;
  seed?: number;
  mode?: ClusterMode;
  /** Rows clustered exactly for comparison (0 to skip); default min(n, 20,000). */
  exactSubset?: number;
  /** Kernel; default the native one (onnxruntime, JavaScript fallback). */
  gemm?: AsyncGemm;
  /** Passed to the clustering (e.g. exactMaxN, sampleSize). */
  exactMaxN?: number;
  sampleSize?: number;
}

export interface BenchResult {
  n: number;
  dim: number;
  trueClasses: number;
  kernel: string;
  generateSeconds: number;
  clusterSeconds: number;
  /** CPU time of the clustering (all threads of this process: JavaScript and the native kernel). */
  clusterCpuSeconds: number;
  foundClasses: number;
  eps: number | null;
  approximate: boolean;
  /** Adjusted Rand index against the truth (noise counted as one group on both sides). */
  ari: number;
  noiseTrue: number;
  noiseFound: number;
  exact: null | {
    n: number;
    seconds: number;
    foundClasses: number;
    /** Exact clustering of the subset vs the truth. */
    ari: number;
    /** Exact clustering of the subset vs the full run's labels of the same rows. */
    agreement: number;
  };
  /** Peak resident memory of the process so far (includes the generated data). */
  peakRssMB: number;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

export async function benchClustering(spec: BenchSpec): Promise<BenchResult> {
  const seed = spec.seed ?? 1;
  let kernel = 'custom';
  let gemm = spec.gemm;
  if (!gemm) {
    const native = await loadNativeGemm();
    gemm = native.gemm;
    kernel = native.kernel;
  }
  let t0 = performance.now();
  const blobs = sphereBlobs({
    n: spec.n,
    classes: spec.classes,
    dim: spec.dim,
    spread: spec.spread ?? 0.3,
    noiseFraction: spec.noiseFraction ?? 0.05,
    seed,
  });
  const meta = Array.from({ length: spec.n }, (_, i) => ({ imageId: i >> 6, area: 1, imageArea: 100 }));
  const generateSeconds = seconds(t0);
  const mode = spec.mode ?? 'auto';
  const options = { mode, seed, exactMaxN: spec.exactMaxN, sampleSize: spec.sampleSize };

  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = await clusterSegmentsAsync({ vectors: blobs.vectors, dim: spec.dim, meta }, options, gemm);
  const clusterSeconds = seconds(t0);
  const cpu = process.cpuUsage(cpu0);

  let exact: BenchResult['exact'] = null;
  const m = Math.min(spec.n, spec.exactSubset ?? 20_000);
  if (m > 0) {
    const rows = sampleRows(spec.n, m, seed + 7);
    const sub = takeRows(blobs.vectors, spec.dim, rows);
    t0 = performance.now();
    const r = await runAsync(clusterGroupTask(sub, spec.dim, { mode, seed, exactMaxN: m }), gemm);
    exact = {
      n: m,
      seconds: seconds(t0),
      foundClasses: r.clusters,
      ari: adjustedRandIndex(
        r.labels,
        Int32Array.from(rows, (i) => blobs.labels[i]),
      ),
      agreement: adjustedRandIndex(
        r.labels,
        Int32Array.from(rows, (i) => result.labels[i]),
      ),
    };
  }
  return {
    n: spec.n,
    dim: spec.dim,
    trueClasses: spec.classes,
    kernel,
    generateSeconds,
    clusterSeconds,
    clusterCpuSeconds: (cpu.user + cpu.system) / 1e6,
    foundClasses: countClusters(result.labels),
    eps: result.groups[0]?.eps ?? null,
    approximate: result.groups.some((g) => g.approximate),
    ari: adjustedRandIndex(result.labels, blobs.labels),
    noiseTrue: blobs.labels.filter((l) => l < 0).length,
    noiseFound: result.labels.filter((l) => l < 0).length,
    exact,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
