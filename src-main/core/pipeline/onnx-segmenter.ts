// The ONNX implementation of Segmenter: SAM's AMG driven by an OnnxPredictor, with the full-image
// embedding taken from the cache when there is one (crops, if the preset uses them, are encoded).
// The AMG gets the decoder's low-res logits (sparse path, amg/sparse.ts) unless told otherwise.
// It offers EncodeAhead (prefetch.ts) through an encoder worker thread (model/encoder-worker.ts):
// onnxruntime-node runs session.run synchronously on the calling thread, so only a session on
// another thread can encode the next image while this one's prompts are decoded. Where the worker
// cannot start, or crashes twice, images are encoded in process as before (with a warning).
// Where the decoder runs on an accelerator, the AMG's per-batch work on the low-res maps runs in
// worker threads too (amg/worker-pool.ts), beside the decoder's next batch; on the CPU, where the
// decoder's threads take the cores, and where they cannot start or one dies, it runs in process.
import { generateMasks } from '../amg/generator';
import { AmgWorkerPool, defaultAmgWorkersFor } from '../amg/worker-pool';
import { SamanticError } from '../errors';
import type { LowResMaskPredictor, LowResPredictionBatch } from '../amg/sparse';
import { predictLowResWith } from '../model/low-res-predictor';
import { OnnxPredictor } from '../model/predictor';
import type { SamModel } from '../model/runtime';
import { embeddingCacheVersion } from '../model/descriptor';
import { EncoderWorker, type EncoderWorkerOptions } from '../model/encoder-worker-client';
import type { ImageEmbedding, PredictionBatch, RgbImage } from '../types';
import type { EncodeAhead, EncodedAhead } from './prefetch';
import type { SegmentOptions, SegmentResult, Segmenter } from './segmenter';

/**
 * Wraps the predictor for one image: the AMG's crop 0 is always the whole image, so a setImage of
 * the full size is served from the cache (or encoded once and remembered for segment vectors).
 */
class ImagePredictor implements LowResMaskPredictor {
  fullEmbedding: ImageEmbedding | null;
  encoded = false;
  encodeMs = 0;
  decodeMs = 0;
  /** Point prompts sent to the decoder (one decoder run each with an unbatched decoder). */
  prompts = 0;

  constructor(
    private readonly inner: OnnxPredictor,
    private readonly full: RgbImage,
    cached: ImageEmbedding | null,
  ) {
    this.fullEmbedding = cached;
  }

  isFull(image: RgbImage): boolean {
    return image.width === this.full.width && image.height === this.full.height;
  }

  async setImage(image: RgbImage): Promise<void> {
    if (this.isFull(image) && this.fullEmbedding) {
      this.inner.setEmbedding(this.fullEmbedding);
      return;
    }
    const t = performance.now();
    await this.inner.setImage(image);
    this.encodeMs += performance.now() - t;
    if (this.isFull(image)) {
      this.fullEmbedding = this.inner.embedding;
      this.encoded = true;
    }
  }

  async predict(points: Float64Array): Promise<PredictionBatch> {
    const t = performance.now();
    const r = await this.inner.predict(points);
    this.decodeMs += performance.now() - t;
    this.prompts += points.length / 2;
    return r;
  }

  async predictLowRes(points: Float64Array): Promise<LowResPredictionBatch> {
    const t = performance.now();
    const r = await predictLowResWith(this.inner, points);
    this.decodeMs += performance.now() - t;
    this.prompts += points.length / 2;
    return r;
  }
}

/** After this many worker crashes a segmenter stops starting new workers and encodes in process. */
export const MAX_ENCODER_WORKER_CRASHES = 2;

export interface OnnxSegmenterOptions {
  /**
   * Encode the next image in a worker thread while this one is segmented (default true). Costs a
   * second copy of the encoder's weights in memory (the worker's session).
   */
  encodeAhead?: boolean;
  worker?: EncoderWorkerOptions;
  /**
   * Worker threads for the AMG's per-batch work on low-res maps; 0 runs it in process. Default
   * defaultAmgWorkersFor(provider): none on the CPU, else the cores beside the main thread (1-4).
   */
  amgWorkers?: number;
  /** Notes for the user's log (worker could not start, crashed). Default: console.warn. */
  onWarning?: (message: string) => void;
}

export class OnnxSegmenter implements Segmenter, EncodeAhead {
  readonly preprocessVersion: string;
  private readonly predictor: OnnxPredictor;
  private worker: EncoderWorker | null = null;
  private starting: Promise<EncoderWorker | null> | null = null;
  /** Set when the worker cannot be used any more: encodeFull then answers null. */
  private workerOff: string | null = null;
  private crashes = 0;
  /** Images encoded by encoder workers so far (all of this segmenter's workers together). */
  private workerEncodesBefore = 0;
  private amgPool: AmgWorkerPool | null = null;
  private amgStarting: Promise<AmgWorkerPool | null> | null = null;
  private readonly amgWorkers: number;
  /** Set when AMG workers are not used (off, could not start, one died, closed). */
  private amgOff: string | null = null;

  constructor(
    private readonly model: SamModel,
    private readonly options: OnnxSegmenterOptions = {},
  ) {
    this.predictor = new OnnxPredictor(model);
    this.preprocessVersion = embeddingCacheVersion(model.descriptor);
    if (options.encodeAhead === false) this.workerOff = 'encode-ahead is off';
    this.amgWorkers = options.amgWorkers ?? defaultAmgWorkersFor(model.provider);
    if (this.amgWorkers === 0) this.amgOff = 'AMG workers are off';
  }

