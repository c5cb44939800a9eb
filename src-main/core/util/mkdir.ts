// Creating a folder and its missing parents one level at a time. Node's `mkdir(..., { recursive:
// true })` loops forever on some paths that can never exist (e.g. under /proc, where mkdir answers
// ENOENT for a parent that is there); creating each missing level with a plain mkdir fails at once
// with the real error instead.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Creates `dir` and any missing parents; throws the first file-system error (ENOENT, EACCES, ENOTDIR...). */
export function mkdirTree(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) {
        const err = new Error(`ENOTDIR: not a directory, mkdir '${p}'`) as NodeJS.ErrnoException;
        err.code = 'ENOTDIR';
        throw err;
      }
      break;
    }
    missing.push(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      // Made meanwhile by someone else: fine, as with mkdir -p.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(m).isDirectory()) throw err;
    }
  }
}
