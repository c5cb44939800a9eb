// Opening a project database: checks that the file is a Samantic project (or a new one), sets the
// connection up and migrates the schema. Every failure becomes a SamanticError naming the file.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SamanticError } from '../errors';
import { APPLICATION_ID, migrate, schemaVersion } from './migrations';

export interface OpenDatabaseOptions {
  /** Create the file (and its directory) when it does not exist. Default false. */
  create?: boolean;
  /**
   * How long a write waits for another process holding the write lock (e.g. the CLI while the app
   * runs) before failing with SQLITE_BUSY. 5 s is long enough for one image's commit.
   */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function storeError(file: string, problem: string, advice: string, cause?: unknown): SamanticError {
  const detail = cause instanceof Error ? ` (SQLite: ${cause.message})` : '';
  return new SamanticError('store-error', `The project file ${file} ${problem}${detail}. ${advice}`);
}

const MOVE_ASIDE =
  'Move or rename that file and open the folder again to start a new project, or choose another project file.';

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
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
  if (!exists) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (err) {
      throw storeError(file, 'cannot be created because its folder cannot be made', 'Check the permissions of the folder.', err);
    }
  }

  let db: Database.Database;
  try {
    // The desktop start script builds an Electron-ABI copy of better-sqlite3 and names it here;
    // under plain Node (CLI, tests, server) the package's own binding is used.
    const nativeBinding = process.env.SAMANTIC_SQLITE_BINDING || undefined;
    db = new Database(file, { fileMustExist: !options.create, nativeBinding });
  } catch (err) {
    throw storeError(file, 'cannot be opened', 'Check that it exists and that you may read and write it.', err);
  }
  try {
    checkIdentity(db, file);
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
      throw storeError(file, 'is not a readable SQLite database (corrupt, truncated or another kind of file)', MOVE_ASIDE, err);
    }
    if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
      throw storeError(file, 'cannot be written', 'Check that you may write the file and its folder.', err);
    }
    if (code === 'SQLITE_BUSY') {
      throw storeError(file, 'is locked by another program', 'Close other Samantic windows or commands using this project and try again.', err);
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
