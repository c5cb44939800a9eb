// `npm run bench`: the speed of the whole pipeline on real folders — per phase (image decode,
// encode, decoder model, post-processing, segment embeddings, clustering, database), images per
// minute, peak memory, the reopen (cache) speed-up, prefetch against strictly sequential, Samantic's
// post-processing next to SAM's reference generator, and clustering at a million segments.
// A benchmark prints figures; it asserts nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intFlag, parseCommandArgs } from '../../core/util/args';
import type { DeviceChoice } from '../../core/api/contract';
import { AMG_PRESETS, type AmgOptions, type AmgPresetName } from '../../core/amg/options';
import { benchClustering, type BenchResult as ClusterBenchResult } from './cluster-scale';
import { SamanticError } from '../../core/errors';
import { listImageFiles } from '../../core/image/files';
import { loadImage } from '../../core/image/load';
import { encodeAheadThreads } from '../../core/model/encoder-worker-client';
import { loadModel, type SamModel } from '../../core/model/runtime';
import { OnnxSegmenter } from '../../core/pipeline/onnx-segmenter';
import { DEFAULT_PREFETCH_DEPTH, checkPrefetchDepth } from '../../core/pipeline/prefetch';
import { writePizzaFolder } from '../synth/writer';
import { runPeerComparison, type PeerResult } from './perf-peer';
import { runPruneComparison, type PruneComparisonRow } from './prune-compare';
import {
  comparePipelining,
  memoryCheckFigures,
  MemorySampler,
  perImage,
  processPeakRssMB,
  runFolder,
  scratchProject,
  type FolderRunResult,
  type MemoryCheckResult,
  type PipeliningResult,
  type PipeliningSetup,
} from './perf-run';

/** src-main/tools/bench -> the repository root; ../shared sits beside it. */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_PHOTOS_DIR = resolve(REPO_ROOT, '../shared/photos');

/** The issue's scale target: a million 256-d segment embeddings in a few hundred classes. */
export const CLUSTER_SCALE = { n: 1_000_000, classes: 300, dim: 256 } as const;

export interface PerformanceBenchOptions {
  folders: { label: string; dir: string }[];
  /** Synthetic pizzas generated into a scratch folder and benchmarked first (0 for none). */
  count: number;
  seed: number;
  preset: AmgPresetName;
  pointsPerSide: number | null;
  model: string;
  device: DeviceChoice;
  /** onnxruntime intra-op threads of the main thread's sessions (the decoder's). */
  threads: number;
  prefetch: number;
  /** Encode the next image in a worker thread (the app's default); false: in process. */
  encodeAhead: boolean;
  /** AMG worker threads of the pipeline; null: the segmenter's default (defaultAmgWorkersFor). */
  amgWorkers: number | null;
  /**
   * Also run the first folder strictly sequentially (prefetch 0), with decoding ahead only, and with
   * encode-ahead (worker) at two thread splits, to measure what each gains.
   */
  sequentialBaseline: boolean;
  /** Images of the memory check (small synthetic pizzas, a sparse grid); 0 = no memory check. */
  memoryImages: number;
  memoryPointsPerSide: number;
  peer: boolean;
  clusterScale: boolean;
  clusterN: number;
  clusterClasses: number;
  /** Also run SAM's exact generator and the pruned one on the first folder (prune-compare.ts). */
  comparePruned: boolean;
}

/** Alternating rounds of the pipelining comparison (best of each setup is kept). */
export const PIPELINING_ROUNDS = 2;

/**
 * The memory check's images: small, so 1,000 of them take minutes. The encoder's cost does not
 * depend on the photo's size (every image is resized to the 1024 frame), the rest scales down.
 */
export const MEMORY_CHECK_SIZE = { width: 320, height: 240 } as const;
/** A 4x4 grid: 16 prompts per image, enough to produce and store a few segments each. */
export const MEMORY_CHECK_POINTS_PER_SIDE = 4;

export type { PipeliningResult };

export interface PerformanceBenchResult {
  machine: { cores: number; cpu: string; totalMemoryMB: number; loadAverageStart: number[]; loadAverageEnd: number[]; node: string };
  model: { id: string; provider: string; decoder: string; threads: number; encoderWorkerThreads: number | null; loadSeconds: number };
  settings: { preset: AmgPresetName; pointsPerSide: number | null; prefetch: number; encodeAhead: boolean; amgWorkers: number };
  folders: (FolderRunResult & { perImage: ReturnType<typeof perImage>; promptsPerImage: number; oursShare: number })[];
  pipelining: PipeliningResult | null;
  memoryCheck: MemoryCheckResult | null;
  peer: PeerResult | null;
  prunedComparison: PruneComparisonRow[] | null;
  clusterScale: (ClusterBenchResult & { seconds: number; peakRssSampledMB: number }) | null;
  processPeakRssMB: number;
  totalSeconds: number;
}

