// Segment rows: validation and encoding of what the pipeline hands in, decoding for listing, and
// the one-matrix read of all embeddings that clustering needs.
import type Database from 'better-sqlite3';
import { SamanticError } from '../errors';
import type { ImageEmbedding, SegmentFields } from '../types';
import { decodeFloat16Blob, decodeVarints, encodeFloat16Blob, encodeVarints } from './codec';
import type { SegmentRecord } from '../labels/model';
import type { EmbeddingCacheKey } from './embedding-cache';

export type SegmentSource = 'amg' | 'user';

export type { SegmentFields };

/** A segment as the pipeline (AMG + segment embedding) or a user's drawing produces it. */
export interface NewSegment extends SegmentFields {
  /** Segment embedding (e.g. 256-d); stored as float16. */
  embedding: ArrayLike<number>;
  /** Default 'amg'. */
  source?: SegmentSource;
}

export interface StoredSegment extends SegmentFields {
  id: number;
  imageId: number;
  classId: number | null;
  removed: boolean;
  source: SegmentSource;
  /** A user decision covers it (its own flag; a mask the user made counts too, see source). */
  decided: boolean;
}

/** Every non-removed segment's embedding and the metadata clustering uses, as parallel arrays. */
export interface SegmentVectors {
  count: number;
  /** Embedding length (0 when there are no segments). */
  dim: number;
  ids: Int32Array;
  imageIds: Int32Array;
  /** Class id, or -1 when unassigned. */
  classIds: Int32Array;
  /** 1 for segments marked as background (only present when asked for with includeRemoved). */
  removed: Uint8Array;
  areas: Float64Array;
  /** Pixel count of each segment's image (height * width of its mask). */
  imageAreas: Float64Array;
  /** 4 per segment: pycocotools [x, y, w, h]. */
  bboxes: Float64Array;
  /** count x dim, row-major. */
  vectors: Float32Array;
}

export interface CommitImageOptions {
  /** The encoder output to cache with the result (omit on a cache hit). */
  embedding?: { key: EmbeddingCacheKey; embedding: ImageEmbedding };
  /** Image size after EXIF orientation, if not given to upsertImage. */
  width?: number;
  height?: number;
}

export interface CommitImageResult {
  segmentIds: number[];
  /** Segments of an earlier run that were replaced (the edit history forgets them). */
  replaced: number;
}

export interface SegmentQuery {
  imageId?: number;
  /** A class id, or null for unassigned segments. */
  classId?: number | null;
  /** Default true. */
  includeRemoved?: boolean;
  /** Only these segments. */
  ids?: readonly number[];
  limit?: number;
}

export const SEGMENT_COLUMNS =
  'id, image_id, class_id, removed, decided, source, rle_height, rle_width, rle_counts, bbox_x, bbox_y, bbox_w, bbox_h, ' +
  'area, predicted_iou, stability_score, point_x, point_y, crop_x, crop_y, crop_w, crop_h';

export const INSERT_SEGMENT_SQL =
  'INSERT INTO segments (image_id, rle_height, rle_width, rle_counts, bbox_x, bbox_y, bbox_w, bbox_h, area, ' +
  'predicted_iou, stability_score, point_x, point_y, crop_x, crop_y, crop_w, crop_h, embedding, source) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

export interface SegmentRow {
  id: number;
  image_id: number;
  class_id: number | null;
  removed: number;
  decided: number;
  source: SegmentSource;
  rle_height: number;
  rle_width: number;
  rle_counts: Buffer;
  bbox_x: number;
  bbox_y: number;
  bbox_w: number;
  bbox_h: number;
  area: number;
  predicted_iou: number;
  stability_score: number;
  point_x: number;
  point_y: number;
  crop_x: number;
  crop_y: number;
  crop_w: number;
  crop_h: number;
}

export function segmentFromRow(r: SegmentRow): StoredSegment {
  return {
    id: r.id,
    imageId: r.image_id,
    classId: r.class_id,
    removed: r.removed === 1,
    source: r.source,
    decided: r.decided === 1 || r.source === 'user',
    rle: { size: [r.rle_height, r.rle_width], counts: decodeVarints(r.rle_counts) },
    bbox: [r.bbox_x, r.bbox_y, r.bbox_w, r.bbox_h],
    area: r.area,
    predictedIou: r.predicted_iou,
    stabilityScore: r.stability_score,
    point: [r.point_x, r.point_y],
    cropBox: [r.crop_x, r.crop_y, r.crop_w, r.crop_h],
  };
}

