// Opening a project database: checks that the file is a Samantic project (or a new one), sets the
// connection up and migrates the schema. Every failure becomes a SamanticError naming the file.
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SamanticError } from '../errors';
import { mkdirTree } from '../util/mkdir';
import { APPLICATION_ID, migrate, schemaVersion } from './migrations';

export interface OpenDatabaseOptions {
  /** Create the file (and its directory) when it does not exist. Default false. */
  create?: boolean;
  /**
   * How long a write waits for another process holding the write lock (e.g. the CLI while the app
   * runs) before failing with SQLITE_BUSY. 5 s is long enough for one image's commit.
   */
  busyTimeoutMs?: number;
  /**
   * Open for reading only (info, export beside a running writer): no migration, no pragma that
   * writes, no lock. The file is never modified.
   */
  readOnly?: boolean;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function storeError(file: string, problem: string, advice: string, cause?: unknown): SamanticError {
  const detail = cause instanceof Error ? ` (SQLite: ${cause.message})` : '';
  return new SamanticError('store-error', `The project file ${file} ${problem}${detail}. ${advice}`);
}

const MOVE_ASIDE = 'Move or rename that file and open the folder again to start a new project, or choose another project file.';

const RECOVER =
  'It was left as it is. To recover, restore a backup copy of it (with its -wal file, if any, beside it), ' +
  'or start a new project with --project <another file> (or move the file aside and open the folder again).';

/**
 * Checks the path before anything is opened or locked: a missing file (unless create), a folder,
 * an empty file are refused; the folder of a new file is made. Returns whether the file exists.
 */
export function prepareProjectPath(file: string, options: OpenDatabaseOptions = {}): boolean {
  const exists = existsSync(file);
  if (!exists && !options.create) {
    throw new SamanticError(
      'not-found',
      `There is no project file at ${file}. Open the photo folder to create a new project, or check the path.`,
    );
  }
  if (exists && statSync(file).isDirectory()) {
    throw storeError(file, 'is a directory, not a file', 'Choose a file path for the project.');
  }
  // An existing empty file is not ours to turn into a database: it may be a placeholder or a
  // project whose contents were lost, and the user must decide.
  if (exists && statSync(file).size === 0) {
    throw storeError(file, 'is empty (0 bytes), not a Samantic project', RECOVER);
  }
  if (!exists) {
    try {
      mkdirTree(dirname(file));
    } catch (err) {
      throw storeError(file, 'cannot be created because its folder cannot be made', 'Check the permissions of the folder.', err);
    }
  }
  return exists;
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const exists = prepareProjectPath(file, options);

  let db: Database.Database;
  try {
    // The desktop start script builds an Electron-ABI copy of better-sqlite3 and names it here;
    // under plain Node (CLI, tests, server) the package's own binding is used.
    const nativeBinding = process.env.SAMANTIC_SQLITE_BINDING || undefined;
    db = new Database(file, {
      fileMustExist: !options.create || options.readOnly === true,
      readonly: options.readOnly === true,
      nativeBinding,
    });
  } catch (err) {
    throw storeError(file, 'cannot be opened', 'Check that it exists and that you may read and write it.', err);
  }
  try {
    checkIdentity(db, file);
    // Before anything writes (the WAL switch rewrites the header, a migration writes pages): a
    // damaged file is reported and left byte-for-byte as it is.
    if (exists) checkIntegrity(db, file);
    if (options.readOnly) {
      if (schemaVersion(db) === 0)
        throw storeError(file, 'has no Samantic project in it yet', 'Open the photo folder to create the project.');
      return db;
    }
    // WAL: readers never block the writer, and a killed process loses nothing committed.
    // synchronous=NORMAL is durable against process crashes (only a power cut can drop the last
    // commits), and much faster than FULL for the one-transaction-per-image write pattern.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS}`);
    migrate(db, file);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof SamanticError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw storeError(file, 'is not a readable SQLite database (corrupt, truncated or another kind of file)', RECOVER, err);
    }
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
      throw storeError(file, 'cannot be written', 'Check that you may write the file and its folder.', err);
    }
    if (code === 'SQLITE_BUSY') {
      throw storeError(
        file,
        'is locked by another program',
        'Close other Samantic windows or commands using this project and try again.',
        err,
      );
    }
    throw storeError(file, 'could not be opened', MOVE_ASIDE, err);
  }
}

/** A fresh file (no tables, application_id 0) is fine; anything else must carry our application id. */
function checkIdentity(db: Database.Database, file: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
  if (appId !== 0 || tables.n > 0 || schemaVersion(db) !== 0) {
    throw storeError(file, 'is an SQLite database but not a Samantic project', MOVE_ASIDE);
  }
}

/** Pages SQLite reports as broken: the first few are enough to say which file and that it is damaged. */
const INTEGRITY_PROBLEMS_SHOWN = 3;

function checkIntegrity(db: Database.Database, file: string): void {
  const rows = db.pragma(`quick_check(${INTEGRITY_PROBLEMS_SHOWN})`) as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length) {
    throw storeError(file, `is damaged (${problems.join('; ')})`, RECOVER);
  }
}