export async function runPerformanceBench(
  o: PerformanceBenchOptions,
  log: (line: string) => void = () => {},
): Promise<PerformanceBenchResult> {
  const started = performance.now();
  const loadAverageStart = loadavg();
  const scratch = mkdtempSync(join(tmpdir(), 'samantic-bench-'));
  const split = encodeAheadThreads();
  try {
    const folders = [...o.folders];
    if (o.count > 0) {
      const dir = join(scratch, 'pizzas');
      log(`generating ${o.count} synthetic pizzas (seed ${o.seed})`);
      await writePizzaFolder(dir, { count: o.count, seed: o.seed });
      folders.unshift({ label: `pizzas (${o.count})`, dir });
    }
    for (const f of folders) {
      if (!existsSync(f.dir))
        throw new SamanticError('folder-missing', `Benchmark folder '${f.dir}' does not exist; pass an existing folder with --folder.`);
    }
    const memoryDir = join(scratch, 'memory-pizzas');
    if (o.memoryImages > 0) {
      const { width, height } = MEMORY_CHECK_SIZE;
      log(`generating ${o.memoryImages} ${width}x${height} synthetic pizzas for the memory check`);
      await writePizzaFolder(memoryDir, { count: o.memoryImages, seed: o.seed + 1, width, height });
    }

    let t0 = performance.now();
    const warn = (m: string) => log(`warning: ${m}`);
    // With encode-ahead the worker holds its own encoder session: the main model's encoder is only
    // checked at load and re-created if the worker cannot start, so it is never held twice.
    const model = await loadModel(o.model, {
      device: o.device,
      intraOpNumThreads: o.threads,
      onWarning: warn,
      encoderOnDemand: o.encodeAhead,
    });
    const loadSeconds = (performance.now() - t0) / 1000;
    const worker = { intraOpNumThreads: split.encoder };
    const segmenter = new OnnxSegmenter(model, {
      encodeAhead: o.encodeAhead,
      worker,
      onWarning: warn,
      ...(o.amgWorkers === null ? {} : { amgWorkers: o.amgWorkers }),
    });
    const amg: Partial<AmgOptions> = { ...AMG_PRESETS[o.preset], ...(o.pointsPerSide ? { pointsPerSide: o.pointsPerSide } : {}) };
    log(
      `model ${model.descriptor.id} on ${model.provider}, ${o.threads} threads` +
        `${o.encodeAhead ? ` + encoder worker with ${split.encoder}` : ''}, loaded in ${loadSeconds.toFixed(2)} s`,
    );
    // Extra setups of the pipelining comparison, closed at the end.
    const extra: { segmenter: OnnxSegmenter; model: SamModel | null }[] = [];

    try {
      await warmUp([...folders, { dir: memoryDir }], segmenter);
      const results: PerformanceBenchResult['folders'] = [];
      let k = 0;
      for (const f of folders) {
        log(`folder ${f.label}: ${f.dir}`);
        const r = await runFolder({
          label: f.label,
          folder: f.dir,
          projectFile: scratchProject(scratch, f.label, k++),
          segmenter,
          amg,
          prefetch: o.prefetch,
          log,
        });
        const per = perImage(r);
        results.push({ ...r, perImage: per, promptsPerImage: per.promptsPerImage, oursShare: per.oursShare });
      }

      let pipelining: PipeliningResult | null = null;
      if (o.sequentialBaseline && folders.length > 0) {
        const depth = Math.max(1, o.prefetch);
        const plain = new OnnxSegmenter(model, { encodeAhead: false });
        const ahead = new OnnxSegmenter(model, { worker, onWarning: warn });
        extra.push({ segmenter: plain, model: null }, { segmenter: ahead, model: null });
        const base = { decoderThreads: o.threads };
        const setups: PipeliningSetup[] = [
          { ...base, name: 'sequential', prefetch: 0, segmenter: plain, encodeAhead: false, encoderThreads: null },
          { ...base, name: 'decode ahead', prefetch: depth, segmenter: plain, encodeAhead: false, encoderThreads: null },
          { ...base, name: 'encode ahead (worker)', prefetch: depth, segmenter: ahead, encodeAhead: true, encoderThreads: split.encoder },
        ];
        if (split.decoder !== o.threads) {
          // The same with the cores split between the two sessions instead of shared, and its
          // sequential twin: fewer decoder threads alone can change the speed (a loaded machine).
          const splitModel = await loadModel(o.model, { device: o.device, intraOpNumThreads: split.decoder, onWarning: warn });
          const splitPlain = new OnnxSegmenter(splitModel, { encodeAhead: false });
          const s = new OnnxSegmenter(splitModel, { worker, onWarning: warn });
          extra.push({ segmenter: splitPlain, model: null }, { segmenter: s, model: splitModel });
          const d = { decoderThreads: split.decoder };
          setups.push(
            {
              ...d,
              name: `sequential, ${split.decoder} thread(s)`,
              prefetch: 0,
              segmenter: splitPlain,
              encodeAhead: false,
              encoderThreads: null,
            },
            { ...d, name: 'encode ahead, cores split', prefetch: depth, segmenter: s, encodeAhead: true, encoderThreads: split.encoder },
          );
        }
        for (const e of extra) await warmUp(folders, e.segmenter);
        pipelining = await comparePipelining(folders[0], scratch, setups, amg, PIPELINING_ROUNDS, log);
      }

      let memoryCheck: MemoryCheckResult | null = null;
      if (o.memoryImages > 0) memoryCheck = await runMemoryCheck(o, memoryDir, scratchProject(scratch, 'memory', k++), segmenter, amg, log);

      // Before the peer comparison, which holds ~800 MB of recorded decoder outputs.
      const processPeak = processPeakRssMB();
      const peer = o.peer ? await runPeerComparison(DEFAULT_PHOTOS_DIR, model, log) : null;

      let prunedComparison: PruneComparisonRow[] | null = null;
      if (o.comparePruned && folders.length > 0) {
        log(`SAM's generator against the pruned one on ${folders[0].label}`);
        const pps = o.pointsPerSide ? { pointsPerSide: o.pointsPerSide } : {};
        prunedComparison = await runPruneComparison(folders[0].dir, model, pps, log);
      }

      let clusterScale: PerformanceBenchResult['clusterScale'] = null;
      if (o.clusterScale) {
        log(`clustering ${o.clusterN.toLocaleString('en')} x ${CLUSTER_SCALE.dim}-d synthetic embeddings, ${o.clusterClasses} classes`);
        const sampler = new MemorySampler();
        sampler.start();
        t0 = performance.now();
        const r = await benchClustering({ n: o.clusterN, classes: o.clusterClasses, dim: CLUSTER_SCALE.dim });
        const seconds = (performance.now() - t0) / 1000;
        clusterScale = { ...r, seconds, peakRssSampledMB: sampler.stop().peakRssMB };
      }
      return {
        machine: {
          cores: availableParallelism(),
          cpu: cpus()[0]?.model ?? 'unknown',
          totalMemoryMB: Math.round(totalmem() / 1024 / 1024),
          loadAverageStart,
          loadAverageEnd: loadavg(),
          node: process.version,
        },
        model: {
          id: model.descriptor.id,
          provider: model.provider,
          decoder: model.decoder.id,
          threads: o.threads,
          encoderWorkerThreads: segmenter.encodeAheadEnabled ? split.encoder : null,
          loadSeconds,
        },
        // Whether images were really encoded ahead: false also where the worker could not start.
        settings: {
          preset: o.preset,
          pointsPerSide: (amg.pointsPerSide as number | null) ?? null,
          prefetch: o.prefetch,
          encodeAhead: segmenter.encodeAheadEnabled,
          amgWorkers: segmenter.amgWorkerCount,
        },
        folders: results,
        pipelining,
        memoryCheck,
        peer,
        prunedComparison,
        clusterScale,
        processPeakRssMB: processPeak,
        totalSeconds: (performance.now() - started) / 1000,
      };
    } finally {
      for (const e of extra) {
        if (e.model) await e.segmenter.close();
        else await e.segmenter.stopEncodeAhead();
      }
      await segmenter.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The issue's "memory stays flat over a 1,000-image folder": one pass over many small images with
 * a sparse grid, rss and heap sampled after every image (the store streams results to disk; nothing
 * of an image should outlive its commit).
 */
async function runMemoryCheck(
  o: PerformanceBenchOptions,
  dir: string,
  projectFile: string,
  segmenter: OnnxSegmenter,
  amg: Partial<AmgOptions>,
  log: (line: string) => void,
): Promise<MemoryCheckResult> {
  const label = `memory check (${o.memoryImages})`;
  log(`${label}: ${dir}, ${o.memoryPointsPerSide} points per side`);
  const r = await runFolder({
    label,
    folder: dir,
    projectFile,
    segmenter,
    amg: { ...amg, pointsPerSide: o.memoryPointsPerSide },
    prefetch: o.prefetch,
    reopen: false,
    log: (line) => {
      if (/ (1|\d*00)\/\d+ /.test(line)) log(line);
    },
  });
  return {
    images: r.images,
    failed: r.failed,
    ...MEMORY_CHECK_SIZE,
    pointsPerSide: o.memoryPointsPerSide,
    processSeconds: r.processSeconds,
    imagesPerMinute: r.processSeconds > 0 ? (60 * r.images) / r.processSeconds : 0,
    ...memoryCheckFigures(r.memory),
    peakRssMB: r.peakRssMB,
  };
}

/**
 * One throwaway segmentation (a 2x2 grid on the first image) before anything is timed, so that
 * first-call costs (JIT, onnxruntime's first runs, sharp's start, the encoder worker's start) land
 * in no figure.
 */
async function warmUp(folders: { dir: string }[], segmenter: OnnxSegmenter): Promise<void> {
  const dir = folders.find((f) => existsSync(f.dir))?.dir;
  const first = dir ? (await listImageFiles(dir))[0] : undefined;
  if (!first) return;
  const { image } = await loadImage(first);
  const ahead = await segmenter.encodeFull(image);
  await segmenter.segment(ahead?.image ?? image, { amg: { pointsPerSide: 2 }, cached: null });
}

export function parsePerformanceArgs(argv: string[]): PerformanceBenchOptions & { json: boolean; quiet: boolean } {
  const parsed = parseCommandArgs(argv, {
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    folder: { type: 'string', multiple: true },
    count: { type: 'string' },
    seed: { type: 'string' },
    preset: { type: 'string' },
    'points-per-side': { type: 'string' },
    model: { type: 'string' },
    device: { type: 'string' },
    threads: { type: 'string' },
    prefetch: { type: 'string' },
    'sequential-baseline': { type: 'boolean' },
    'skip-peer': { type: 'boolean' },
    'skip-cluster-scale': { type: 'boolean' },
    'cluster-n': { type: 'string' },
    'cluster-classes': { type: 'string' },
    'encode-ahead': { type: 'string' },
    'memory-images': { type: 'string' },
    'memory-points-per-side': { type: 'string' },
    'memory-only': { type: 'boolean' },
    'amg-workers': { type: 'string' },
    'compare-pruned': { type: 'boolean' },
  });
  const { values: v, positionals } = parsed;
  if (v.preset !== undefined && !(v.preset in AMG_PRESETS)) {
    throw new SamanticError('invalid-argument', `--preset must be one of ${Object.keys(AMG_PRESETS).join(', ')}, got '${v.preset}'.`);
  }
  if (v['encode-ahead'] !== undefined && v['encode-ahead'] !== 'on' && v['encode-ahead'] !== 'off') {
    throw new SamanticError('invalid-argument', `--encode-ahead must be on or off, got '${v['encode-ahead']}'.`);
  }
  const given = [...(v.folder ?? []), ...positionals].map((d) => resolve(d));
  const folders =
    given.length > 0
      ? given.map((dir) => ({ label: dir.split(/[\\/]/).pop() || dir, dir }))
      : [{ label: 'shared photos', dir: DEFAULT_PHOTOS_DIR }];
  const memoryImages = intFlag('memory-images', v['memory-images'], 0, 0);
  // --memory-only: the memory check and nothing else, so 1,000 images take minutes.
  const only = v['memory-only'] ?? false;
  if (only && memoryImages === 0) throw new SamanticError('invalid-argument', '--memory-only needs --memory-images N (e.g. 1000).');
  return {
    json: v.json ?? false,
    quiet: v.quiet ?? false,
    folders: only ? [] : folders,
    count: only ? 0 : intFlag('count', v.count, 6, 0),
    seed: intFlag('seed', v.seed, 1),
    preset: (v.preset ?? 'sam') as AmgPresetName,
    pointsPerSide: v['points-per-side'] === undefined ? null : intFlag('points-per-side', v['points-per-side'], 32),
    model: v.model ?? 'test-sam',
    device: (v.device ?? 'cpu') as DeviceChoice,
    threads: intFlag('threads', v.threads, availableParallelism(), 0),
    prefetch: checkPrefetchDepth(intFlag('prefetch', v.prefetch, DEFAULT_PREFETCH_DEPTH, 0)),
    encodeAhead: v['encode-ahead'] !== 'off',
    amgWorkers: v['amg-workers'] === undefined ? null : intFlag('amg-workers', v['amg-workers'], 0, 0),
    sequentialBaseline: !only && (v['sequential-baseline'] ?? false),
    memoryImages,
    memoryPointsPerSide: intFlag('memory-points-per-side', v['memory-points-per-side'], MEMORY_CHECK_POINTS_PER_SIDE),
    peer: !only && !(v['skip-peer'] ?? false),
    clusterScale: !only && !(v['skip-cluster-scale'] ?? false),
    clusterN: intFlag('cluster-n', v['cluster-n'], CLUSTER_SCALE.n),
    clusterClasses: intFlag('cluster-classes', v['cluster-classes'], CLUSTER_SCALE.classes),
    comparePruned: !only && (v['compare-pruned'] ?? false),
  };
}
