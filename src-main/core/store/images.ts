// Image rows: what the folder scan hands in, and what the store hands back.
import type { ImageStatus } from '../vocab';
import { SamanticError } from '../errors';

/** What a folder scan knows about one photo. */
export interface ImageFileInfo {
  /** Path relative to the folder, '/'-separated, no '..'. */
  relPath: string;
  /** Bytes. */
  size: number;
  mtimeMs: number;
  /** Hash of the file's bytes (the embedding cache key); any non-empty string, e.g. hex SHA-256. */
  contentHash: string;
  /** After EXIF orientation, when already known. */
  width?: number | null;
  height?: number | null;
}

export interface ImageRecord {
  id: number;
  relPath: string;
  size: number;
  mtimeMs: number;
  contentHash: string;
  width: number | null;
  height: number | null;
  status: ImageStatus;
  error: string | null;
  /** ISO time of the last completed attempt, or null while pending. */
  processedAt: string | null;
}

export interface ImageRow {
  id: number;
  rel_path: string;
  size: number;
  mtime_ms: number;
  content_hash: string;
  width: number | null;
  height: number | null;
  status: ImageStatus;
  error: string | null;
  processed_at: string | null;
}

export interface UpsertImageResult {
  id: number;
  created: boolean;
  /** The file's content hash changed: the image went back to 'pending'. */
  contentChanged: boolean;
}

export interface ImageSummary extends ImageRecord {
  /** Segments not marked as background. */
  segmentCount: number;
  /** Distinct class ids of its segments, most frequent first. */
  classIds: number[];
  /** Segments with a class that no user decision covers yet. */
  unreviewedCount: number;
  /** Segments a user decision covers (assigned, removed, confirmed, drawn, or accepted with their class). */
  reviewedCount: number;
}

export function imageFromRow(r: ImageRow): ImageRecord {
  return {
    id: r.id,
    relPath: r.rel_path,
    size: r.size,
    mtimeMs: r.mtime_ms,
    contentHash: r.content_hash,
    width: r.width,
    height: r.height,
    status: r.status,
    error: r.error,
    processedAt: r.processed_at,
  };
}

export function checkImageFileInfo(info: ImageFileInfo): void {
  const bad = (what: string) => new SamanticError('invalid-argument', `Image ${JSON.stringify(info?.relPath)}: ${what}.`);
  const p = info?.relPath;
  if (typeof p !== 'string' || p.length === 0) throw bad('relPath must be a non-empty string');
  if (
    p.startsWith('/') ||
    /^[A-Za-z]:/.test(p) ||
    p.includes('\\') ||
    p.split('/').some((part) => part === '..' || part === '' || part === '.')
  ) {
    throw bad("relPath must be relative to the folder, '/'-separated, without '.', '..' or empty parts");
  }
  if (!Number.isSafeInteger(info.size) || info.size < 0) throw bad(`size must be a byte count, got ${info.size}`);
  if (!Number.isFinite(info.mtimeMs)) throw bad(`mtimeMs must be a number, got ${info.mtimeMs}`);
  if (typeof info.contentHash !== 'string' || info.contentHash.length === 0) throw bad('contentHash must be a non-empty string');
  for (const [name, v] of [
    ['width', info.width],
    ['height', info.height],
  ] as const) {
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 1)) throw bad(`${name} must be a positive integer, got ${v}`);
  }
}
