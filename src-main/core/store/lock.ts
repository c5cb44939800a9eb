// One writer per project: a lock file beside the project file (`project.db.lock`) holding the
// writer's pid, host and start time. It is created exclusively (O_EXCL), so of two processes opening
// the same project at once exactly one wins; the other is refused at once with who holds it, instead
// of both encoding the folder and fighting over SQLite's write lock. Readers (info, export) open the
// database read-only and take no lock: WAL lets them read beside the writer.
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { SamanticError } from '../errors';
import { processAlive } from '../util/process';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export interface ProjectLock {
  readonly file: string;
  release(): void;
}

/** A lock file younger than this with no holder in it is being written, not abandoned. */
const HALF_WRITTEN_GRACE_MS = 5000;

export function lockFileOf(projectFile: string): string {
  return `${projectFile}.lock`;
}

/** Locks held by this module instance (one per thread), so a second open in-process is refused too. */
const heldHere = new Set<string>();

function readHolder(lockFile: string): LockHolder | null {
  try {
    const v = JSON.parse(readFileSync(lockFile, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.since === 'string') return v as LockHolder;
  } catch {
    /* unreadable or half-written: treated below */
  }
  return null;
}

/**
 * A lock left by a process that died (kill -9, power cut) on this host is stale and taken over.
 * A lock from another host (a shared drive) is never judged stale: its pid means nothing here.
 * `takeOver`: the caller is the only writer there can be (a batch engine's retry of its worker,
 * on another node, or in a new container whose pids repeat the dead one's): any holder is stale.
 */
function isStale(holder: LockHolder | null, lockFile: string, takeOver: boolean): boolean {
  if (takeOver) return true;
  // Unreadable: stale, unless so young that its writer may still be filling it in.
  if (!holder) return Date.now() - (statSync(lockFile, { throwIfNoEntry: false })?.mtimeMs ?? 0) > HALF_WRITTEN_GRACE_MS;
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  return !processAlive(holder.pid);
}

export function busyMessage(holder: LockHolder): string {
  const where = holder.host === hostname() ? '' : ` on ${holder.host}`;
  return `This project is open in another Samantic (pid ${holder.pid}${where} since ${holder.since}). Close it or use --project elsewhere.`;
}

export interface LockOptions {
  /**
   * Take over any lock not held in this process: only for callers that a scheduler guarantees to
   * be the only writer (one worker per shard of a batch job), whose dead predecessor may have
   * left its lock on another node or under a pid that now means another process.
   */
  takeOverForeign?: boolean;
}

/** Takes the project's writer lock or throws SamanticError 'busy' naming the holder. */
export function acquireProjectLock(projectFile: string, options: LockOptions = {}): ProjectLock {
  const lockFile = lockFileOf(projectFile);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (heldHere.has(lockFile)) {
      throw new SamanticError('busy', busyMessage(readHolder(lockFile) ?? me));
    }
    let fd: number;
    try {
      fd = openSync(lockFile, 'wx', 0o644);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new SamanticError(
          'store-error',
          `Cannot create the lock file ${lockFile} (${(err as Error).message}). Check that you may write the project's folder.`,
        );
      }
      const holder = readHolder(lockFile);
      if (!isStale(holder, lockFile, options.takeOverForeign === true)) {
        throw new SamanticError(
          'busy',
          holder ? busyMessage(holder) : `The project ${projectFile} is being opened by another Samantic at this moment. Try again.`,
        );
      }
      try {
        unlinkSync(lockFile);
      } catch {
        /* another process took it over first; try again */
      }
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    heldHere.add(lockFile);
    let released = false;
    return {
      file: lockFile,
      release() {
        if (released) return;
        released = true;
        heldHere.delete(lockFile);
        // Only remove the lock if it is still ours (never one a later writer took over).
        const now = readHolder(lockFile);
        if (now && now.pid === me.pid && now.since === me.since && now.host === me.host) {
          try {
            unlinkSync(lockFile);
          } catch {
            /* already gone */
          }
        }
      },
    };
  }
  throw new SamanticError('busy', `The project ${projectFile} is being opened by another Samantic at the same moment. Try again.`);
}
