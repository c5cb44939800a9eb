// One project = one SQLite file (default <folder>/.samantic/project.db). The store is synchronous
// (better-sqlite3): every method is one statement or one transaction. The schema is documented in
// migrations.ts. The labelling state (classes, segments' class and removed flag) changes only
// through `history` gestures (see gesture-log.ts and actions/persistent.ts), so undo and redo always
// match the data; everything else (images, segments, cache, meta) is written here.
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { IMAGE_STATUSES, type ImageStatus } from '../vocab';
import { SamanticError } from '../errors';
import type { ImageEmbedding } from '../types';
import type { ClassOrigin, ClassStatus, LabelState, SegmentRecord } from '../labels/model';
import {
  type EmbeddingCacheKey,
  type EmbeddingCacheStats,
  embeddingCacheStats,
  getCachedEmbedding,
  pruneEmbeddingCache,
  putCachedEmbedding,
  hasCachedEmbedding,
} from './embedding-cache';
import { GestureLog, type HistoryLimits, loadLabelState } from './gesture-log';
import { META_KEYS, allMeta, getMeta, getMetaJson, setMeta, touchUpdated } from './meta';
import { acquireProjectLock, type LockOptions, type ProjectLock } from './lock';
import { type OpenDatabaseOptions, openDatabase, prepareProjectPath } from './open';
import {
  type EmbeddingKeyCount,
  embeddingKeys,
  importShardImages,
  nextSegmentId,
  type ShardImageImport,
  type ShardImportResult,
} from './shard-import';
import {
  type CommitImageOptions,
  type CommitImageResult,
  INSERT_SEGMENT_SQL,
  type NewSegment,
  type SegmentQuery,
  type SegmentRow,
  type SegmentVectors,
  type StoredSegment,
  readSegmentVectors,
  SEGMENT_RECORD_COLUMNS,
  querySegments,
  segmentRecordFromRow,
  segmentInsertParams,
} from './segments';
import {
  type ImageFileInfo,
  type ImageRecord,
  type ImageRow,
  type ImageSummary,
  type UpsertImageResult,
  checkImageFileInfo,
  imageFromRow,
  listImageSummaries,
  projectCounts,
  type StoreCounts,
  writeImage,
} from './images';

// The types callers need, from one place.
export type { EmbeddingCacheKey, EmbeddingCacheStats } from './embedding-cache';
export type { HistoryLimits, StoredGesture } from './gesture-log';
export type { ImageFileInfo, ImageRecord, ImageSummary, StoreCounts, UpsertImageResult } from './images';
export { META_KEYS } from './meta';
export type { EmbeddingKeyCount, ShardImageImport, ShardImportResult } from './shard-import';
export type { CommitImageOptions, CommitImageResult, NewSegment, SegmentQuery, SegmentVectors, StoredSegment } from './segments';

export interface ProjectStoreOptions extends OpenDatabaseOptions, LockOptions {
  history?: HistoryLimits;
}

export interface ClassSummary {
  id: number;
  name: string;
  color: string;
  order: number;
  createdBy: ClassOrigin;
  status: ClassStatus;
  segmentCount: number;
  imageCount: number;
  /** Members no user decision covers (put there by clustering or the classifier). */
  unreviewedCount: number;
}

