// The image-embedding cache: the encoder is the slow step (seconds per image on a CPU), so its
// output is kept per (content hash, model, preprocessing version). A renamed or moved photo has the
// same hash and is not encoded again; an edited one has a new hash and is. Entries are float16
// (2 MiB for 256x64x64) and evicted least-recently-used first when the cache exceeds a byte budget.
// A SAM 2 encoding's further maps (ImageEmbedding.extras) follow the embedding in the same blob;
// their names and shapes are listed under "extras" in the row's transform JSON.
import type Database from 'better-sqlite3';
import { SamanticError } from '../errors';
import type { EmbeddingFeature, FrameTransform, ImageEmbedding } from '../types';
import { decodeFloat16Blob, encodeFloat16Blob } from './codec';

export interface EmbeddingCacheKey {
  contentHash: string;
  modelId: string;
  preprocessVersion: string;
}

export interface EmbeddingCacheStats {
  entries: number;
  /** Bytes of embedding data (float16). */
  bytes: number;
}

interface CacheRow {
  id: number;
  channels: number;
  grid_h: number;
  grid_w: number;
  transform: string;
  data: Buffer;
}

const TRANSFORM_FIELDS: (keyof FrameTransform)[] = ['origWidth', 'origHeight', 'scale', 'resizedWidth', 'resizedHeight', 'frameSize'];

function checkKey(key: EmbeddingCacheKey): void {
  for (const field of ['contentHash', 'modelId', 'preprocessVersion'] as const) {
    if (typeof key?.[field] !== 'string' || key[field].length === 0) {
      throw new SamanticError(
        'invalid-argument',
        `Embedding cache key: ${field} must be a non-empty string, got ${JSON.stringify(key?.[field])}.`,
      );
    }
  }
}

function now(): string {
  return new Date().toISOString();
}

/** Whether the cache holds an entry for the key (its data is not read). */
export function hasCachedEmbedding(db: Database.Database, key: EmbeddingCacheKey): boolean {
  checkKey(key);
  return (
    db
      .prepare('SELECT 1 FROM embedding_cache WHERE content_hash = ? AND model_id = ? AND preprocess_version = ?')
      .get(key.contentHash, key.modelId, key.preprocessVersion) !== undefined
  );
}

/** The cached embedding, or null. A damaged entry is dropped and reported as a miss (it is only a cache). */
export function getCachedEmbedding(db: Database.Database, key: EmbeddingCacheKey): ImageEmbedding | null {
  checkKey(key);
  const row = db
    .prepare(
      'SELECT id, channels, grid_h, grid_w, transform, data FROM embedding_cache ' +
        'WHERE content_hash = ? AND model_id = ? AND preprocess_version = ?',
    )
    .get(key.contentHash, key.modelId, key.preprocessVersion) as CacheRow | undefined;
  if (!row) return null;
  let embedding: ImageEmbedding;
  try {
    const all = decodeFloat16Blob(row.data);
    const stored = JSON.parse(row.transform) as FrameTransform & { extras?: { name: string; dims: number[] }[] };
    const size = row.channels * row.grid_h * row.grid_w;
    const layout = stored.extras ?? [];
    let offset = size;
    const extras: EmbeddingFeature[] = layout.map(({ name, dims }) => {
      const n = dims.reduce((a, b) => a * b, 1);
      const f = { name, dims, data: all.subarray(offset, offset + n) };
      offset += n;
      return f;
    });
    if (all.length !== offset) throw new Error('size mismatch');
    const transform = Object.fromEntries(TRANSFORM_FIELDS.map((f) => [f, stored[f]])) as unknown as FrameTransform;
    if (TRANSFORM_FIELDS.some((f) => typeof transform[f] !== 'number')) throw new Error('bad transform');
    embedding = { data: all.subarray(0, size), channels: row.channels, gridH: row.grid_h, gridW: row.grid_w, transform };
    if (extras.length > 0) embedding.extras = extras;
  } catch {
    if (!db.readonly) db.prepare('DELETE FROM embedding_cache WHERE id = ?').run(row.id);
    return null;
  }
  // A read-only reader (the prompt worker beside the writer) leaves the eviction order to the writer.
  if (!db.readonly) db.prepare('UPDATE embedding_cache SET last_used_at = ? WHERE id = ?').run(now(), row.id);
  return embedding;
}

