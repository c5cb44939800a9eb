// What a transport (the HTTP server, the Electron shell) serves: API calls, image bytes and progress
// events, from a service in this thread or in a worker thread (service-worker.ts). In a worker, a
// call or an image answers while an image is being segmented next door; in this thread it waits
// for the current model run (onnxruntime-node runs on the JS thread).

import type { Worker } from 'node:worker_threads';
import type { ProgressEvent } from '../core/api/contract';
import { createDispatcher, settle, type CallResult } from '../core/api/dispatch';
import { SamanticError } from '../core/errors';
import { ThreadRequests } from '../core/workers/requests';
import type { Service } from '../core/service/types';
import type { EmbeddingCacheKey } from '../core/store/project-store';
import type { ImageEmbedding } from '../core/types';
import { locateWorkerFile, spawnWorker } from '../core/workers/boot';
import { createMedia, type MediaResponse } from './media';
import type { FromWorker, ToWorker, WorkerInit } from './service-worker';

export interface ServiceBackend {
  /** Never throws: a failure is { ok: false, error }. */
  call(method: string, args: unknown): Promise<CallResult>;
  /** Throw a SamanticError (not-found, invalid-argument, ...) for what cannot be served. */
  image(imageId: number): Promise<MediaResponse>;
  thumb(imageId: number, size?: number): Promise<MediaResponse>;
  /** Subscribe to progress events; returns an unsubscribe function. */
  onEvent(listener: (event: ProgressEvent) => void): () => void;
  /** Hands the project's writer an embedding encoded elsewhere (Service.cacheEmbedding); no reply. */
  cacheEmbedding?(key: EmbeddingCacheKey, embedding: ImageEmbedding): void;
  close(): Promise<void>;
}

/** A service running in this thread. */
export function inProcessBackend(service: Service): ServiceBackend {
  const dispatch = createDispatcher(service.api);
  const media = createMedia(service);
  return {
    call: (method, args) => settle(dispatch, method, args),
    image: (id) => media.image(id),
    thumb: (id, size) => media.thumb(id, size),
    onEvent: (listener) => service.onEvent(listener),
    cacheEmbedding: (key, embedding) => void service.cacheEmbedding(key, embedding),
    close: () => service.close(),
  };
}

/** How long a worker may take to open its service (tsx compiles the sources on first start). */
export const SERVICE_START_TIMEOUT_MS = 60_000;
/** How long close() waits for the worker to close the project store before ending it. */
export const SERVICE_CLOSE_TIMEOUT_MS = 3_000;

/** A worker message before the id is assigned (Omit distributed over the union). */
type Outgoing = ToWorker extends infer T ? (T extends ToWorker ? Omit<T, 'id'> : never) : never;

/**
 * The service in a worker thread, started on first use and again on the next use after a crash
 * (calls in flight then fail with an 'internal' error instead of hanging).
 */
export class WorkerBackend implements ServiceBackend {
  private worker: Worker | null = null;
  private started: Promise<Worker> | null = null;
  /** The calls in flight on the current worker thread (a new one after a restart). */
  private requests: ThreadRequests<(m: FromWorker) => void> | null = null;
  private readonly listeners = new Set<(event: ProgressEvent) => void>();
  private closed = false;

  constructor(
    private readonly start: () => Worker,
    private readonly onWarning: (message: string) => void = () => {},
  ) {}

  /** Starts the worker now (else on the first call); rejects with why it could not start. */
  ready(): Promise<void> {
    return this.ensure().then(() => undefined);
  }

