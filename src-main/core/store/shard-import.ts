// Bringing a shard project's finished images into the main project (service/merging.ts plans
// which and in what order). Rows are copied as stored (masks, scores and float16 embeddings byte for
// byte), so a merged project holds exactly what one unsharded run would have written. Segments get
// the ids the plan gives them: the plan numbers them in the main project's image order, so a merged
// project clusters exactly like an unsharded one, whichever shard finished which image.
import type Database from 'better-sqlite3';
import { SamanticError } from '../errors';

/** One shard image to bring into one main image. */
export interface ShardImageImport {
  mainImageId: number;
  shardImageId: number;
  /** The id the first of its segments gets; the others follow one by one. */
  firstSegmentId: number;
}

export interface ShardImportResult {
  /** Images brought in. */
  images: number[];
  segments: number;
  /** Images the plan named that were done or changed in the main project by then: left as they are. */
  skipped: number;
  /** Embedding cache entries copied (ones the main project had already are kept). */
  cacheEntries: number;
  /** Automatic segments of an earlier run of the main project that were replaced. */
  replaced: number;
  /** Their ids (the edit history forgets them). */
  replacedIds: number[];
}

export interface EmbeddingKeyCount {
  modelId: string;
  preprocessVersion: string;
  entries: number;
}

/** The model and preprocessing versions the cached embeddings of a project were made with. */
export function embeddingKeys(db: Database.Database): EmbeddingKeyCount[] {
  return db
    .prepare(
      `SELECT model_id AS modelId, preprocess_version AS preprocessVersion, count(*) AS entries
       FROM embedding_cache GROUP BY model_id, preprocess_version ORDER BY count(*) DESC, model_id`,
    )
    .all() as EmbeddingKeyCount[];
}

/** The id the next segment may take without meeting any segment ever stored (AUTOINCREMENT). */
export function nextSegmentId(db: Database.Database): number {
  const row = db
    .prepare(
      `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'segments'), 0),
                  coalesce((SELECT max(id) FROM segments), 0)) AS last`,
    )
    .get() as { last: number };
  return row.last + 1;
}

const COPIED_SEGMENT_COLUMNS =
  'rle_height, rle_width, rle_counts, bbox_x, bbox_y, bbox_w, bbox_h, area, predicted_iou, stability_score, ' +
  'point_x, point_y, crop_x, crop_y, crop_w, crop_h, embedding, source';

const CACHE_COLUMNS = 'content_hash, model_id, preprocess_version, channels, grid_h, grid_w, transform, data, created_at, last_used_at';

interface ShardImageRow {
  content_hash: string;
  status: string;
  width: number | null;
  height: number | null;
  processed_at: string | null;
}

/**
 * Copies the planned images' segments and cached embeddings from `shard` into `main` and marks
 * them done. Call inside one transaction of `main`. An image already done in `main` (merged before,
 * or processed there) or whose content changed there is skipped, so running it twice adds nothing.
 * Segments arrive unassigned and undecided: classification happens once, after all shards.
 */
export function importShardImages(
  main: Database.Database,
  shard: Database.Database,
  shardFile: string,
  plan: readonly ShardImageImport[],
): ShardImportResult {
  const result: ShardImportResult = { images: [], segments: 0, skipped: 0, cacheEntries: 0, replaced: 0, replacedIds: [] };
  const readImage = shard.prepare('SELECT content_hash, status, width, height, processed_at FROM images WHERE id = ?');
  const readSegments = shard.prepare(`SELECT ${COPIED_SEGMENT_COLUMNS} FROM segments WHERE image_id = ? AND removed = 0 ORDER BY id`);
  const readCache = shard.prepare(`SELECT ${CACHE_COLUMNS} FROM embedding_cache WHERE content_hash = ?`);
  const claim = main.prepare(
    `UPDATE images SET status = 'done', error = NULL, processed_at = ?, width = coalesce(?, width), height = coalesce(?, height)
     WHERE id = ? AND content_hash = ? AND status <> 'done'`,
  );
  // As a rerun of the image would: automatic masks of an earlier attempt go, the user's stay.
  const listAmg = main.prepare("SELECT id FROM segments WHERE image_id = ? AND source = 'amg'").pluck();
  const dropAmg = main.prepare("DELETE FROM segments WHERE image_id = ? AND source = 'amg'");
  const insertSegment = main.prepare(
    `INSERT INTO segments (id, image_id, ${COPIED_SEGMENT_COLUMNS}) VALUES (${Array(20).fill('?').join(', ')})`,
  );
  const insertCache = main.prepare(
    `INSERT INTO embedding_cache (${CACHE_COLUMNS}) VALUES (${Array(10).fill('?').join(', ')})
     ON CONFLICT (content_hash, model_id, preprocess_version) DO NOTHING`,
  );
  for (const item of plan) {
    const img = readImage.get(item.shardImageId) as ShardImageRow | undefined;
    if (!img || img.status !== 'done') {
      throw new SamanticError(
        'store-error',
        `The shard project ${shardFile} changed while it was being merged (image ${item.shardImageId}). Let its worker finish, then merge again.`,
      );
    }
    if (claim.run(img.processed_at, img.width, img.height, item.mainImageId, img.content_hash).changes !== 1) {
      result.skipped++;
      continue;
    }
    result.replacedIds.push(...(listAmg.all(item.mainImageId) as number[]));
    result.replaced += dropAmg.run(item.mainImageId).changes;
    const rows = readSegments.raw().all(item.shardImageId) as unknown[][];
    rows.forEach((row, k) => insertSegment.run(item.firstSegmentId + k, item.mainImageId, ...row));
    for (const row of readCache.raw().all(img.content_hash) as unknown[][]) result.cacheEntries += insertCache.run(...row).changes;
    result.images.push(item.mainImageId);
    result.segments += rows.length;
  }
  return result;
}
