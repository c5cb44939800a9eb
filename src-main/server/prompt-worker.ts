// Interactive prompts in a worker thread of their own. onnxruntime-node runs a model on the
// thread that calls it, so in the service's worker a click would wait for the automatic
// generator's current decoder batch (hundreds of ms, seconds on a busy CPU). Here a click only
// waits for its own decoder: the host (service-host.ts) sends promptMask calls to this thread with
// the open project's file, folder and model, and this thread reads the project (SQLite WAL: readers
// never wait for the writer) and keeps its own model and the chain of low-res logits.
// Pure Node: nothing here imports electron.

import { parentPort } from 'node:worker_threads';
import type { PromptMaskArgs } from '../core/api/contract';
import { validateArgs, type CallResult } from '../core/api/dispatch';
import { toErrorPayload } from '../core/errors';
import { maskApi, openPromptSession } from '../core/service/masks';
import type { PromptSession } from '../core/prompt/session';
import { ProjectStore, type EmbeddingCacheKey } from '../core/store/project-store';
import type { ImageEmbedding } from '../core/types';
import type { FromPromptWorker, PromptProject, ToPromptWorker } from './prompt-protocol';

if (!parentPort) throw new Error('prompt-worker.ts must run as a worker thread (see service-host.ts).');
const port = parentPort;

let open: { key: string; store: ProjectStore; prompts: PromptSession; folder: string } | null = null;

async function closeProject(): Promise<void> {
  if (!open) return;
  await open.prompts.close();
  open.store.close();
  open = null;
}

async function projectFor(p: PromptProject) {
  const key = JSON.stringify([p.file, p.folder, p.modelId, p.device, p.modelsDir ?? '']);
  if (open?.key !== key) {
    await closeProject();
    // Read-only: the service thread holds the project's one writer lock.
    const store = ProjectStore.open(p.file, { readOnly: true });
    // What it encodes goes to the project's writer (prompt-host.ts), so processing does not encode it again.
    const handOver = (cacheKey: EmbeddingCacheKey, embedding: ImageEmbedding) =>
      port.postMessage({ kind: 'encoded', key: cacheKey, embedding } satisfies FromPromptWorker);
    open = { key, store, folder: p.folder, prompts: openPromptSession(p.modelId, p.device, p.modelsDir, () => {}, handOver) };
  }
  return open;
}

port.on('message', async (msg: ToPromptWorker) => {
  if (msg.kind === 'close') {
    await closeProject().catch(() => undefined);
    port.postMessage({ kind: 'closed', id: msg.id } satisfies FromPromptWorker);
    return;
  }
  let result: CallResult;
  try {
    const p = await projectFor(msg.project);
    const api = maskApi(() => p);
    const value =
      msg.method === 'preparePrompts'
        ? await api.preparePrompts(validateArgs('preparePrompts', msg.args) as unknown as { imageId: number })
        : await api.promptMask(validateArgs('promptMask', msg.args) as unknown as PromptMaskArgs);
    result = { ok: true, value };
  } catch (err) {
    result = { ok: false, error: toErrorPayload(err) };
  }
  port.postMessage({ kind: 'result', id: msg.id, result } satisfies FromPromptWorker);
});
port.postMessage({ kind: 'ready' } satisfies FromPromptWorker);
