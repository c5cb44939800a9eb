// The service in a worker thread, for the Electron main process and for `samantic serve`. Model
// inference, AMG and clustering take seconds per image; running them here keeps the main process
// (every window) or the HTTP server (every API reply) responsive. The host (service-host.ts)
// forwards API calls and media requests as messages; progress events flow back the same way.
// Pure Node: nothing here imports electron.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createDispatcher, settle, type CallResult } from '../core/api/dispatch';
import { toErrorPayload } from '../core/errors';
import { createService } from '../core/service/service';
import type { ApiErrorPayload, ProgressEvent } from '../core/api/contract';
import type { EmbeddingCacheKey } from '../core/store/project-store';
import type { ImageEmbedding } from '../core/types';
import { createMedia } from './media';

export interface WorkerInit {
  modelsDir?: string;
  stateDir?: string;
}

/** Messages from the shell to the worker. */
export type ToWorker =
  | { kind: 'call'; id: number; method: string; args: unknown }
  | { kind: 'media'; id: number; what: 'image' | 'thumb'; imageId: number; size?: number }
  /** An embedding the prompt worker encoded (it cannot write the project): no reply. */
  | { kind: 'cache-embedding'; key: EmbeddingCacheKey; embedding: ImageEmbedding }
  | { kind: 'close'; id: number };

/** Messages from the worker to the shell. */
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'fatal'; error: ApiErrorPayload }
  | { kind: 'result'; id: number; result: CallResult }
  | { kind: 'media'; id: number; ok: true; body: Uint8Array; contentType: string; etag: string }
  | { kind: 'media'; id: number; ok: false; error: ApiErrorPayload }
  | { kind: 'event'; event: ProgressEvent }
  | { kind: 'warning'; message: string }
  | { kind: 'closed'; id: number };

function requirePort(): MessagePort {
  if (!parentPort) throw new Error('service-worker.ts must run as a worker thread (see service-host.ts).');
  return parentPort;
}
const port = requirePort();
const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer ?? []);

async function main(): Promise<void> {
  const init = (workerData ?? {}) as WorkerInit;
  let service;
  try {
    service = await createService({
      modelsDir: init.modelsDir,
      stateDir: init.stateDir,
      onWarning: (message) => post({ kind: 'warning', message }),
    });
  } catch (err) {
    post({ kind: 'fatal', error: toErrorPayload(err) });
    return;
  }
  const svc = service;
  const dispatch = createDispatcher(svc.api);
  const media = createMedia(svc);
  svc.onEvent((event) => post({ kind: 'event', event }));

  port.on('message', async (msg: ToWorker) => {
    switch (msg.kind) {
      case 'call':
        post({ kind: 'result', id: msg.id, result: await settle(dispatch, msg.method, msg.args) });
        return;
      case 'media':
        try {
          const out = msg.what === 'image' ? await media.image(msg.imageId) : await media.thumb(msg.imageId, msg.size);
          // Copy into an unshared buffer so it can be transferred instead of cloned.
          const body = new Uint8Array(out.body.byteLength);
          body.set(out.body);
          post({ kind: 'media', id: msg.id, ok: true, body, contentType: out.contentType, etag: out.etag }, [body.buffer]);
        } catch (err) {
          post({ kind: 'media', id: msg.id, ok: false, error: toErrorPayload(err) });
        }
        return;
      case 'cache-embedding':
        try {
          svc.cacheEmbedding(msg.key, msg.embedding);
        } catch (err) {
          // A cache that could not be written costs an encode later, nothing else.
          post({ kind: 'warning', message: `Could not keep a click's image encoding: ${toErrorPayload(err).message}` });
        }
        return;
      case 'close':
        try {
          await svc.close();
        } finally {
          post({ kind: 'closed', id: msg.id });
        }
        return;
    }
  });
  post({ kind: 'ready' });
}

void main();
