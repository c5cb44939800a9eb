// Image rows: what the folder scan hands in, and what the store hands back.
import type Database from 'better-sqlite3';
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

/** Inserts a photo, or updates `existing` (its row by relPath); a changed content hash sends it back to 'pending'. */
export function writeImage(db: Database.Database, info: ImageFileInfo, existing: ImageRecord | null): UpsertImageResult {
  const mtime = Math.round(info.mtimeMs);
  const w = info.width ?? null;
  const h = info.height ?? null;
  if (!existing) {
    const r = db
      .prepare('INSERT INTO images (rel_path, size, mtime_ms, content_hash, width, height) VALUES (?, ?, ?, ?, ?, ?)')
      .run(info.relPath, info.size, mtime, info.contentHash, w, h);
    return { id: Number(r.lastInsertRowid), created: true, contentChanged: false };
  }
  // New content: its size, segments and status from the old content no longer apply.
  const changed = existing.contentHash !== info.contentHash;
  db.prepare(
    `UPDATE images SET size = ?, mtime_ms = ?, content_hash = ?, width = ?, height = ?,
         status = ?, error = ?, processed_at = ? WHERE id = ?`,
  ).run(
    info.size,
    mtime,
    info.contentHash,
    w ?? (changed ? null : existing.width),
    h ?? (changed ? null : existing.height),
    changed ? 'pending' : existing.status,
    changed ? null : existing.error,
    changed ? null : existing.processedAt,
    existing.id,
  );
  return { id: existing.id, created: false, contentChanged: changed };
}

/** Images by relPath (of one status, when given), with their segment count, classes and review counts. */
export function listImageSummaries(db: Database.Database, status?: ImageStatus): ImageSummary[] {
  const rows = (
    status === undefined
      ? db.prepare('SELECT * FROM images ORDER BY rel_path').all()
      : db.prepare('SELECT * FROM images WHERE status = ? ORDER BY rel_path').all(status)
  ) as ImageRow[];
  const segmentCounts = new Map(
    db.prepare('SELECT image_id, count(*) FROM segments WHERE removed = 0 GROUP BY image_id').raw().all() as [number, number][],
  );
  const classIds = new Map<number, number[]>();
  const perClass = db
    .prepare(
      `SELECT image_id, class_id FROM segments WHERE class_id IS NOT NULL AND removed = 0
       GROUP BY image_id, class_id ORDER BY image_id, count(*) DESC, class_id`,
    )
    .raw()
    .all() as [number, number][];
  for (const [imageId, classId] of perClass) {
    const list = classIds.get(imageId);
    if (list) list.push(classId);
    else classIds.set(imageId, [classId]);
  }
  const review = new Map(
    (
      db
        .prepare(
          `SELECT image_id, coalesce(sum(removed = 0 AND class_id IS NOT NULL AND decided = 0 AND source <> 'user'), 0),
                  coalesce(sum(decided = 1 OR source = 'user'), 0)
           FROM segments GROUP BY image_id`,
        )
        .raw()
        .all() as [number, number, number][]
    ).map(([id, unreviewed, reviewed]) => [id, { unreviewed, reviewed }]),
  );
  return rows.map((r) => ({
    ...imageFromRow(r),
    segmentCount: segmentCounts.get(r.id) ?? 0,
    classIds: classIds.get(r.id) ?? [],
    unreviewedCount: review.get(r.id)?.unreviewed ?? 0,
    reviewedCount: review.get(r.id)?.reviewed ?? 0,
  }));
}

export interface StoreCounts {
  images: { total: number; pending: number; done: number; failed: number };
  /** Segments not marked as background. */
  segments: number;
  removedSegments: number;
  unassignedSegments: number;
  classes: number;
}

export function projectCounts(db: Database.Database): StoreCounts {
  const images = db
    .prepare(
      `SELECT count(*) AS total, coalesce(sum(status = 'pending'), 0) AS pending,
              coalesce(sum(status = 'done'), 0) AS done, coalesce(sum(status = 'failed'), 0) AS failed FROM images`,
    )
    .get() as StoreCounts['images'];
  const s = db
    .prepare(
      `SELECT coalesce(sum(removed = 0), 0) AS segments, coalesce(sum(removed = 1), 0) AS removedSegments,
              coalesce(sum(removed = 0 AND class_id IS NULL), 0) AS unassignedSegments FROM segments`,
    )
    .get() as Omit<StoreCounts, 'images' | 'classes'>;
  const classes = (db.prepare('SELECT count(*) AS n FROM classes').get() as { n: number }).n;
  return { images, ...s, classes };
}
