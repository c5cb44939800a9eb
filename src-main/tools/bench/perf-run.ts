// One folder through the real pipeline, as the service runs it (scan, process with prefetch,
// cluster), into a scratch project file, then the same folder reopened and processed again (the
// cache case). Figures only; nothing is asserted here.
import { join } from 'node:path';
import type { AmgOptions } from '../../core/amg/options';
import { loadImage } from '../../core/image/load';
import { processPendingImages, type PhaseTotals, type ProcessFolderResult } from '../../core/pipeline/process-folder';
import { scanFolder } from '../../core/pipeline/scan';
import type { Segmenter } from '../../core/pipeline/segmenter';
import { clusterProject } from '../../core/service/clustering';
import { ProjectStore } from '../../core/store/project-store';

const MB = 1024 * 1024;

/** Peak of process.memoryUsage() between start() and stop(), sampled on a timer and on demand. */
export class MemorySampler {
  peakRss = 0;
  peakHeap = 0;
  private timer: NodeJS.Timeout | null = null;

  /**
   * Samples every `intervalMs`. The model runs synchronously on the JavaScript thread, so timer
   * samples pause during a run; sample() is also called at every image for that reason, and the
   * kernel's true peak (process.resourceUsage().maxRSS) is reported beside it.
   */
  start(intervalMs = 50): void {
    this.peakRss = 0;
    this.peakHeap = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): { rssMB: number; heapMB: number } {
    const m = process.memoryUsage();
    if (m.rss > this.peakRss) this.peakRss = m.rss;
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed;
    return { rssMB: m.rss / MB, heapMB: m.heapUsed / MB };
  }

  stop(): { peakRssMB: number; peakHeapMB: number } {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return { peakRssMB: this.peakRss / MB, peakHeapMB: this.peakHeap / MB };
  }
}

/** Kernel-tracked peak resident memory of the whole process so far, MB. */
export function processPeakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface FolderRunSpec {
  label: string;
  folder: string;
  /** Scratch project file (never the photo folder's own .samantic). */
  projectFile: string;
  segmenter: Segmenter;
  amg: Partial<AmgOptions>;
  prefetch: number;
  /** Also reopen the folder and process it again (the cache case). Default true. */
  reopen?: boolean;
  log?: (line: string) => void;
}

export interface MemoryPoint {
  image: number;
  rssMB: number;
  heapMB: number;
}

export interface FolderRunResult {
  label: string;
  folder: string;
  images: number;
  failed: number;
  segments: number;
  classes: number;
  prefetch: number;
  scanSeconds: number;
  processSeconds: number;
  clusterSeconds: number;
  /** Scan + process + cluster: what a user waits for on a fresh folder. */
  firstRunSeconds: number;
  phases: PhaseTotals;
  /**
   * Image decode cost, ms per image, timed in a separate pass with nothing else running: in the
   * run itself decoding overlaps segmentation, and its measured latency includes waiting for the
   * busy JavaScript thread (PhaseTotals.decodeImageMs).
   */
  decodeCostMs: number;
  encoded: number;
  cacheHits: number;
  peakRssMB: number;
  peakHeapMB: number;
  /** rss / heap after each image (first, middle and last are printed). */
  memory: MemoryPoint[];
  reopen: null | {
    /** Open the project + scan + process (nothing pending) — what reopening a done folder costs. */
    seconds: number;
    encoded: number;
    processed: number;
    speedup: number;
  };
}

const since = (t0: number) => (performance.now() - t0) / 1000;

async function processOnce(
  spec: FolderRunSpec,
  store: ProjectStore,
  sampler: MemorySampler,
  memory: MemoryPoint[],
): Promise<ProcessFolderResult> {
  const log = spec.log ?? (() => {});
  return processPendingImages(store, spec.folder, spec.segmenter, {
    amg: spec.amg,
    prefetch: spec.prefetch,
    emit: (e) => {
      if (e.type !== 'image') return;
      const m = sampler.sample();
      memory.push({ image: e.done, rssMB: m.rssMB, heapMB: m.heapMB });
      log(
        `  ${spec.label} ${e.done}/${e.total} ${e.relPath}: ${e.status === 'failed' ? e.error : `${e.segments} segments`} (rss ${m.rssMB.toFixed(0)} MB)`,
      );
    },
  });
}

