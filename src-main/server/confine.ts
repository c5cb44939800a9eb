// Paths a transport lets its client name: the server and the desktop shell both pass API calls from
// a page they do not fully trust, so the folders it may open and the files it may write are confined
// here, before the call reaches the service. The service itself trusts its caller (the CLI user
// types any path they like).
//
// - openFolder: the folder (and a project file, a model directory) must lie inside one of the roots:
//   the folder `serve` was started in plus its --allow folders, or folders picked in a native dialog.
// - exportCoco: a relative path resolves against the project folder; the result must lie inside it,
//   or be a file the user picked in a native save dialog. Links are resolved first, so a symlink in
//   the folder cannot point a write elsewhere. Existing non-JSON files are refused by the writer.

import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { SamanticError } from '../core/errors';
import { isInside } from './media';

/**
 * The real path of `p`: links resolved for the part that exists, the missing rest appended as
 * given (a file about to be created, a folder not made yet).
 */
export function realPathOf(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

export function insideAny(roots: readonly string[], p: string): boolean {
  const real = realPathOf(p);
  return roots.some((r) => isInside(realPathOf(r), real));
}

function outside(what: string, p: string, roots: readonly string[]): SamanticError {
  const list = roots.length ? roots.join(', ') : '(none)';
  return new SamanticError(
    'forbidden',
    `${what} ${p} is outside the folders this Samantic may use (${list}). ` +
      'Start `samantic serve` in that folder, or add it with --allow <folder>.',
  );
}

/** Refuses openFolder arguments that name paths outside `roots`. */
export function checkOpenFolderArgs(args: unknown, roots: readonly string[]): void {
  if (!args || typeof args !== 'object') return; // the dispatcher rejects it with a clear message
  const a = args as { folder?: unknown; project?: unknown; model?: unknown };
  if (typeof a.folder === 'string' && !insideAny(roots, a.folder)) throw outside('The folder', resolve(a.folder), roots);
  if (typeof a.project === 'string') {
    const project = typeof a.folder === 'string' && !isAbsolute(a.project) ? resolve(a.folder, a.project) : resolve(a.project);
    if (!insideAny(roots, project)) throw outside('The project file', project, roots);
  }
  // A model id is a name; a model given as a directory is a path like any other.
  if (typeof a.model === 'string' && /[\\/]/.test(a.model) && !insideAny(roots, a.model)) {
    throw outside('The model folder', resolve(a.model), roots);
  }
}

/**
 * The absolute file an export to `out` may write, or a 'forbidden' error. `picked` holds files the
 * user chose in a native save dialog (desktop), which may lie anywhere.
 */
export function confineExportPath(out: string, projectFolder: string, picked: ReadonlySet<string> = new Set()): string {
  const target = isAbsolute(out) ? resolve(out) : resolve(projectFolder, out);
  if (picked.has(target)) return target;
  if (!isInside(realPathOf(projectFolder), realPathOf(target)) || target === resolve(projectFolder)) {
    throw new SamanticError(
      'forbidden',
      `The export ${target} is outside the project folder ${projectFolder}. ` +
        'Give a file name inside the folder (e.g. coco.json or exports/coco.json), or choose the file in the save dialog.',
    );
  }
  return target;
}

/** Methods whose `out` argument is a file or folder the service writes (confineExportPath). */
export const EXPORT_METHODS: readonly string[] = ['exportCoco', 'exportDataset'];

/**
 * An import's `source` (annotation file or folder): it must lie inside one of `roots` or the open
 * project's folder, as any folder the server opens does; otherwise a 'forbidden' error.
 */
export function checkImportSource(args: unknown, roots: readonly string[], projectFolder: string | null): void {
  const source = (args as { source?: unknown } | null)?.source;
  if (typeof source !== 'string') return; // the dispatcher rejects it with a clear message
  const allowed = projectFolder ? [...roots, projectFolder] : roots;
  if (!insideAny(allowed, source)) throw outside('The annotations to import', resolve(source), allowed);
}