export class ProjectStore {
  readonly history: GestureLog;

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    options: ProjectStoreOptions,
    private readonly lock: ProjectLock | null,
  ) {
    this.history = new GestureLog(db, options.history);
  }

  /** The default project file of a photo folder. */
  static defaultPath(folder: string): string {
    return join(folder, '.samantic', 'project.db');
  }

  /**
   * Opens (with create: true, creates) a project file; throws SamanticError naming the file on
   * failure. A writer holds the project's lock (lock.ts) until close(): a second writer is refused
   * with 'busy'. readOnly opens take no lock and never write.
   */
  static open(file: string, options: ProjectStoreOptions = {}): ProjectStore {
    if (options.readOnly) return new ProjectStore(file, openDatabase(file, options), options, null);
    prepareProjectPath(file, options);
    const lock = acquireProjectLock(file, options);
    try {
      const db = openDatabase(file, options);
      if (getMeta(db, META_KEYS.createdAt) === null) setMeta(db, META_KEYS.createdAt, new Date().toISOString());
      return new ProjectStore(file, db, options, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  get readOnly(): boolean {
    return this.lock === null;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.lock?.release();
  }

  /** Runs fn in one transaction (nested calls become savepoints): e.g. a whole folder scan. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // --- meta -------------------------------------------------------------------------------------

  getMeta(key: string): string | null {
    return getMeta(this.db, key);
  }

  /** null deletes the key. */
  setMeta(key: string, value: string | null): void {
    setMeta(this.db, key, value);
  }

  getMetaJson<T>(key: string): T | null {
    return getMetaJson<T>(this.db, key, this.file);
  }

  setMetaJson(key: string, value: unknown): void {
    setMeta(this.db, key, JSON.stringify(value));
  }

  allMeta(): Record<string, string> {
    return allMeta(this.db);
  }

  // --- images -----------------------------------------------------------------------------------

  /** Adds a photo, or updates it by relPath; a changed content hash sends it back to 'pending'. */
  upsertImage(info: ImageFileInfo): UpsertImageResult {
    checkImageFileInfo(info);
    return this.transaction(() => {
      const existing = this.findImageByPath(info.relPath);
      return writeImage(this.db, info, existing);
    });
  }

  getImage(id: number): ImageRecord | null {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row ? imageFromRow(row) : null;
  }

  findImageByPath(relPath: string): ImageRecord | null {
    const row = this.db.prepare('SELECT * FROM images WHERE rel_path = ?').get(relPath) as ImageRow | undefined;
    return row ? imageFromRow(row) : null;
  }

  findImagesByHash(contentHash: string): ImageRecord[] {
    return (this.db.prepare('SELECT * FROM images WHERE content_hash = ? ORDER BY id').all(contentHash) as ImageRow[]).map(imageFromRow);
  }

  /** Images by relPath, with their segment count and classes. */
  listImages(filter: { status?: ImageStatus } = {}): ImageSummary[] {
    return listImageSummaries(this.db, filter.status);
  }

  setImageStatus(id: number, status: ImageStatus, error: string | null = null): void {
    if (!IMAGE_STATUSES.includes(status)) {
      throw new SamanticError(
        'invalid-argument',
        `setImageStatus: status must be one of ${IMAGE_STATUSES.join(', ')}, got ${JSON.stringify(status)}.`,
      );
    }
    const processedAt = status === 'pending' ? null : new Date().toISOString();
    const r = this.db
      .prepare('UPDATE images SET status = ?, error = ?, processed_at = ? WHERE id = ?')
      .run(status, status === 'failed' ? error : null, processedAt, id);
    if (r.changes !== 1) throw this.imageNotFound(id);
  }

  /** Records why an image could not be processed; segments of an earlier successful run are kept. */
  markImageFailed(id: number, reason: string): void {
    this.setImageStatus(id, 'failed', reason);
  }

  /** A photo moved within the folder: keeps its segments and classes. */
  renameImage(id: number, relPath: string): void {
    checkImageFileInfo({ relPath, size: 0, mtimeMs: 0, contentHash: '-' });
    const other = this.findImageByPath(relPath);
    if (other && other.id !== id) {
      throw new SamanticError('invalid-argument', `renameImage: ${relPath} is already image ${other.id}; remove that one first.`);
    }
    if (this.db.prepare('UPDATE images SET rel_path = ? WHERE id = ?').run(relPath, id).changes !== 1) throw this.imageNotFound(id);
  }

  /** Forgets photos that left the folder, with their segments (and those segments' part in the edit history). */
  removeImages(ids: number[]): void {
    this.transaction(() => {
      const del = this.db.prepare('DELETE FROM images WHERE id = ?');
      const segments = this.db.prepare('SELECT id FROM segments WHERE image_id = ?').pluck();
      const removed = new Set<number>();
      for (const id of ids) {
        for (const s of segments.all(id) as number[]) removed.add(s);
        del.run(id);
      }
      this.history.forgetSegments(removed);
      touchUpdated(this.db);
    });
  }

  // --- embedding cache --------------------------------------------------------------------------

  getCachedEmbedding(contentHash: string, modelId: string, preprocessVersion: string): ImageEmbedding | null {
    return getCachedEmbedding(this.db, { contentHash, modelId, preprocessVersion });
  }

  hasCachedEmbedding(key: EmbeddingCacheKey): boolean {
    return hasCachedEmbedding(this.db, key);
  }

  putCachedEmbedding(key: EmbeddingCacheKey, embedding: ImageEmbedding): void {
    putCachedEmbedding(this.db, key, embedding);
  }

  embeddingCacheStats(): EmbeddingCacheStats {
    return embeddingCacheStats(this.db);
  }

  /** Evicts cache entries beyond maxBytes (orphans first, then least recently used); returns the count. */
  pruneEmbeddingCache(maxBytes: number): number {
    return pruneEmbeddingCache(this.db, maxBytes);
  }

  /** The model and preprocessing versions of the cached embeddings, most entries first. */
  embeddingKeys(): EmbeddingKeyCount[] {
    return embeddingKeys(this.db);
  }

  // --- merging shards (shard-import.ts) -----------------------------------------------------------

  nextSegmentId(): number {
    return nextSegmentId(this.db);
  }

  /** Brings a shard project's finished images in, as ONE transaction; images already done here are skipped. */
  importShard(shard: ProjectStore, plan: readonly ShardImageImport[]): ShardImportResult {
    return this.transaction(() => {
      const r = importShardImages(this.db, shard.db, shard.file, plan);
      // The history names segments by id: the replaced ones leave it, the rest of it stays.
      this.history.forgetSegments(new Set(r.replacedIds));
      if (r.images.length > 0) touchUpdated(this.db);
      return r;
    });
  }

  // --- segments ---------------------------------------------------------------------------------

  /**
   * Stores one image's result in ONE transaction: deletes the segments of any earlier run (so a
   * rerun never duplicates), inserts the new ones, caches the embedding if given, and marks the
   * image done. If anything fails nothing is written, so a crash loses at most the image in progress.
   */
  commitImageResult(imageId: number, segments: NewSegment[], options: CommitImageOptions = {}): CommitImageResult {
    return this.transaction(() => {
      const image = this.getImage(imageId);
      if (!image) throw this.imageNotFound(imageId);
      if (options.embedding && options.embedding.key.contentHash !== image.contentHash) {
        throw new SamanticError(
          'invalid-argument',
          `commitImageResult: the embedding is keyed by hash ${options.embedding.key.contentHash} but image ` +
            `${image.relPath} has hash ${image.contentHash}; the file changed while it was processed. Scan the folder again.`,
        );
      }
      const width = options.width ?? image.width;
      const height = options.height ?? image.height;
      const size: [number, number] | null = width !== null && height !== null ? [height, width] : null;
      // Segments the user made or edited are decisions, not results: a rerun never drops them.
      const old = new Set(
        this.db.prepare("SELECT id FROM segments WHERE image_id = ? AND source = 'amg'").pluck().all(imageId) as number[],
      );
      const replaced = this.db.prepare("DELETE FROM segments WHERE image_id = ? AND source = 'amg'").run(imageId).changes;
      const insert = this.db.prepare(INSERT_SEGMENT_SQL);
      const segmentIds = segments.map((s, i) => {
        const params = segmentInsertParams(imageId, s, `segment #${i} of image ${image.relPath}`, size);
        return Number(insert.run(...params).lastInsertRowid);
      });
      if (options.embedding) putCachedEmbedding(this.db, options.embedding.key, options.embedding.embedding);
      this.db
        .prepare(
          `UPDATE images SET status = 'done', error = NULL, processed_at = ?,
             width = coalesce(?, width), height = coalesce(?, height) WHERE id = ?`,
        )
        .run(new Date().toISOString(), options.width ?? null, options.height ?? null, imageId);
      // The history names segments by id: the replaced ones leave it, the rest of it stays.
      this.history.forgetSegments(old);
      touchUpdated(this.db);
      return { segmentIds, replaced };
    });
  }

  /**
   * Adds segments to an image and keeps its others (an import, a user's drawing), in one
   * transaction. With `markDone` an image not yet processed is recorded as done with the given
   * size, so the automatic masks never run over (and replace) what the user brought in.
   */
  addSegments(imageId: number, segments: NewSegment[], options: CommitImageOptions & { markDone?: boolean } = {}): number[] {
    return this.transaction(() => {
      const image = this.getImage(imageId);
      if (!image) throw this.imageNotFound(imageId);
      const width = options.width ?? image.width;
      const height = options.height ?? image.height;
      const size: [number, number] | null = width !== null && height !== null ? [height, width] : null;
      const insert = this.db.prepare(INSERT_SEGMENT_SQL);
      const ids = segments.map((s, i) =>
        Number(insert.run(...segmentInsertParams(imageId, s, `segment #${i} added to ${image.relPath}`, size)).lastInsertRowid),
      );
      if (options.embedding) putCachedEmbedding(this.db, options.embedding.key, options.embedding.embedding);
      this.db
        .prepare('UPDATE images SET width = coalesce(?, width), height = coalesce(?, height) WHERE id = ?')
        .run(options.width ?? null, options.height ?? null, imageId);
      if (options.markDone && image.status !== 'done') this.setImageStatus(imageId, 'done');
      touchUpdated(this.db);
      return ids;
    });
  }

  /** Segments in id order. */
  listSegments(query: SegmentQuery = {}): StoredSegment[] {
    return querySegments(this.db, query);
  }

  /** One whole segment row (mask, derived fields, embedding) as mask actions record it, or null. */
  getSegmentRecord(id: number): SegmentRecord | null {
    const row = this.db.prepare(`SELECT ${SEGMENT_RECORD_COLUMNS} FROM segments WHERE id = ?`).get(id) as
      (SegmentRow & { embedding: Buffer }) | undefined;
    return row ? segmentRecordFromRow(row) : null;
  }

  /** Embeddings of all non-removed segments (or of one class; or with the removed ones too) as one matrix. */
  getSegmentVectors(filter: { classId?: number; includeRemoved?: boolean } = {}): SegmentVectors {
    return readSegmentVectors(this.db, this.file, filter.classId, filter.includeRemoved ?? false);
  }

  // --- classes and labels -----------------------------------------------------------------------

  listClasses(): ClassSummary[] {
    return this.db
      .prepare(
        `SELECT c.id, c.name, c.color, c.sort_order AS "order", c.created_by AS createdBy, c.status,
                count(s.id) AS segmentCount, count(DISTINCT s.image_id) AS imageCount,
                coalesce(sum(s.decided = 0 AND s.source <> 'user'), 0) AS unreviewedCount
         FROM classes c LEFT JOIN segments s ON s.class_id = c.id AND s.removed = 0
         GROUP BY c.id ORDER BY c.sort_order, c.id`,
      )
      .all() as ClassSummary[];
  }

  /** The labelling state as the pure actions see it. */
  loadLabelState(): LabelState {
    return loadLabelState(this.db);
  }

  counts(): StoreCounts {
    return projectCounts(this.db);
  }

  private imageNotFound(id: number): SamanticError {
    return new SamanticError('not-found', `Image ${id} is not in the project ${this.file}; scan the folder again and retry.`);
  }
}