/** Mean time to decode the folder's processed images one after another, ms. */
async function timeDecoding(folder: string, projectFile: string): Promise<number> {
  const store = ProjectStore.open(projectFile, { create: false });
  const files = store.listImages({ status: 'done' }).map((i) => join(folder, i.relPath));
  store.close();
  const t0 = performance.now();
  for (const f of files) await loadImage(f);
  return files.length > 0 ? (performance.now() - t0) / files.length : 0;
}

export async function runFolder(spec: FolderRunSpec): Promise<FolderRunResult> {
  const sampler = new MemorySampler();
  const memory: MemoryPoint[] = [];
  sampler.start();
  let t0 = performance.now();
  const store = ProjectStore.open(spec.projectFile, { create: true });
  let first: ProcessFolderResult;
  let scanSeconds: number;
  let processSeconds: number;
  let clusterSeconds: number;
  let classes: number;
  try {
    await scanFolder(store, spec.folder);
    scanSeconds = since(t0);
    t0 = performance.now();
    first = await processOnce(spec, store, sampler, memory);
    processSeconds = since(t0);
    t0 = performance.now();
    classes = (await clusterProject(store, { mode: 'auto' })).classes;
    clusterSeconds = since(t0);
  } finally {
    store.close();
  }
  const mem = sampler.stop();
  const firstRunSeconds = scanSeconds + processSeconds + clusterSeconds;
  const decodeCostMs = await timeDecoding(spec.folder, spec.projectFile);

  let reopen: FolderRunResult['reopen'] = null;
  if (spec.reopen ?? true) {
    t0 = performance.now();
    const again = ProjectStore.open(spec.projectFile, { create: false });
    try {
      await scanFolder(again, spec.folder);
      const r = await processOnce({ ...spec, log: () => {} }, again, sampler, []);
      const seconds = since(t0);
      reopen = { seconds, encoded: r.encoded, processed: r.processed, speedup: firstRunSeconds / seconds };
    } finally {
      again.close();
    }
  }
  return {
    label: spec.label,
    folder: spec.folder,
    images: first.processed,
    failed: first.failed,
    segments: first.segments,
    classes,
    prefetch: spec.prefetch,
    scanSeconds,
    processSeconds,
    clusterSeconds,
    firstRunSeconds,
    phases: first.phases,
    decodeCostMs,
    encoded: first.encoded,
    cacheHits: first.cacheHits,
    peakRssMB: mem.peakRssMB,
    peakHeapMB: mem.peakHeapMB,
    memory,
    reopen,
  };
}

/** Per-image figures of a run, ms, with the model's share apart from Samantic's own. */
export function perImage(r: FolderRunResult) {
  const n = Math.max(1, r.images);
  const p = r.phases;
  const post = p.amgMs - p.decodeModelMs;
  const cluster = r.clusterSeconds * 1000;
  const row = {
    decodeImage: r.decodeCostMs,
    encode: p.encodeMs / n,
    /** Encoder worker latency, beside the previous image's segmentation (not added to MODEL). */
    encodeAhead: p.encodeAheadMs / n,
    decoderModel: p.decodeModelMs / n,
    postprocess: post / n,
    segmentEmbeddings: p.embedMs / n,
    clustering: cluster / n,
    database: p.dbMs / n,
    /** The segmenting loop waiting for the next prepared image (model idle). */
    wait: p.waitMs / n,
  };
  const samantic = row.decodeImage + row.postprocess + row.segmentEmbeddings + row.clustering + row.database;
  // The encoder's cost wherever it ran (segmenting thread or encode-ahead worker) plus the decoder's.
  const modelCost = row.encode + row.encodeAhead + row.decoderModel;
  return {
    ...row,
    model: row.encode + row.decoderModel,
    samantic,
    /** Point prompts the decoder ran on per image. */
    promptsPerImage: p.decoderPrompts / n,
    /** Samantic's own time over the model's (encoder wherever it ran + decoder) per image. */
    oursShare: modelCost > 0 ? samantic / modelCost : 0,
    wall: (r.firstRunSeconds * 1000) / n,
    imagesPerMinute: r.images > 0 ? (60 * r.images) / r.firstRunSeconds : 0,
  };
}

