import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { APPLICATION_ID, MIGRATIONS, type Migration, SCHEMA_VERSION, migrate, schemaVersion } from './migrations';
import { ProjectStore } from './project-store';
import { type TempDir, tempDir } from './fixtures.testing';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
  mkdirSync(dirname(tmp.file), { recursive: true });
});
afterEach(() => tmp.cleanup());

function openError(file: string): SamanticError {
  try {
    ProjectStore.open(file, { create: true }).close();
  } catch (err) {
    expect(err).toBeInstanceOf(SamanticError);
    return err as SamanticError;
  }
  throw new Error('expected opening to fail');
}

function tables(db: Database.Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
  ).map((r) => r.name);
}

/** A database made by Samantic at schema `version`, with one image, segment-free. */
function databaseAt(version: number): Database.Database {
  const db = new Database(tmp.file);
  db.pragma('foreign_keys = ON');
  migrate(db, tmp.file, version);
  db.prepare("INSERT INTO images (rel_path, size, mtime_ms, content_hash) VALUES ('a.jpg', 1, 2, 'h')").run();
  return db;
}

describe('migrations', () => {
  it('are numbered 1, 2, 3, ... and there are at least two', () => {
    expect(MIGRATIONS.length).toBeGreaterThanOrEqual(2);
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('v1 creates the base schema and marks the file as Samantic', () => {
    const db = databaseAt(1);
    expect(schemaVersion(db)).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(tables(db)).toEqual(['classes', 'embedding_cache', 'images', 'meta', 'segments']);
    db.close();
  });

  it('v2 adds the edit history to a v1 database and keeps its data', () => {
    const db = databaseAt(1);
    expect(migrate(db, tmp.file, 2)).toEqual([2]);
    expect(schemaVersion(db)).toBe(2);
    expect(tables(db)).toContain('gestures');
    expect(db.prepare('SELECT rel_path FROM images').pluck().all()).toEqual(['a.jpg']);
    db.prepare("INSERT INTO gestures (label, changes, created_at) VALUES ('x', '[]', 't')").run();
    expect(db.prepare('SELECT undone FROM gestures').pluck().get()).toBe(0);
    db.close();
  });

  it("v3 adds last_used_at to a v2 cache, starting from each entry's creation time", () => {
    const db = databaseAt(2);
    db.prepare(
      "INSERT INTO embedding_cache (content_hash, model_id, preprocess_version, channels, grid_h, grid_w, transform, data, created_at) VALUES ('h', 'm', 'p', 1, 1, 1, '{}', x'0000', '2024-01-02T03:04:05.000Z')",
    ).run();
    expect(migrate(db, tmp.file, 3)).toEqual([3]);
    expect(db.prepare('SELECT last_used_at FROM embedding_cache').pluck().get()).toBe('2024-01-02T03:04:05.000Z');
    db.close();
  });

  it('v4 records user decisions: classes the user made are decided, the others auto, no segment decided', () => {
    const db = databaseAt(3);
    db.prepare(
      "INSERT INTO classes (name, color, sort_order, created_by) VALUES ('mine', '#000000', 0, 'user'), ('found', '#ffffff', 1, 'cluster')",
    ).run();
    migrate(db, tmp.file, 4);
    expect(db.prepare('SELECT name, status FROM classes ORDER BY id').all()).toEqual([
      { name: 'mine', status: 'decided' },
      { name: 'found', status: 'auto' },
    ]);
    expect(db.prepare("SELECT count(*) AS n FROM pragma_table_info('segments') WHERE name = 'decided'").get()).toEqual({ n: 1 });
    expect(() => db.prepare("UPDATE classes SET status = 'maybe'").run()).toThrow(/CHECK/);
    db.close();
  });

  it('ProjectStore.open upgrades a v1 file to the latest version, and the upgraded file works', () => {
    databaseAt(1).close();
    const store = ProjectStore.open(tmp.file);
    expect(store.listImages().map((i) => i.relPath)).toEqual(['a.jpg']);
    expect(store.history.canUndo()).toBe(false);
    store.close();
    const db = new Database(tmp.file, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('applies nothing twice', () => {
    const db = databaseAt(SCHEMA_VERSION);
    expect(migrate(db, tmp.file)).toEqual([]);
    db.close();
  });

  it('a failing migration leaves the file at the previous version, untouched', () => {
    const db = databaseAt(1);
    const broken: Migration[] = [
      MIGRATIONS[0],
      {
        version: 2,
        name: 'half done',
        up(d) {
          d.exec('CREATE TABLE half (x)');
          throw new Error('disk full');
        },
      },
    ];
    expect(() => migrate(db, tmp.file, 2, broken)).toThrow(/disk full/);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).not.toContain('half');
    db.close();
  });
});

describe('opening files that are not current projects', () => {
  it('a file from a newer Samantic gives a clear error naming it', () => {
    const db = databaseAt(SCHEMA_VERSION);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    const err = openError(tmp.file);
    expect(err.code).toBe('store-error');
    expect(err.message).toContain(tmp.file);
    expect(err.message).toContain('newer version of Samantic');
    expect(err.message).toContain(`schema version ${SCHEMA_VERSION + 5}`);
  });

  it('a non-SQLite file gives a clear error naming it, and is left as it was', () => {
    const junk = Buffer.from('this is a JPEG, honestly '.repeat(200));
    writeFileSync(tmp.file, junk);
    const err = openError(tmp.file);
    expect(err.code).toBe('store-error');
    expect(err.message).toContain(tmp.file);
    expect(err.message).toContain('not a readable SQLite database');
    expect(readFileSync(tmp.file).equals(junk)).toBe(true);
  });

  it('a project whose pages were overwritten gives a clear error', () => {
    const store = ProjectStore.open(tmp.file, { create: true });
    store.close();
    const bytes = readFileSync(tmp.file);
    bytes.fill(0xa5, 100); // keep the 100-byte header, destroy every page
    writeFileSync(tmp.file, bytes);
    const err = openError(tmp.file);
    expect(err.code).toBe('store-error');
    expect(err.message).toContain(tmp.file);
  });

  it("another program's SQLite database is refused, not migrated", () => {
    const other = new Database(tmp.file);
    other.exec('CREATE TABLE contacts (name TEXT)');
    other.close();
    const err = openError(tmp.file);
    expect(err.message).toContain('not a Samantic project');
    const check = new Database(tmp.file, { readonly: true });
    expect(tables(check)).toEqual(['contacts']);
    check.close();
  });

  it('a directory in place of the file is refused', () => {
    const dir = join(tmp.dir, 'folder.db');
    mkdirSync(dir);
    expect(openError(dir).message).toContain('is a directory');
  });
});
