// Which worker of a batch job (a Kubernetes Indexed Job, a Slurm job array) processes which photo.
// The share is decided by the photo's bytes alone, never by its name or its position in the
// folder: adding photos moves no photo already in a share to another, a renamed or moved photo
// stays where it was, and two copies of one photo land in the same share (so its embedding is
// computed once). The bytes are sampled, not hashed whole: the size and the first and last
// SHARE_SAMPLE_BYTES decide, so each worker reads at most 128 KiB of a photo outside its share
// (a few percent of a camera JPEG) instead of every byte of the folder. Two different photos that
// sample alike merely land in one share.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { SamanticError } from '../errors';

export interface ShardSpec {
  /** 0-based: 0 .. count-1. */
  index: number;
  count: number;
}

/** Largest number of shards accepted: far beyond any batch job, small enough to catch a typo. */
export const MAX_SHARDS = 100_000;

/** The environment variables a batch engine sets to each worker's index, in the order they are read. */
export const SHARD_INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

const HEX_PREFIX = /^[0-9a-f]{13}/i;

/** Bytes read from each end of a photo for its share key. */
export const SHARE_SAMPLE_BYTES = 64 * 1024;

/**
 * The key a photo's share is decided by: SHA-256 of its size and of its first and last
 * SHARE_SAMPLE_BYTES (the whole file when smaller). Throws when the file cannot be read.
 */
export async function shareKey(file: string, size: number): Promise<string> {
  const hash = createHash('sha256').update(`${size}:`);
  const handle = await open(file, 'r');
  try {
    const head = Math.min(size, SHARE_SAMPLE_BYTES);
    const tail = Math.min(size - head, SHARE_SAMPLE_BYTES);
    const buf = Buffer.alloc(head + tail);
    await handle.read(buf, 0, head, 0);
    if (tail > 0) await handle.read(buf, head, tail, size - tail);
    return hash.update(buf).digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * Whether the photo at `file` (of `size` bytes, relPath in the folder) is in this worker's share.
 * A file that cannot be read is shared out by its path, so exactly one worker reports it failed.
 */
export async function fileInShard(file: string, size: number, relPath: string, spec: ShardSpec): Promise<boolean> {
  const key = await shareKey(file, size).catch(() => `unreadable:${relPath}`);
  return inShard(key, spec);
}

/**
 * The shard (0..count-1) of a share key: its first 52 bits modulo count. A key that is not hex
 * SHA-256 (e.g. the path stand-in of an unreadable file) is hashed first, so any string has a share.
 */
export function shardOf(key: string, count: number): number {
  checkCount(count, 'shardOf');
  const hex = HEX_PREFIX.test(key) ? key : createHash('sha256').update(key).digest('hex');
  return Number.parseInt(hex.slice(0, 13), 16) % count;
}

export function inShard(key: string, spec: ShardSpec): boolean {
  return shardOf(key, spec.count) === spec.index;
}

export function formatShard(spec: ShardSpec): string {
  return `${spec.index}/${spec.count}`;
}

/** A shard's own project file by default: N workers on one shared folder never share a writer lock. */
export function shardProjectPath(folder: string, spec: ShardSpec): string {
  return join(folder, '.samantic', `shard-${spec.index}-of-${spec.count}.db`);
}

function checkCount(count: number, what: string): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SHARDS) {
    throw new SamanticError(
      'invalid-argument',
      `${what}: the number of shards must be a whole number from 1 to ${MAX_SHARDS}, got ${count}.`,
    );
  }
}

const WHOLE = /^\d+$/;

function shard(index: number, count: number, where: string): ShardSpec {
  checkCount(count, where);
  if (index >= count) {
    throw new SamanticError(
      'invalid-argument',
      `${where}: shard ${index} does not exist in ${count} shards; indexes run from 0 to ${count - 1} ` +
        '(a Slurm array must be --array=0-(N-1), a Kubernetes Indexed Job gives 0..completions-1).',
    );
  }
  return { index, count };
}

/** `--shard i/N`: worker i (0-based) of N. */
export function parseShardOption(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new SamanticError('invalid-argument', `--shard must be i/N with 0 <= i < N (e.g. --shard 0/4), got '${text}'.`);
  return shard(Number(m[1]), Number(m[2]), `--shard ${text.trim()}`);
}

/**
 * `--shards N`: this worker's index comes from the batch engine, JOB_COMPLETION_INDEX (Kubernetes
 * Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array).
 */
export function parseShardsOption(countText: string, env: Readonly<Record<string, string | undefined>>): ShardSpec {
  if (!WHOLE.test(countText.trim())) {
    throw new SamanticError('invalid-argument', `--shards must be the number of workers (e.g. --shards 8), got '${countText}'.`);
  }
  const count = Number(countText.trim());
  const found = SHARD_INDEX_VARIABLES.find((name) => env[name] !== undefined && env[name] !== '');
  if (!found) {
    throw new SamanticError(
      'invalid-argument',
      `--shards ${count} reads this worker's index from ${SHARD_INDEX_VARIABLES.join(' or ')}, and neither is set. ` +
        'Run it inside a Kubernetes Indexed Job or a Slurm job array, or give the index yourself with --shard i/N.',
    );
  }
  const value = env[found]!.trim();
  if (!WHOLE.test(value)) {
    throw new SamanticError('invalid-argument', `${found} must be a whole number (the worker's 0-based index), got '${value}'.`);
  }
  return shard(Number(value), count, `${found}=${value} with --shards ${count}`);
}