export function putCachedEmbedding(db: Database.Database, key: EmbeddingCacheKey, e: ImageEmbedding): void {
  checkKey(key);
  const bad = (what: string) =>
    new SamanticError('invalid-argument', `Embedding for ${key.contentHash} (model ${key.modelId}): ${what}. It was not cached.`);
  for (const [name, v] of [
    ['channels', e?.channels],
    ['gridH', e?.gridH],
    ['gridW', e?.gridW],
  ] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) throw bad(`${name} must be a positive integer, got ${v}`);
  }
  if (!(e.data instanceof Float32Array) || e.data.length !== e.channels * e.gridH * e.gridW) {
    throw bad(`data must be a Float32Array of ${e.channels}x${e.gridH}x${e.gridW} values, got ${e.data?.length}`);
  }
  for (const f of TRANSFORM_FIELDS) {
    if (typeof e.transform?.[f] !== 'number' || !Number.isFinite(e.transform[f])) throw bad(`transform.${f} must be a finite number`);
  }
  for (let i = 0; i < e.data.length; i++) {
    if (!Number.isFinite(e.data[i])) throw bad(`value ${i} is ${e.data[i]}; the model produced an invalid output`);
  }
  const extras = e.extras ?? [];
  for (const f of extras) {
    const n = f.dims.reduce((a, b) => a * b, 1);
    if (!(f.data instanceof Float32Array) || f.data.length !== n)
      throw bad(`extra output "${f.name}" must hold ${n} values, got ${f.data?.length}`);
  }
  let blob = e.data;
  if (extras.length > 0) {
    blob = new Float32Array(e.data.length + extras.reduce((a, f) => a + f.data.length, 0));
    blob.set(e.data);
    let offset = e.data.length;
    for (const f of extras) {
      blob.set(f.data, offset);
      offset += f.data.length;
    }
  }
  const stored: Record<string, unknown> = Object.fromEntries(TRANSFORM_FIELDS.map((f) => [f, e.transform[f]]));
  if (extras.length > 0) stored.extras = extras.map((f) => ({ name: f.name, dims: f.dims }));
  const t = now();
  db.prepare(
    `INSERT INTO embedding_cache
       (content_hash, model_id, preprocess_version, channels, grid_h, grid_w, transform, data, created_at, last_used_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (content_hash, model_id, preprocess_version) DO UPDATE SET
       channels = excluded.channels, grid_h = excluded.grid_h, grid_w = excluded.grid_w,
       transform = excluded.transform, data = excluded.data, last_used_at = excluded.last_used_at`,
  ).run(
    key.contentHash,
    key.modelId,
    key.preprocessVersion,
    e.channels,
    e.gridH,
    e.gridW,
    JSON.stringify(stored),
    encodeFloat16Blob(blob),
    t,
    t,
  );
}

export function embeddingCacheStats(db: Database.Database): EmbeddingCacheStats {
  return db
    .prepare('SELECT count(*) AS entries, coalesce(sum(length(data)), 0) AS bytes FROM embedding_cache')
    .get() as EmbeddingCacheStats;
}

/**
 * Evicts entries until the cache holds at most maxBytes of data: first those whose photo is no
 * longer in the project, then the least recently used. Returns how many were evicted.
 */
export function pruneEmbeddingCache(db: Database.Database, maxBytes: number): number {
  if (!(maxBytes >= 0)) throw new SamanticError('invalid-argument', `pruneEmbeddingCache: maxBytes must be >= 0, got ${maxBytes}.`);
  return db.transaction(() => {
    const rows = db
      .prepare(
        `SELECT c.id, length(c.data) AS bytes
         FROM embedding_cache c
         ORDER BY EXISTS (SELECT 1 FROM images i WHERE i.content_hash = c.content_hash) DESC, c.last_used_at DESC, c.id DESC`,
      )
      .all() as { id: number; bytes: number }[];
    // Keep a prefix of that order: once one entry goes, every less wanted one goes too.
    let kept = 0;
    const evict: number[] = [];
    for (const r of rows) {
      if (evict.length === 0 && kept + r.bytes <= maxBytes) kept += r.bytes;
      else evict.push(r.id);
    }
    const del = db.prepare('DELETE FROM embedding_cache WHERE id = ?');
    for (const id of evict) del.run(id);
    return evict.length;
  })();
}
