// The main-thread side of the encoder worker (encoder-worker.ts): starts it beside a loaded
// SamModel, sends it images and gets embeddings back, bit for bit what model.encode() returns
// (same model file, same execution provider, same preprocess()).
//
// Where the worker file lives depends on how the code runs: as TypeScript sources (vitest, the CLI
// through tsx) the worker is encoder-worker.ts beside this file and is booted through tsx's loader;
// in the electron-vite build it is the main bundle's `encoder-worker.js` entry (see
// electron.vite.config.ts) one folder above the chunk holding this code. If neither is found, or
// the worker cannot start, start() rejects with a clear reason and the caller encodes in process.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
// sharp must be loaded by the main thread before any worker loads it: on glibc Linux libvips must
// stay mapped until every thread is done (sharp's documentation, "worker threads").
import 'sharp';
import { SamanticError } from '../errors';
import type { EmbeddingFeature, FrameTransform, ImageEmbedding, RgbImage } from '../types';
import { encoderInputSize, type EncoderFlavour, type EncoderResize, type TensorSpec } from './descriptor';
import type { Provider } from './providers';
import type { SamModel } from './runtime';
import { ThreadRequests } from '../workers/requests';
import { locateWorkerFile, spawnWorker, waitUntilReady } from '../workers/boot';

/** What the worker needs to build the same encoder session and preprocessing as runtime.ts. */
export interface EncoderWorkerInit {
  encoderPath: string;
  provider: Provider;
  /** 0 = onnxruntime's default. */
  intraOpNumThreads: number;
  flavour: EncoderFlavour;
  frameSize: number;
  /** The square the encoder takes its pixels in (descriptor.ts encoderInputSize). */
  inputSize: number;
  pixelMean: [number, number, number];
  pixelStd: [number, number, number];
  inputName: string;
  outputName: string;
  embedding: { channels: number; gridH: number; gridW: number };
  resize: EncoderResize;
  /** Further outputs sent back with the embedding (SAM 2's high-resolution maps). */
  extraOutputs: TensorSpec[];
}

export type ToEncoderWorker =
  | { kind: 'encode'; id: number; width: number; height: number; data: Uint8Array }
  /** Finish the encode in hand, release the session and end the thread. */
  | { kind: 'stop' };

export type FromEncoderWorker =
  | { kind: 'ready' }
  | { kind: 'startup-failed'; message: string }
  /** `pixels`: the image's pixels handed back (they were transferred to the worker). */
  | { kind: 'encoded'; id: number; data: Float32Array; transform: FrameTransform; pixels: Uint8Array; extras: EmbeddingFeature[] }
  | { kind: 'failed'; id: number; message: string };

/**
 * A worker that neither reports ready nor fails within this long is given up (terminated; the
 * caller encodes in process). Generous: loading vit_h's 2.5 GB encoder from a slow disk takes a while.
 */
export const ENCODER_WORKER_START_TIMEOUT_MS = 180_000;

/**
 * How long stop() waits for the worker to finish the encode in hand and end by itself before it is
 * terminated from outside (which risks aborting the process if onnxruntime is mid-run: only for a
 * worker that hangs). Longer than any one encode: vit_h on a slow CPU takes tens of seconds.
 */
export const ENCODER_WORKER_STOP_GRACE_MS = 120_000;

/**
 * onnxruntime intra-op threads for the worker's encoder and the main thread's decoder when both
 * run at once: the cores split in two (the encoder gets the smaller half on odd counts), at least
 * one each. Two sessions each using every core would fight over them (onnxruntime's pool threads
 * also spin while waiting).
 */
export function encodeAheadThreads(cores: number = availableParallelism()): { encoder: number; decoder: number } {
  const encoder = Math.max(1, Math.floor(cores / 2));
  return { encoder, decoder: Math.max(1, cores - encoder) };
}

/** Worker entry files, relative to this module: sources first, then the built bundle's entry. */
const WORKER_CANDIDATES = ['./encoder-worker.ts', './encoder-worker.js', '../encoder-worker.js'];

/** The encoder worker's file beside `from` (this module's URL by default), or null if absent. */
export function locateEncoderWorker(from: string = import.meta.url): URL | null {
  return locateWorkerFile(WORKER_CANDIDATES, from);
}

export interface EncoderWorkerOptions {
  /** Intra-op threads of the worker's encoder session; default encodeAheadThreads().encoder. */
  intraOpNumThreads?: number;
  /** The worker entry; default locateEncoderWorker(). */
  workerUrl?: URL;
  /** Default ENCODER_WORKER_START_TIMEOUT_MS. */
  startTimeoutMs?: number;
}

export interface WorkerEncoded {
  embedding: ImageEmbedding;
  /** The image with its pixels (handed back by the worker when they were transferred to it). */
  image: RgbImage;
}

interface Request {
  image: RgbImage;
  pixels: Uint8Array;
  resolve: (r: WorkerEncoded) => void;
  reject: (e: unknown) => void;
}

