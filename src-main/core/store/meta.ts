// Project settings in the `meta` key/value table. Values are text; structured options are JSON.
import type Database from 'better-sqlite3';
import { SamanticError } from '../errors';

/** The keys Samantic itself uses; other keys may be stored as well. */
export const META_KEYS = {
  /** Absolute path of the photo folder the project was made for. */
  folder: 'folder',
  /** Model id (folder under models/) whose embeddings and masks the project holds. */
  modelId: 'model_id',
  /** Version of the image preprocessing (decode, orientation, resize); part of the cache key. */
  preprocessVersion: 'preprocess_version',
  /** AMG preset name and options, JSON. */
  amgOptions: 'amg_options',
  /** Clustering options, JSON. */
  clusterOptions: 'cluster_options',
  /** ISO times, set by the store. */
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} as const;

export function getMeta(db: Database.Database, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value ?? null;
}

/** Sets a value; null deletes the key. */
export function setMeta(db: Database.Database, key: string, value: string | null): void {
  if (value === null) db.prepare('DELETE FROM meta WHERE key = ?').run(key);
  else db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function getMetaJson<T>(db: Database.Database, key: string, file: string): T | null {
  const text = getMeta(db, key);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SamanticError(
      'store-error',
      `The setting '${key}' in the project file ${file} is not valid JSON. Set it again (e.g. choose the options anew) to repair it.`,
    );
  }
}

export function allMeta(db: Database.Database): Record<string, string> {
  const rows = db.prepare('SELECT key, value FROM meta ORDER BY key').all() as { key: string; value: string }[];
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** Records that the project's data changed now. Call inside the transaction that changed it. */
export function touchUpdated(db: Database.Database): void {
  setMeta(db, META_KEYS.updatedAt, new Date().toISOString());
}
