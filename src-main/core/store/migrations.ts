// The project database schema, as an ordered list of migrations. `PRAGMA user_version` holds the
// version of the last migration applied; opening a project applies the missing ones in order, each
// in its own transaction (together with its user_version bump), so a crash mid-upgrade leaves the
// file at the previous, consistent version. Never edit a released migration: add a new one.
//
// Schema (latest version):
//   meta(key, value)            project settings as text: folder, model id, preprocessing version,
//                               AMG preset/options JSON, clustering options JSON, created/updated.
//   images                      one row per photo: rel_path ('/'-separated, unique), size, mtime_ms,
//                               content_hash, width/height after EXIF orientation (null until
//                               decoded), status pending|done|failed, error, processed_at.
//   embedding_cache             encoder output keyed by (content_hash, model_id, preprocess_version):
//                               a renamed or moved file has the same hash and hits the cache; an
//                               edited one gets a new hash and is encoded again. data = float16
//                               CHW little-endian, plus shape and the FrameTransform as JSON.
//                               last_used_at orders eviction (v3).
//   classes                     id, name, color '#rrggbb', sort_order, created_by cluster|user.
//                               AUTOINCREMENT: ids are never reused, so the edit history, which
//                               names classes by id, cannot confuse a deleted class with a new one.
//   segments                    one mask: image_id (cascade), RLE size + uncompressed counts as
//                               LEB128 varints, bbox (pycocotools [x, y, w, h], w/h counting
//                               pixels), area, predicted_iou, stability_score, prompt point,
//                               crop box (XYWH), embedding (float16, 256-d), source amg|user,
//                               class_id (null = unassigned or noise), removed (1 = "background",
//                               never exported). AUTOINCREMENT for the same reason as classes.
//   gestures                    the edit history (v2): one row per user gesture with the JSON list
//                               of its changes (each with before and after values, so it can be
//                               applied forwards or backwards); undone = 1 marks the redo tail.
//   user decisions (v4)         classes.status auto|suggested|decided (what clustering made, a
//                               suggestion for new segments, or the user's word), segments.decided
//                               (1 = a user decision covers it). Both change only through gestures.
//   gestures.title (v5)         what a person calls the gesture ("merge class 3 into class 1"),
//                               for "Undo: ..."; '' for gestures recorded before (label stands in).
import type Database from 'better-sqlite3';
import { SamanticError } from '../errors';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** 'SAMA' in ASCII: marks the SQLite file as a Samantic project (PRAGMA application_id). */
export const APPLICATION_ID = 0x53414d41;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'base schema',
    up(db) {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec(`
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
        CREATE TABLE images (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          rel_path TEXT NOT NULL UNIQUE,
          size INTEGER NOT NULL CHECK (size >= 0),
          mtime_ms INTEGER NOT NULL,
          content_hash TEXT NOT NULL,
          width INTEGER,
          height INTEGER,
          status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
          error TEXT,
          processed_at TEXT
        );
        CREATE INDEX images_by_hash ON images(content_hash);
        CREATE TABLE embedding_cache (
          id INTEGER PRIMARY KEY,
          content_hash TEXT NOT NULL,
          model_id TEXT NOT NULL,
          preprocess_version TEXT NOT NULL,
          channels INTEGER NOT NULL,
          grid_h INTEGER NOT NULL,
          grid_w INTEGER NOT NULL,
          transform TEXT NOT NULL,
          data BLOB NOT NULL,
          created_at TEXT NOT NULL,
          UNIQUE (content_hash, model_id, preprocess_version)
        );
        CREATE TABLE classes (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL,
          color TEXT NOT NULL,
          sort_order INTEGER NOT NULL,
          created_by TEXT NOT NULL CHECK (created_by IN ('cluster', 'user'))
        );
        CREATE TABLE segments (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          rle_height INTEGER NOT NULL,
          rle_width INTEGER NOT NULL,
          rle_counts BLOB NOT NULL,
          bbox_x INTEGER NOT NULL,
          bbox_y INTEGER NOT NULL,
          bbox_w INTEGER NOT NULL,
          bbox_h INTEGER NOT NULL,
          area INTEGER NOT NULL,
          predicted_iou REAL NOT NULL,
          stability_score REAL NOT NULL,
          point_x REAL NOT NULL,
          point_y REAL NOT NULL,
          crop_x INTEGER NOT NULL,
          crop_y INTEGER NOT NULL,
          crop_w INTEGER NOT NULL,
          crop_h INTEGER NOT NULL,
          embedding BLOB NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('amg', 'user')),
          class_id INTEGER REFERENCES classes(id),
          removed INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0, 1))
        );
        -- Covering indexes: segment rows are wide (mask + embedding), so the labelling state,
        -- the per-image and per-class counts read these narrow indexes instead of the table.
        CREATE INDEX segments_by_image ON segments(image_id, removed, class_id);
        CREATE INDEX segments_by_class ON segments(class_id, removed, image_id);
      `);
    },
  },
  {
    version: 2,
    name: 'edit history',
    up(db) {
      db.exec(`
        CREATE TABLE gestures (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          label TEXT NOT NULL,
          changes TEXT NOT NULL,
          undone INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
          created_at TEXT NOT NULL
        );
        CREATE INDEX gestures_by_undone ON gestures(undone, id);
      `);
    },
  },
  {
    version: 3,
    name: 'embedding cache eviction order',
    up(db) {
      // Existing entries count as used when they were made, so eviction starts with the oldest.
      db.exec(`
        ALTER TABLE embedding_cache ADD COLUMN last_used_at TEXT NOT NULL DEFAULT '';
        UPDATE embedding_cache SET last_used_at = created_at;
        CREATE INDEX embedding_cache_by_use ON embedding_cache(last_used_at);
      `);
    },
  },
  {
    version: 4,
    name: 'user decisions',
    up(db) {
      // Classes the user created were the user's decision already; records in the edit history
      // without a status read the same way (actions/model.ts classStatus), so undo still matches.
      db.exec(`
        ALTER TABLE classes ADD COLUMN status TEXT NOT NULL DEFAULT 'auto' CHECK (status IN ('auto', 'suggested', 'decided'));
        UPDATE classes SET status = 'decided' WHERE created_by = 'user';
        ALTER TABLE segments ADD COLUMN decided INTEGER NOT NULL DEFAULT 0 CHECK (decided IN (0, 1));
      `);
    },
  },
  {
    version: 5,
    name: 'gesture titles',
    up(db) {
      db.exec(`ALTER TABLE gestures ADD COLUMN title TEXT NOT NULL DEFAULT ''`);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `target` (default: the latest version) and returns the versions
 * applied. `file` only serves error messages.
 */
export function migrate(
  db: Database.Database,
  file: string,
  target = SCHEMA_VERSION,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  const current = schemaVersion(db);
  const latest = migrations[migrations.length - 1].version;
  if (current > latest) {
    throw new SamanticError(
      'store-error',
      `The project file ${file} was written by a newer version of Samantic (schema version ${current}; ` +
        `this version understands up to ${latest}). Update Samantic to open it, or choose another project file.`,
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
