import type { ProgressEvent, SamanticApi } from '../api/contract';
import type { AmgOptions } from '../amg/options';
import type { ProcessFolderResult } from '../pipeline/process-folder';
import type { ShardSpec } from '../pipeline/shard';
import type { EmbeddingCacheKey } from '../store/project-store';
import type { ImageEmbedding } from '../types';

export interface ServiceOptions {
  /** Folder holding model folders (models/<id>/model.json); default: the repository's models/. */
  modelsDir?: string;
  /** Where the list of recent projects is kept; default ~/.config/samantic. */
  stateDir?: string;
  /** Receives warnings (e.g. GPU provider fallback) meant for the user. */
  onWarning?: (message: string) => void;
  /** AMG settings laid over the chosen preset (e.g. a sparser point grid for quick runs). */
  amgOverrides?: Partial<AmgOptions>;
  /**
   * Open projects read-only (info, export): no lock, no folder scan, nothing written to the
   * project or the recent list, so it works beside a running writer and on any file.
   */
  readOnly?: boolean;
  /**
   * Work as one worker of a batch job (pipeline/shard.ts): process only this shard's share of the
   * folder into its own project (default <folder>/.samantic/shard-i-of-N.db) and never cluster;
   * `samantic merge` brings the shards together and classifies once.
   */
  shard?: ShardSpec;
  /**
   * The batch engine runs one worker per shard at a time (--shards N): a lock a dead worker left on
   * the shard's project (on another node, or in a container whose pid repeats) is taken over, so
   * the engine's retry does not fail as 'busy' forever.
   */
  takeOverShardLock?: boolean;
}

/**
 * The service behind every transport. `api` is the contract; the rest is what transports need
 * to serve media and push progress events.
 */
export interface Service {
  api: SamanticApi;
  /** Subscribe to progress events; returns an unsubscribe function. */
  onEvent(listener: (event: ProgressEvent) => void): () => void;
  /** Absolute path of an image of the open project, or null (unknown id / no project). */
  imageFile(imageId: number): string | null;
  /** Root folder of the open project (the allowlist for media), or null. */
  folder(): string | null;
  /** Figures of the last process() run (phase times, cache hits), or null. */
  lastRun(): ProcessFolderResult | null;
  /**
   * Keeps an embedding encoded elsewhere (the prompt worker, which reads the project read-only) in
   * the open project's cache, so processing does not encode that image again. Not part of the API:
   * only the hosts call it. False when no writable project has an image of that content for that
   * model, or the cache holds it already.
   */
  cacheEmbedding(key: EmbeddingCacheKey, embedding: ImageEmbedding): boolean;
  close(): Promise<void>;
}
