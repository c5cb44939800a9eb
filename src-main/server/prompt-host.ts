// Sends promptMask and preparePrompts calls to a prompt worker thread (prompt-worker.ts) instead of the service's
// worker, so a click is answered while the automatic generator runs next door; everything else
// goes to the service as before. The host learns the open project (file, folder, model) from the
// service's own answers to openFolder and getSummary. Without a known project, or if the prompt
// worker cannot start, they go to the service (slower during processing, never wrong).

import type { Worker } from 'node:worker_threads';
import type { OpenFolderArgs, ProgressEvent, ProjectSummary } from '../core/api/contract';
import type { CallResult } from '../core/api/dispatch';
import { SamanticError } from '../core/errors';
import { locateWorkerFile, spawnWorker } from '../core/workers/boot';
import { ThreadRequests } from '../core/workers/requests';
import type { MediaResponse } from './media';
import { PROMPT_METHODS, type FromPromptWorker, type PromptMethod, type PromptProject, type ToPromptWorker } from './prompt-protocol';
import type { ServiceBackend } from './service-host';

/** How long the prompt worker may take to start (tsx compiles the sources on first start). */
export const PROMPT_WORKER_START_TIMEOUT_MS = 60_000;

export class PromptRoutedBackend implements ServiceBackend {
  private project: PromptProject | null = null;
  private device = 'auto';
  private worker: Promise<Worker> | null = null;
  private failed = false;
  /** The calls in flight on the current prompt worker. */
  private requests: ThreadRequests<(m: FromPromptWorker) => void> | null = null;

  constructor(
    private readonly inner: ServiceBackend,
    private readonly start: () => Worker,
    private readonly onWarning: (message: string) => void = () => {},
  ) {}

  private learn(method: string, args: unknown, result: CallResult): void {
    if (method === 'openFolder') this.device = (args as OpenFolderArgs | undefined)?.device ?? 'auto';
    if (!result.ok || (method !== 'openFolder' && method !== 'getSummary')) return;
    const s = result.value as ProjectSummary | null;
    this.project = s ? { file: s.projectFile, folder: s.folder, modelId: s.modelId, device: this.device } : null;
  }

  private ensure(): Promise<Worker> {
    this.worker ??= new Promise<Worker>((ready, fail) => {
      const w = this.start();
      const requests = new ThreadRequests<(m: FromPromptWorker) => void>(w, 'the prompt worker');
      this.requests = requests;
      const timer = setTimeout(
        () => fail(new SamanticError('internal', 'the prompt worker did not start in time')),
        PROMPT_WORKER_START_TIMEOUT_MS,
      );
      w.on('message', (m: FromPromptWorker | { kind: 'startup-failed'; message: string }) => {
        if (m.kind === 'ready') {
          clearTimeout(timer);
          ready(w);
        } else if (m.kind === 'startup-failed') {
          clearTimeout(timer);
          fail(new SamanticError('internal', m.message));
        } else if (m.kind === 'encoded') {
          // An image clicked before processing reached it: the writer keeps its encoding.
          this.inner.cacheEmbedding?.(m.key, m.embedding);
        } else {
          requests.take(m.id)?.(m);
        }
      });
      w.on('exit', (code) => {
        clearTimeout(timer);
        fail(new SamanticError('internal', `the prompt worker exited (code ${code})`));
        const error = { code: 'internal', message: `The prompt worker stopped (exit code ${code}); click again.` };
        for (const done of requests.drain()) done({ kind: 'result', id: 0, result: { ok: false, error } });
        this.worker = null;
      });
    });
    return this.worker;
  }

  private async send(msg: Omit<Extract<ToPromptWorker, { kind: 'prompt' }>, 'id'> | { kind: 'close' }): Promise<FromPromptWorker> {
    await this.ensure();
    const requests = this.requests!;
    return new Promise((resolve) => {
      requests.send(resolve, (id) => ({ ...msg, id }) as ToPromptWorker);
    });
  }

  async call(method: string, args: unknown): Promise<CallResult> {
    if ((PROMPT_METHODS as readonly string[]).includes(method) && this.project && !this.failed) {
      try {
        const reply = await this.send({ kind: 'prompt', method: method as PromptMethod, project: this.project, args });
        if (reply.kind === 'result') return reply.result;
      } catch (err) {
        this.failed = true;
        this.onWarning(`Prompts run in the service thread (${(err as Error).message}); clicks may wait during processing.`);
      }
    }
    const result = await this.inner.call(method, args);
    this.learn(method, args, result);
    return result;
  }

  image(imageId: number): Promise<MediaResponse> {
    return this.inner.image(imageId);
  }

  thumb(imageId: number, size?: number): Promise<MediaResponse> {
    return this.inner.thumb(imageId, size);
  }

  onEvent(listener: (event: ProgressEvent) => void): () => void {
    return this.inner.onEvent(listener);
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) {
      const worker = await w.catch(() => null);
      if (worker) {
        const closed = new Promise<void>((resolve) =>
          this.requests?.send(
            () => resolve(),
            (id) => ({ kind: 'close', id }) satisfies ToPromptWorker,
          ),
        );
        await Promise.race([closed, new Promise((r) => setTimeout(r, 3000).unref())]);
        await worker.terminate();
      }
    }
    await this.inner.close();
  }
}

/** Starts prompt-worker.ts beside this module (TypeScript under tsx, or built JavaScript). */
export function spawnPromptWorker(): Worker {
  const url = locateWorkerFile(['./prompt-worker.ts', './prompt-worker.js', '../prompt-worker.js'], import.meta.url);
  if (!url) throw new SamanticError('internal', `prompt-worker.ts was not found beside ${import.meta.url}; reinstall Samantic.`);
  return spawnWorker(url, {});
}