  /** Ends the AMG workers (after the batch in hand); the next segment() starts new ones. */
  async stopAmgWorkers(): Promise<void> {
    const pool = this.amgPool ?? (this.amgStarting ? await this.amgStarting : null);
    this.amgPool = null;
    this.amgStarting = null;
    if (pool) await pool.stop();
  }

  /** Batches of prompts filtered by AMG worker threads so far. */
  get amgWorkerBatches(): number {
    return this.amgPool?.batches ?? 0;
  }

  /** AMG worker threads in use (or to be started on first use); 0 when they are off or unusable. */
  get amgWorkerCount(): number {
    return this.amgOff === null ? this.amgWorkers : 0;
  }

  /** The AMG workers, started on first use; null where they are off or cannot be used. */
  private async ensureAmgPool(): Promise<AmgWorkerPool | null> {
    if (this.amgOff) return null;
    if (this.amgPool?.alive) return this.amgPool;
    if (this.amgPool) {
      // A worker died (the image it held failed): no more threads for this segmenter.
      this.amgPool = null;
      this.amgOff = 'an AMG worker thread stopped unexpectedly';
      this.warn(`${this.amgOff}; post-processing masks in process from now on.`);
      return null;
    }
    this.amgStarting ??= AmgWorkerPool.start(this.amgWorkers).then(
      (p) => p,
      (err: unknown) => {
        this.amgOff = err instanceof Error ? err.message : String(err);
        this.warn(`${this.amgOff}; post-processing masks in process instead.`);
        return null;
      },
    );
    this.amgPool = await this.amgStarting;
    return this.amgPool;
  }

  private warn(message: string): void {
    (this.options.onWarning ?? ((m: string) => console.warn(`samantic: ${m}`)))(message);
  }

  /** Whether encodeFull will use a worker (false once it is off, could not start or crashed too often). */
  get encodeAheadEnabled(): boolean {
    return this.workerOff === null;
  }

  /** Whether an encoder worker thread is running now. */
  get workerRunning(): boolean {
    return this.worker?.alive === true;
  }

  /** Images encoded off the JavaScript thread by this segmenter's workers. */
  get workerEncodes(): number {
    return this.workerEncodesBefore + (this.worker?.encodes ?? 0);
  }

  private async ensureWorker(): Promise<EncoderWorker | null> {
    if (this.workerOff) return null;
    if (this.worker?.alive) return this.worker;
    if (this.worker) this.retire();
    this.starting ??= EncoderWorker.start(this.model, this.options.worker).then(
      (w) => w,
      (err: unknown) => {
        this.workerOff = err instanceof Error ? err.message : String(err);
        this.warn(`${this.workerOff}; encoding in process instead (images are not encoded ahead).`);
        return null;
      },
    );
    try {
      const w = await this.starting;
      this.worker = w;
      return w;
    } finally {
      this.starting = null;
    }
  }

  private retire(): void {
    this.workerEncodesBefore += this.worker?.encodes ?? 0;
    this.worker = null;
  }

  /**
   * EncodeAhead: the full image's embedding from the worker, or null where no worker is available
   * (the image is then encoded in segment(), in process). A crash fails this image only: the next
   * call starts a fresh worker, up to MAX_ENCODER_WORKER_CRASHES.
   */
  async encodeFull(image: RgbImage): Promise<EncodedAhead | null> {
    const w = await this.ensureWorker();
    if (!w) return null;
    try {
      return await w.encode(image);
    } catch (err) {
      if (!w.alive && !(err instanceof SamanticError && err.code === 'cancelled')) {
        this.crashes++;
        if (this.crashes >= MAX_ENCODER_WORKER_CRASHES) {
          this.workerOff = `the encoder worker crashed ${this.crashes} times`;
          this.warn(`${this.workerOff}; encoding in process from now on.`);
        }
      }
      throw err;
    }
  }

  /**
   * Stops the worker (cancel, close): an encode in flight rejects as cancelled at once; resolves
   * when the thread has ended (after the native run in hand, if any).
   */
  async stopEncodeAhead(): Promise<void> {
    const w = this.worker;
    const pending = this.starting;
    this.retire();
    if (w) await w.stop();
    // A worker still starting is stopped as soon as it is up; the next encodeFull starts a new one.
    const late = pending ? await pending : null;
    if (late) await late.stop();
  }

  get modelId(): string {
    return this.model.descriptor.id;
  }

  get provider(): string {
    return this.model.provider;
  }

  async segment(image: RgbImage, options: SegmentOptions): Promise<SegmentResult> {
    const p = new ImagePredictor(this.predictor, image, options.cached);
    const t = performance.now();
    // Encode the full image up front (or take the cache) so the embedding exists even when the AMG
    // finds nothing; the AMG's own setImage of crop 0 then costs nothing.
    await p.setImage(image);
    const workers = options.amg.useLowResLogits !== false ? await this.ensureAmgPool() : null;
    const masks = await generateMasks(image, p, options.amg, {
      signal: options.signal,
      workers: workers ?? undefined,
      onProgress: options.onAmgProgress ? (pr) => options.onAmgProgress?.(pr.pointsDone, pr.pointsTotal) : undefined,
    });
    const total = performance.now() - t;
    return {
      embedding: p.fullEmbedding as ImageEmbedding,
      encoded: p.encoded,
      masks,
      timings: { encodeMs: p.encodeMs, amgMs: total - p.encodeMs, decodeModelMs: p.decodeMs, decoderPrompts: p.prompts },
    };
  }

  async close(): Promise<void> {
    await this.stopEncodeAhead();
    this.workerOff = 'the segmenter is closed';
    await this.stopAmgWorkers();
    this.amgOff = 'the segmenter is closed';
    await this.model.release();
  }
}
