// Checks on an export file before anything is written to it, so a bad --out fails at once (not
// after the whole folder was processed), and an export never replaces a file that is not ours to
// replace: only an existing JSON file may be overwritten. Also cleans the temp files that an export
// killed mid-write left beside its target.
import { accessSync, closeSync, constants, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { SamanticError } from '../errors';
import { mkdirTree } from '../util/mkdir';
import { processAlive } from '../util/process';

/** Bytes read from an existing target to tell whether it is a JSON document. */
const SNIFF_BYTES = 64;

/** The temp file name writeJsonAtomic uses for `target` (a hidden file in the same folder). */
export function tempNameFor(target: string, pid: number, nonce: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${pid}.${nonce}.tmp`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** First non-blank byte is '{' or '[': a JSON document (an earlier export), safe to replace. */
function looksLikeJson(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = readSync(fd, buf, 0, SNIFF_BYTES, 0);
    const text = buf
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    return text.startsWith('{') || text.startsWith('[');
  } finally {
    closeSync(fd);
  }
}

function refuse(target: string, problem: string, advice: string): SamanticError {
  return new SamanticError('invalid-argument', `Cannot write the export ${target}: ${problem}. ${advice}`);
}

/**
 * Makes sure `file` can take an export: its folder exists (made if missing) and is writable, and
 * the file is absent or an earlier JSON export. Returns the absolute path. Throws SamanticError.
 */
export function checkJsonTarget(file: string): string {
  const target = path.resolve(file);
  let st;
  try {
    st = statSync(target, { throwIfNoEntry: false });
  } catch {
    st = undefined; // a file where a folder should be: the folder check below names it
  }
  if (st?.isDirectory()) throw refuse(target, 'it is a folder', 'Name a file, e.g. coco.json.');
  if (st && !st.isFile()) throw refuse(target, 'it is not a regular file', 'Choose another file name.');
  if (st && st.size > 0 && !looksLikeJson(target)) {
    throw refuse(
      target,
      'a file that is not JSON is already there and would be replaced',
      'Choose another file name, or move that file away first.',
    );
  }
  const dir = path.dirname(target);
  try {
    mkdirTree(dir);
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw refuse(target, `its folder ${dir} cannot be created or written (${(err as Error).message})`, 'Choose a folder you can write to.');
  }
  return target;
}

/**
 * Removes temp files of earlier exports to `target` whose process is gone (killed mid-write).
 * Temp files of a live process (an export running right now) are left alone.
 */
export function cleanStaleTemps(target: string): number {
  const dir = path.dirname(target);
  const pattern = new RegExp(`^\\.${escapeRegExp(path.basename(target))}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(path.join(dir, name), { force: true });
      removed++;
    } catch {
      /* not ours to remove after all (permissions): harmless */
    }
  }
  return removed;
}
