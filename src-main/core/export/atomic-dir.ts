// Directory exports are written whole into a temporary sibling folder, then renamed into place: a
// reader (or a trainer) sees the old export or the new one, never a half-written mix. A folder in
// the way is replaced only when it is empty or an earlier Samantic export (it holds MARKER_FILE),
// so an export can never delete a folder of the user's own files.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SamanticError } from '../errors';

export const MARKER_FILE = '.samantic-export.json';

async function stat(p: string): Promise<import('node:fs').Stats | null> {
  try {
    return await fs.lstat(p);
  } catch {
    return null;
  }
}

/** Throws unless `target` is absent, an empty folder or an earlier Samantic export. */
export async function checkReplaceable(target: string): Promise<boolean> {
  const st = await stat(target);
  if (!st) return false;
  if (!st.isDirectory()) {
    throw new SamanticError('invalid-argument', `Cannot export to ${target}: a file of that name is in the way; choose a folder path.`);
  }
  const entries = await fs.readdir(target);
  if (entries.length > 0 && !entries.includes(MARKER_FILE)) {
    throw new SamanticError(
      'invalid-argument',
      `Cannot export to ${target}: the folder holds files that are not a Samantic export; choose an empty or new folder.`,
    );
  }
  return true;
}

/**
 * Runs `fill` on a fresh temporary folder next to `out`, writes the marker, then moves the result
 * to `out` (replacing an earlier export). On any failure the temporary folder is removed and `out`
 * is left as it was.
 */
export async function writeDirAtomic(out: string, format: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const target = path.resolve(out);
  const parent = path.dirname(target);
  const exists = await checkReplaceable(target);
  const tag = `${process.pid}.${randomBytes(6).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(target)}.${tag}.tmp`);
  const old = path.join(parent, `.${path.basename(target)}.${tag}.old`);
  try {
    await fs.mkdir(parent, { recursive: true });
    await fs.mkdir(tmp);
    await fill(tmp);
    await fs.writeFile(path.join(tmp, MARKER_FILE), JSON.stringify({ format, writtenAt: new Date().toISOString() }) + '\n');
    if (exists) await fs.rename(target, old);
    try {
      await fs.rename(tmp, target);
    } catch (err) {
      if (exists) await fs.rename(old, target).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof SamanticError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new SamanticError(
      'invalid-argument',
      `Cannot write the export to ${target} (${e?.message ?? String(err)}); choose a folder you can write to.`,
    );
  }
  if (exists) await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
  return target;
}

/** Writes a file inside an export being built, creating its folder. */
export async function writeInto(dir: string, rel: string, data: string | Uint8Array): Promise<void> {
  const file = path.join(dir, ...rel.split('/'));
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
}

/** relPath with its extension replaced, e.g. 'a/b.jpg' -> 'a/b.txt'. */
export function withExtension(relPath: string, ext: string): string {
  const slash = relPath.lastIndexOf('/');
  const dot = relPath.lastIndexOf('.');
  return (dot > slash ? relPath.slice(0, dot) : relPath) + ext;
}

/** Throws when two images would write the same file (a.jpg and a.png both give a.txt). */
export function checkUniqueNames(names: { image: string; file: string }[], format: string): void {
  const seen = new Map<string, string>();
  for (const n of names) {
    const other = seen.get(n.file);
    if (other !== undefined) {
      throw new SamanticError(
        'invalid-argument',
        `${format} export: ${other} and ${n.image} would both be written as ${n.file}; rename one of the photos (the format names files after the image without its extension).`,
      );
    }
    seen.set(n.file, n.image);
  }
}