/** Segments matching a query, in id order. */
export function querySegments(db: Database.Database, query: SegmentQuery): StoredSegment[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.imageId !== undefined) {
    where.push('image_id = ?');
    params.push(query.imageId);
  }
  if (query.classId === null) where.push('class_id IS NULL');
  else if (query.classId !== undefined) {
    where.push('class_id = ?');
    params.push(query.classId);
  }
  if (query.includeRemoved === false) where.push('removed = 0');
  if (query.ids !== undefined) {
    where.push('id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(query.ids));
  }
  if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit >= 0)) {
    throw new SamanticError('invalid-argument', `listSegments: limit must be a whole number >= 0, got ${query.limit}.`);
  }
  const sql =
    `SELECT ${SEGMENT_COLUMNS} FROM segments` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY id' +
    (query.limit !== undefined ? ` LIMIT ${query.limit}` : '');
  return (db.prepare(sql).all(...params) as SegmentRow[]).map(segmentFromRow);
}

function isFiniteList(v: unknown, n: number): v is number[] {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * Checks one segment and returns the parameters of INSERT_SEGMENT_SQL. `where` names the segment
 * in messages; `size` is the image's [height, width] when known.
 */
export function segmentInsertParams(imageId: number, s: NewSegment, where: string, size: [number, number] | null): unknown[] {
  const bad = (what: string) =>
    new SamanticError('invalid-argument', `${where}: ${what}. The segment was not saved; this is a bug in the code that produced it.`);
  const [h, w] = s.rle?.size ?? [];
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
    throw bad(`RLE size must be [height, width] > 0, got ${JSON.stringify(s.rle?.size)}`);
  if (size && (size[0] !== h || size[1] !== w)) throw bad(`the mask is ${w}x${h} but the image is ${size[1]}x${size[0]}`);
  if (!Array.isArray(s.rle.counts)) throw bad('RLE counts must be an array');
  let total = 0;
  let area = 0;
  s.rle.counts.forEach((c, i) => {
    total += c;
    if (i % 2 === 1) area += c;
  });
  if (total !== h * w) throw bad(`the RLE counts add up to ${total} pixels but the mask has ${h}x${w} = ${h * w}`);
  if (s.area !== area) throw bad(`area is ${s.area} but the mask has ${area} pixels`);
  if (!isFiniteList(s.bbox, 4) || s.bbox.some((v) => v < 0))
    throw bad(`bbox must be 4 non-negative numbers, got ${JSON.stringify(s.bbox)}`);
  if (!isFiniteList(s.cropBox, 4)) throw bad(`cropBox must be 4 numbers, got ${JSON.stringify(s.cropBox)}`);
  if (!isFiniteList(s.point, 2)) throw bad(`point must be 2 numbers, got ${JSON.stringify(s.point)}`);
  if (!Number.isFinite(s.predictedIou) || !Number.isFinite(s.stabilityScore)) {
    throw bad(`predictedIou and stabilityScore must be finite numbers, got ${s.predictedIou} and ${s.stabilityScore}`);
  }
  const source = s.source ?? 'amg';
  if (source !== 'amg' && source !== 'user') throw bad(`source must be 'amg' or 'user', got ${JSON.stringify(source)}`);
  const e = s.embedding;
  if (!e || typeof e.length !== 'number' || e.length === 0) throw bad('the embedding is missing or empty');
  for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i])) throw bad(`embedding[${i}] is ${e[i]}`);
  return [
    imageId,
    h,
    w,
    encodeVarints(s.rle.counts),
    ...s.bbox,
    area,
    s.predictedIou,
    s.stabilityScore,
    ...s.point,
    ...s.cropBox,
    encodeFloat16Blob(e),
    source,
  ];
}

/**
 * Reads the embeddings of all non-removed segments (optionally of one class; with includeRemoved,
 * the background ones too) in id order.
 */