export class EncoderWorker {
  private readonly requests: ThreadRequests<Request>;
  private stopping = false;
  private exited = false;
  private lastError: string | null = null;
  /** Images encoded by this worker. */
  encodes = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly embedding: EncoderWorkerInit['embedding'],
  ) {
    this.requests = new ThreadRequests(worker, 'the encoder worker');
    worker.on('message', (m: FromEncoderWorker) => this.onMessage(m));
    worker.on('error', (err) => {
      this.lastError = err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (code) => this.onExit(code));
  }

  /** Starts a worker for `model`'s encoder; rejects (with the worker gone) if it cannot start. */
  static async start(model: SamModel, options: EncoderWorkerOptions = {}): Promise<EncoderWorker> {
    const url = options.workerUrl ?? locateEncoderWorker();
    if (!url)
      throw new SamanticError(
        'internal',
        `the encoder worker file was not found beside ${fileURLToPath(import.meta.url)} (looked for ${WORKER_CANDIDATES.join(', ')}).`,
      );
    const d = model.descriptor;
    const init: EncoderWorkerInit = {
      encoderPath: `${model.dir}/${d.encoder.file}`,
      provider: model.provider,
      intraOpNumThreads: options.intraOpNumThreads ?? encodeAheadThreads().encoder,
      flavour: d.encoder.flavour,
      frameSize: d.frameSize,
      inputSize: encoderInputSize(d),
      pixelMean: d.encoder.pixelMean,
      pixelStd: d.encoder.pixelStd,
      inputName: d.encoder.input.name,
      outputName: d.encoder.output.name,
      embedding: { ...d.embedding },
      resize: d.encoder.resize,
      extraOutputs: d.encoder.extraOutputs,
    };
    const worker = spawnWorker(url, init);
    const timeoutMs = options.startTimeoutMs ?? ENCODER_WORKER_START_TIMEOUT_MS;
    try {
      await waitUntilReady(worker, timeoutMs);
    } catch (reason) {
      // Anything it still throws on the way out is already reported by this rejection.
      worker.on('error', () => {});
      void worker.terminate();
      throw new SamanticError('internal', `the encoder worker (${url.pathname}) could not start: ${reason}`);
    }
    const w = new EncoderWorker(worker, init.embedding);
    // An idle worker must not keep the process alive; a busy one must.
    worker.unref();
    return w;
  }

  /** False once the worker has exited (crashed or terminated). */
  get alive(): boolean {
    return !this.exited;
  }

  /**
   * Encodes one full image. Its pixel buffer is transferred to the worker, not copied, when it can
   * be (a buffer of sharp's own memory cannot: Node then copies it), and comes back in the result.
   */
  encode(image: RgbImage): Promise<WorkerEncoded> {
    if (this.stopping) return Promise.reject(cancelled());
    if (this.exited) return Promise.reject(new SamanticError('internal', 'the encoder worker is not running (it stopped earlier).'));
    let pixels = image.data;
    // Transfer moves the whole ArrayBuffer: only a buffer that is exactly this image's pixels may go.
    const whole = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength && pixels.buffer instanceof ArrayBuffer;
    if (!whole) pixels = pixels.slice();
    return new Promise<WorkerEncoded>((resolve, reject) => {
      const message = (id: number): ToEncoderWorker => ({ kind: 'encode', id, width: image.width, height: image.height, data: pixels });
      try {
        this.requests.send({ image, pixels, resolve, reject }, message, [pixels.buffer as ArrayBuffer]);
      } catch (err) {
        reject(err);
      }
    });
  }

  private onMessage(m: FromEncoderWorker): void {
    if (m.kind === 'encoded') {
      const r = this.requests.take(m.id);
      if (!r) return;
      this.encodes++;
      const { channels, gridH, gridW } = this.embedding;
      // Untransferable pixels were copied to the worker: the caller's own buffer is still intact.
      const data = r.image.data.byteLength > 0 ? r.image.data : m.pixels;
      const embedding: ImageEmbedding = { data: m.data, channels, gridH, gridW, transform: m.transform };
      if (m.extras.length > 0) embedding.extras = m.extras;
      r.resolve({ embedding, image: { width: r.image.width, height: r.image.height, data } });
    } else if (m.kind === 'failed') {
      this.requests.take(m.id)?.reject(new SamanticError('internal', `the encoder failed on this image: ${m.message}`));
    }
  }

  private onExit(code: number): void {
    this.exited = true;
    for (const r of this.requests.drain()) {
      r.reject(
        this.stopping
          ? cancelled()
          : new SamanticError(
              'internal',
              `the encoder worker thread stopped unexpectedly (exit code ${code}${this.lastError ? `: ${this.lastError}` : ''}) while encoding this ` +
                `${r.image.width}x${r.image.height} image. The image is marked failed and the run goes on; process the folder again to retry it.`,
            ),
      );
    }
  }

  /**
   * Stops the worker: encodes in flight reject at once with a 'cancelled' error; the promise
   * resolves when the thread has ended, which may take the rest of the encode in hand (a native
   * onnxruntime run cannot be interrupted safely, see encoder-worker.ts).
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    if (!this.stopping) {
      this.stopping = true;
      for (const r of this.requests.drain()) r.reject(cancelled());
      // Kept alive until it has ended cleanly, so process exit does not cut a run short.
      this.worker.ref();
      this.worker.postMessage({ kind: 'stop' } satisfies ToEncoderWorker);
    }
    const timer = setTimeout(() => void this.worker.terminate(), ENCODER_WORKER_STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

function cancelled(): SamanticError {
  return new SamanticError('cancelled', 'Encoding was stopped (processing was cancelled or the model closed).');
}
