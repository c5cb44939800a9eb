// The project's one way to replace a file: written to a temporary file in the target's own folder
// (so the rename never crosses file systems), flushed to disk, then renamed over the target. A
// reader sees the old file or the new one, never half of one, even if the process dies mid-write;
// a failed write removes its temporary file and leaves the target as it was.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, promises as fs, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A temporary name beside `target`: hidden, unique to this process and call. */
export function defaultTempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces `target` with what `fill` writes into an open handle (for output built in pieces).
 * Errors from `fill` or the file system are rethrown unchanged after the temporary file is gone.
 */
export async function atomicFile(
  target: string,
  fill: (handle: fs.FileHandle) => Promise<void>,
  tempName = defaultTempName(target),
): Promise<void> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(tempName, 'wx');
    await fill(handle);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(tempName, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tempName, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(path.dirname(target));
}

/** Replaces `target` with `data`. */
export function writeFileAtomic(target: string, data: string | Uint8Array, tempName?: string): Promise<void> {
  return atomicFile(target, (h) => h.writeFile(data), tempName);
}

/** The synchronous form, for small state files written on the way (the recent-projects list). */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, tempName = defaultTempName(target)): void {
  let fd: number | null = null;
  try {
    fd = openSync(tempName, 'wx');
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tempName, target);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    rmSync(tempName, { force: true });
    throw err;
  }
}

/** Makes the rename itself durable; not possible on every platform (Windows), so best effort. */
async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | null = null;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // The data is already safe in the renamed file; only a crash right now could lose the rename.
  } finally {
    await h?.close().catch(() => undefined);
  }
}