export function readSegmentVectors(db: Database.Database, file: string, classId?: number, includeRemoved = false): SegmentVectors {
  const where = [includeRemoved ? '1' : 'removed = 0', classId === undefined ? '1' : 'class_id = ?'].join(' AND ');
  const rows = db
    .prepare(
      `SELECT id, image_id, class_id, area, rle_height * rle_width, bbox_x, bbox_y, bbox_w, bbox_h, embedding, removed
       FROM segments WHERE ${where} ORDER BY id`,
    )
    .raw()
    .all(...(classId === undefined ? [] : [classId])) as [
    number,
    number,
    number | null,
    number,
    number,
    number,
    number,
    number,
    number,
    Buffer,
    number,
  ][];
  const count = rows.length;
  const dim = count > 0 ? rows[0][9].length / 2 : 0;
  const out: SegmentVectors = {
    count,
    dim,
    ids: new Int32Array(count),
    imageIds: new Int32Array(count),
    classIds: new Int32Array(count),
    removed: new Uint8Array(count),
    areas: new Float64Array(count),
    imageAreas: new Float64Array(count),
    bboxes: new Float64Array(count * 4),
    vectors: new Float32Array(count * dim),
  };
  rows.forEach((r, i) => {
    if (r[9].length !== dim * 2) {
      throw new SamanticError(
        'store-error',
        `The project file ${file} mixes segment embeddings of different sizes (segment ${r[0]} has ${r[9].length / 2}, ` +
          `segment ${rows[0][0]} has ${dim}). Process all images again with one model.`,
      );
    }
    out.ids[i] = r[0];
    out.imageIds[i] = r[1];
    out.classIds[i] = r[2] ?? -1;
    out.removed[i] = r[10];
    out.areas[i] = r[3];
    out.imageAreas[i] = r[4];
    out.bboxes.set([r[5], r[6], r[7], r[8]], i * 4);
    decodeFloat16Blob(r[9], out.vectors.subarray(i * dim, (i + 1) * dim));
  });
  return out;
}

// Whole segment rows as the edit history carries them (actions/model.ts SegmentRecord): read one,
// and insert, delete or rewrite one with its expected current values in the WHERE clause.

export const SEGMENT_RECORD_COLUMNS = `${SEGMENT_COLUMNS}, embedding`;

export function segmentRecordFromRow(r: SegmentRow & { embedding: Buffer }): SegmentRecord {
  const { id: _id, ...record } = segmentFromRow(r);
  return { ...record, embedding: Array.from(decodeFloat16Blob(r.embedding)) };
}

export const INSERT_SEGMENT_RECORD_SQL =
  'INSERT INTO segments (image_id, class_id, removed, decided, source, rle_height, rle_width, rle_counts, bbox_x, bbox_y, bbox_w, bbox_h, ' +
  'area, predicted_iou, stability_score, point_x, point_y, crop_x, crop_y, crop_w, crop_h, embedding, id) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Matches the row a change expects: its mask, origin, class and flag. */
const EXPECTED = 'id = ? AND rle_counts = ? AND source = ? AND class_id IS ? AND removed = ?';

export const DELETE_SEGMENT_RECORD_SQL = `DELETE FROM segments WHERE ${EXPECTED}`;

export const UPDATE_SEGMENT_RECORD_SQL =
  'UPDATE segments SET image_id = ?, class_id = ?, removed = ?, decided = ?, source = ?, rle_height = ?, rle_width = ?, rle_counts = ?, ' +
  'bbox_x = ?, bbox_y = ?, bbox_w = ?, bbox_h = ?, area = ?, predicted_iou = ?, stability_score = ?, point_x = ?, point_y = ?, ' +
  `crop_x = ?, crop_y = ?, crop_w = ?, crop_h = ?, embedding = ? WHERE ${EXPECTED}`;

/** The values of a record in the column order of INSERT/UPDATE_SEGMENT_RECORD_SQL (without the id). */
export function segmentRecordValues(r: SegmentRecord): unknown[] {
  return [
    r.imageId,
    r.classId,
    r.removed ? 1 : 0,
    r.decided ? 1 : 0,
    r.source,
    r.rle.size[0],
    r.rle.size[1],
    encodeVarints(r.rle.counts),
    ...r.bbox,
    r.area,
    r.predictedIou,
    r.stabilityScore,
    ...r.point,
    ...r.cropBox,
    encodeFloat16Blob(r.embedding),
  ];
}

/** The WHERE values of DELETE/UPDATE_SEGMENT_RECORD_SQL for the row `r` is expected to be. */
export function segmentRecordExpected(id: number, r: SegmentRecord): unknown[] {
  return [id, encodeVarints(r.rle.counts), r.source, r.classId, r.removed ? 1 : 0];
}