  private ensure(): Promise<Worker> {
    if (this.closed) return Promise.reject(new SamanticError('internal', 'The service has been closed.'));
    if (this.started) return this.started;
    const w = this.start();
    this.worker = w;
    const requests = new ThreadRequests<(m: FromWorker) => void>(w, 'the service worker');
    this.requests = requests;
    const started = new Promise<Worker>((ready, fail) => {
      const timer = setTimeout(() => {
        fail(new SamanticError('internal', `The service worker did not start within ${SERVICE_START_TIMEOUT_MS / 1000} s.`));
        void w.terminate();
      }, SERVICE_START_TIMEOUT_MS);
      const failed = (code: string, message: string) => {
        clearTimeout(timer);
        fail(new SamanticError(code, message));
      };
      w.on('message', (m: FromWorker | { kind: 'startup-failed'; message: string }) => {
        if (m.kind === 'ready') {
          clearTimeout(timer);
          return ready(w);
        }
        if (m.kind === 'fatal') return failed(m.error.code, m.error.message);
        if (m.kind === 'startup-failed') return failed('internal', `The service worker could not start: ${m.message}`);
        if (m.kind === 'event') return this.emit(m.event);
        if (m.kind === 'warning') return this.onWarning(m.message);
        if ('id' in m) requests.take(m.id)?.(m);
      });
      w.on('error', (err) => failed('internal', `The service worker failed: ${err.message}`));
      w.on('exit', (code) => {
        clearTimeout(timer);
        failed('internal', `The service worker exited (code ${code}) before it was ready.`);
        // A crash (native abort, out of memory) must not leave calls hanging; the next call restarts it.
        const error = {
          code: 'internal',
          message: `The processing worker stopped (exit code ${code}). Your last change may be lost; try again.`,
        };
        for (const done of requests.drain()) done({ kind: 'result', id: 0, result: { ok: false, error } });
        if (this.worker === w) {
          this.worker = null;
          this.started = null;
        }
      });
    });
    // A failed start is retried by the next use.
    started.catch(() => {
      if (this.started === started) this.started = null;
    });
    this.started = started;
    return started;
  }

  private emit(event: ProgressEvent): void {
    for (const l of this.listeners) l(event);
  }

  private async send(msg: Outgoing): Promise<FromWorker> {
    await this.ensure();
    const requests = this.requests!;
    return new Promise((resolve) => {
      requests.send(resolve, (id) => ({ ...msg, id }) as ToWorker);
    });
  }

  async call(method: string, args: unknown): Promise<CallResult> {
    let reply: FromWorker;
    try {
      reply = await this.send({ kind: 'call', method, args });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return { ok: false, error: { code: e.code ?? 'internal', message: `Samantic could not start its service: ${e.message}` } };
    }
    if (reply.kind === 'result') return reply.result;
    return { ok: false, error: { code: 'internal', message: `Unexpected reply from the service worker: ${reply.kind}.` } };
  }

  private async media(what: 'image' | 'thumb', imageId: number, size?: number): Promise<MediaResponse> {
    const reply = await this.send({ kind: 'media', what, imageId, size });
    if (reply.kind === 'result' && !reply.result.ok) throw new SamanticError(reply.result.error.code, reply.result.error.message);
    if (reply.kind !== 'media') throw new SamanticError('internal', `Unexpected reply from the service worker: ${reply.kind}.`);
    if (!reply.ok) throw new SamanticError(reply.error.code, reply.error.message);
    return {
      body: Buffer.from(reply.body.buffer, reply.body.byteOffset, reply.body.byteLength),
      contentType: reply.contentType,
      etag: reply.etag,
    };
  }

  image(imageId: number): Promise<MediaResponse> {
    return this.media('image', imageId);
  }

  thumb(imageId: number, size?: number): Promise<MediaResponse> {
    return this.media('thumb', imageId, size);
  }

  onEvent(listener: (event: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Only to a running worker: one that is not running has no project to keep it in. */
  cacheEmbedding(key: EmbeddingCacheKey, embedding: ImageEmbedding): void {
    this.worker?.postMessage({ kind: 'cache-embedding', key, embedding } satisfies ToWorker);
  }

  /** Lets the worker close the project store (SQLite WAL checkpoint), then ends it. */
  async close(): Promise<void> {
    if (this.closed) return;
    const w = this.worker;
    const running = this.started;
    if (w && running) {
      const timeout = new Promise((r) => setTimeout(r, SERVICE_CLOSE_TIMEOUT_MS).unref());
      await Promise.race([running.then(() => this.send({ kind: 'close' })).catch(() => undefined), timeout]);
    }
    this.closed = true;
    await w?.terminate();
  }
}

/**
 * Starts service-worker.ts outside Electron (the shell bundles it through electron-vite's
 * ?nodeWorker import instead): beside this module as TypeScript (tsx) or as built JavaScript.
 */
export function spawnServiceWorker(init: WorkerInit): Worker {
  const url = locateWorkerFile(['./service-worker.ts', './service-worker.js'], import.meta.url);
  if (!url) throw new SamanticError('internal', `service-worker.ts was not found beside ${import.meta.url}; reinstall Samantic.`);
  return spawnWorker(url, init);
}
