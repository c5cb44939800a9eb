// Worker threads for the generator's per-batch work on low-res predictions (worker.ts): the main
// thread keeps decoding prompts while up to `count` batches are filtered at once, and gets back
// boxes, scores and cuts; RLE is made later on the main thread, for the masks NMS keeps. Results are
// exactly those of processBatch in process (same code, same float arithmetic).
//
// A worker that fails a batch fails that batch's image (the generator's caller marks it failed); a
// worker that dies takes the pool down with it (alive = false), and the generator then works in
// process: nothing is retried on a thread that crashed.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { SamanticError } from '../errors';
import type { BoxXYXY, Rle } from '../types';
import { locateWorkerFile, spawnWorker, waitUntilReady } from '../workers/boot';
import { ThreadRequests } from '../workers/requests';
import type { BatchWorkers, CropContext, PendingColumns } from './batch';
import { MaskData } from './mask-data';
import type { CutMask } from './sparse/classify';
import { encodeCut, type LowResPredictionBatch, type TileLayout } from './sparse';

export type ToAmgWorker =
  | { kind: 'batch'; id: number; low: LowResPredictionBatch; points: Float64Array; ctx: CropContext; cropW: number; cropH: number }
  | { kind: 'stop' };

export type FromAmgWorker =
  | { kind: 'ready' }
  | { kind: 'startup-failed'; message: string }
  /** Per kept mask: boxes (4 each), kept = iouPred, stability, point x, point y; its cut. */
  | { kind: 'done'; id: number; boxes: Float64Array; kept: Float64Array; cuts: PackedCuts }
  | { kind: 'failed'; id: number; message: string };

/**
 * The cuts (sparse-classify.ts CutMask) of a batch's kept masks, packed: mask i has t[i] (NaN for an
 * empty mask, no cut) and row0[i], its state from index[2i] to index[2i + 2] and its bits from
 * index[2i + 1] to index[2i + 3]; rowBytes is the layout's.
 */
export interface PackedCuts {
  t: Float64Array;
  row0: Int32Array;
  rowBytes: number;
  index: Int32Array;
  state: Uint8Array;
  bits: Uint8Array;
}

function unpackCut(p: PackedCuts, i: number): CutMask | null {
  const t = p.t[i];
  if (Number.isNaN(t)) return null;
  return {
    t,
    row0: p.row0[i],
    state: p.state.subarray(p.index[2 * i], p.index[2 * i + 2]),
    rowBytes: p.rowBytes,
    bits: p.bits.subarray(p.index[2 * i + 1], p.index[2 * i + 3]),
  };
}

/** Worker entry files, relative to this module: sources first, then the built bundle's entry. */
const WORKER_CANDIDATES = ['./worker.ts', './amg-worker.js', '../amg-worker.js'];

/** A pool that cannot start within this long is given up (the generator works in process). */
export const AMG_WORKER_START_TIMEOUT_MS = 30_000;

/**
 * Number of AMG workers where cores are free for them: one per core beside the main thread, at
 * most 4 (a batch of 64 prompts holds ~50 MB of low-res maps in flight), at least 1.
 */
