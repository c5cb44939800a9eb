// The messages between the prompt host (prompt-host.ts) and its worker thread (prompt-worker.ts),
// apart from both so that neither imports the other.

import type { CallResult } from '../core/api/dispatch';
import type { EmbeddingCacheKey } from '../core/store/project-store';
import type { ImageEmbedding } from '../core/types';

export interface PromptProject {
  file: string;
  folder: string;
  modelId: string;
  device: string;
  modelsDir?: string;
}

/** The API methods the prompt worker answers. */
export const PROMPT_METHODS = ['promptMask', 'preparePrompts'] as const;
export type PromptMethod = (typeof PROMPT_METHODS)[number];

export type ToPromptWorker =
  { kind: 'prompt'; id: number; method: PromptMethod; project: PromptProject; args: unknown } | { kind: 'close'; id: number };
export type FromPromptWorker =
  | { kind: 'result'; id: number; result: CallResult }
  | { kind: 'closed'; id: number }
  | { kind: 'ready' }
  /** An image's embedding encoded for a click (the worker reads the project read-only). */
  | { kind: 'encoded'; key: EmbeddingCacheKey; embedding: ImageEmbedding };