export function scratchProject(dir: string, label: string, k: number): string {
  return join(dir, `${k}-${label.replace(/[^a-z0-9]+/gi, '_')}.db`);
}

/** One way of feeding the model, for the pipelining comparison. */
export interface PipeliningSetup {
  name: string;
  prefetch: number;
  segmenter: Segmenter;
  encodeAhead: boolean;
  /** onnxruntime intra-op threads of the main thread's sessions (the decoder's). */
  decoderThreads: number;
  /** The encoder worker's threads; null without a worker. */
  encoderThreads: number | null;
}

export interface PipeliningVariant extends Omit<PipeliningSetup, 'segmenter'> {
  /** Best processing wall time (scan and clustering excluded), s. */
  seconds: number;
  /** The segmenting loop waiting for the next prepared image in that run, ms. */
  waitMs: number;
  /** Best sequential / this. */
  gain: number;
}

export interface PipeliningResult {
  label: string;
  images: number;
  rounds: number;
  variants: PipeliningVariant[];
}

/**
 * Fresh runs of one folder under each setup, alternating setups round by round and keeping the
 * best of each: on shared cores one run's noise is larger than the gains measured. The first
 * setup is the baseline of `gain`.
 */
export async function comparePipelining(
  f: { label: string; dir: string },
  scratch: string,
  setups: PipeliningSetup[],
  amg: Partial<AmgOptions>,
  rounds: number,
  log: (line: string) => void,
): Promise<PipeliningResult> {
  const best = setups.map(() => ({ seconds: Infinity, waitMs: 0 }));
  let images = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [i, s] of setups.entries()) {
      log(`pipelining round ${round + 1}/${rounds}: ${s.name} on ${f.label}`);
      const r = await runFolder({
        label: f.label,
        folder: f.dir,
        projectFile: scratchProject(scratch, `${f.label}-pipe${i}-${round}`, 0),
        segmenter: s.segmenter,
        amg,
        prefetch: s.prefetch,
        reopen: false,
      });
      images = r.images;
      if (r.processSeconds < best[i].seconds) best[i] = { seconds: r.processSeconds, waitMs: r.phases.waitMs };
    }
  }
  const variants = setups.map(({ segmenter: _, ...s }, i) => ({ ...s, ...best[i], gain: best[0].seconds / best[i].seconds }));
  return { label: f.label, images, rounds, variants };
}

export interface MemoryCheckResult {
  images: number;
  failed: number;
  width: number;
  height: number;
  pointsPerSide: number;
  processSeconds: number;
  imagesPerMinute: number;
  /** rss / heap after images 1, 100, 500 and the last (those that exist). */
  checkpoints: MemoryPoint[];
  /** Least-squares slope over the second half of the run, MB per 100 images: ~0 when flat. */
  rssSlopeMBPer100: number;
  heapSlopeMBPer100: number;
  minHeapMB: number;
  maxHeapMB: number;
  peakRssMB: number;
}

/** Slope of y over x by least squares (0 for fewer than two points). */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The memory figures of a long run from its per-image samples. */
export function memoryCheckFigures(
  memory: MemoryPoint[],
): Pick<MemoryCheckResult, 'checkpoints' | 'rssSlopeMBPer100' | 'heapSlopeMBPer100' | 'minHeapMB' | 'maxHeapMB'> {
  const last = memory.length;
  const wanted = [...new Set([1, 100, 500, last])].filter((i) => i >= 1 && i <= last);
  const checkpoints = wanted.map((i) => memory[i - 1]);
  const half = memory.slice(Math.floor(last / 2));
  const heaps = memory.map((m) => m.heapMB);
  return {
    checkpoints,
    rssSlopeMBPer100: 100 * slope(half.map((m) => ({ x: m.image, y: m.rssMB }))),
    heapSlopeMBPer100: 100 * slope(half.map((m) => ({ x: m.image, y: m.heapMB }))),
    minHeapMB: heaps.length ? Math.min(...heaps) : 0,
    maxHeapMB: heaps.length ? Math.max(...heaps) : 0,
  };
}