export function defaultAmgWorkers(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

/**
 * The pipeline's default: none when the decoder runs on the CPU, whose onnxruntime threads already
 * take the cores: measured on 2 cores (test-sam, 6 pizzas, 32 points per side, runs interleaved),
 * one AMG worker took post-processing off the critical path (~0.95 s -> ~0.17 s per image) but the
 * decoder slowed by about as much: 10.6 and 11.8 s per image with it, 11.1 and 11.6 s without.
 * defaultAmgWorkers() when the decoder runs on an accelerator and the cores would otherwise wait.
 */
export function defaultAmgWorkersFor(provider: string, cores: number = availableParallelism()): number {
  return provider === 'cpu' ? 0 : defaultAmgWorkers(cores);
}

interface Job {
  layout: TileLayout;
  ctx: CropContext;
  resolve: (d: MaskData<PendingColumns>) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  jobs: ThreadRequests<Job>;
}

export class AmgWorkerPool implements BatchWorkers {
  private dead: string | null = null;
  private stopped = false;
  /** Batches post-processed by the workers. */
  batches = 0;

  private constructor(private readonly slots: Slot[]) {
    for (const slot of slots) {
      let lastError = '';
      slot.worker.on('message', (m: FromAmgWorker) => this.onMessage(slot, m));
      slot.worker.on('error', (err) => (lastError = err instanceof Error ? err.message : String(err)));
      slot.worker.on('exit', (code) => this.onExit(slot, code, lastError));
      slot.worker.unref();
    }
  }

  /** Starts `count` workers; rejects (with every worker gone) if any cannot start. */
  static async start(
    count: number = defaultAmgWorkers(),
    options: { workerUrl?: URL; startTimeoutMs?: number } = {},
  ): Promise<AmgWorkerPool> {
    if (!Number.isInteger(count) || count < 1)
      throw new SamanticError('invalid-argument', `AMG workers: ${count} is not a positive whole number.`);
    const url = options.workerUrl ?? locateWorkerFile(WORKER_CANDIDATES, import.meta.url);
    if (!url)
      throw new SamanticError(
        'internal',
        `the AMG worker file was not found beside ${fileURLToPath(import.meta.url)} (looked for ${WORKER_CANDIDATES.join(', ')}).`,
      );
    const timeoutMs = options.startTimeoutMs ?? AMG_WORKER_START_TIMEOUT_MS;
    const workers = Array.from({ length: count }, () => spawnWorker(url, null));
    const started = await Promise.allSettled(workers.map((w) => waitUntilReady(w, timeoutMs)));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      for (const w of workers) {
        w.on('error', () => {});
        void w.terminate();
      }
      throw new SamanticError('internal', `the AMG worker (${url.pathname}) could not start: ${(failed as PromiseRejectedResult).reason}`);
    }
    return new AmgWorkerPool(workers.map((worker) => ({ worker, jobs: new ThreadRequests<Job>(worker, 'an AMG worker') })));
  }

  /** Worker threads in the pool. */
  get size(): number {
    return this.slots.length;
  }

  get alive(): boolean {
    return this.dead === null && !this.stopped;
  }

  /** Two batches per worker: one being filtered, one waiting, so no worker idles between batches. */
  get capacity(): number {
    return 2 * this.slots.length;
  }

  process(low: LowResPredictionBatch, points: Float64Array, ctx: CropContext, layout: TileLayout): Promise<MaskData<PendingColumns>> {
    if (!this.alive) return Promise.reject(new SamanticError('internal', `the AMG workers are not running (${this.dead ?? 'stopped'}).`));
    const slot = this.slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
    // Transfer moves whole ArrayBuffers: views into a larger buffer are copied instead.
    const own = (a: Float32Array) =>
      a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
    const batch: LowResPredictionBatch = { ...low, lowRes: own(low.lowRes), iou: own(low.iou) };
    const { outW: cropW, outH: cropH } = layout.geometry;
    return new Promise((resolve, reject) => {
      const message = (id: number): ToAmgWorker => ({ kind: 'batch', id, low: batch, points, ctx, cropW, cropH });
      try {
        slot.jobs.send({ layout, ctx, resolve, reject }, message, [batch.lowRes.buffer as ArrayBuffer, batch.iou.buffer as ArrayBuffer]);
      } catch (err) {
        reject(err);
      }
    });
  }

  private onMessage(slot: Slot, m: FromAmgWorker): void {
    if (m.kind === 'done') {
      const job = slot.jobs.take(m.id);
      if (!job) return;
      this.batches++;
      job.resolve(pendingColumns(m, job));
    } else if (m.kind === 'failed') {
      slot.jobs.take(m.id)?.reject(new SamanticError('internal', `an AMG worker failed on a batch of this image: ${m.message}`));
    }
  }

  private onExit(slot: Slot, code: number, lastError: string): void {
    if (!this.stopped && this.dead === null) this.dead = `a worker exited with code ${code}${lastError ? `: ${lastError}` : ''}`;
    for (const job of slot.jobs.drain()) {
      job.reject(
        new SamanticError(
          'internal',
          `an AMG worker thread stopped while filtering this image's masks (${this.dead ?? 'stopped'}); process the image again.`,
        ),
      );
    }
  }

  /** Ends every worker (a batch in hand is finished first: it is short). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.worker.once('exit', () => resolve());
            s.worker.ref();
            s.worker.postMessage({ kind: 'stop' } satisfies ToAmgWorker);
          }),
      ),
    );
  }
}

/** A worker's reply as the columns processBatch returns, RLE deferred to encodeCut. */
function pendingColumns(m: Extract<FromAmgWorker, { kind: 'done' }>, job: Job): MaskData<PendingColumns> {
  const { cropBox, origW, origH } = job.ctx;
  const n = m.cuts.t.length;
  const boxes: BoxXYXY[] = [];
  const iouPreds: number[] = [];
  const stability: number[] = [];
  const points: [number, number][] = [];
  const encode: (() => Rle)[] = [];
  for (let i = 0; i < n; i++) {
    const box: BoxXYXY = [m.boxes[4 * i], m.boxes[4 * i + 1], m.boxes[4 * i + 2], m.boxes[4 * i + 3]];
    boxes.push(box);
    iouPreds.push(m.kept[4 * i]);
    stability.push(m.kept[4 * i + 1]);
    points.push([m.kept[4 * i + 2], m.kept[4 * i + 3]]);
    const cut = unpackCut(m.cuts, i);
    encode.push(() => encodeCut(cut, job.layout, box, cropBox[0], cropBox[1], origW, origH));
  }
  return new MaskData({ boxes, iouPreds, points, stability, encode });
}
