// Finding the photos in a folder, in an order that is the same on every run and every OS, so
// image ids, progress and exports are reproducible; and hashing their bytes for the caches.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SamanticError } from '../errors';
import { fsError } from './load';

/**
 * Extensions of formats sharp's prebuilt binaries decode. HEIC is left out on purpose: the
 * prebuilt libvips has no HEVC decoder, so listing them would only produce errors later.
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif'];

export interface ListImageOptions {
  /** Descend into sub-folders (default false). */
  recursive?: boolean;
  /** Lower-case extensions with the dot; default IMAGE_EXTENSIONS. Matching ignores case. */
  extensions?: readonly string[];
}

/**
 * Names starting with '.' are skipped, files and folders alike: the project's own `.samantic`
 * folder, `.git`, and macOS's `._photo.jpg` resource-fork files, which carry an image extension
 * but are not images.
 */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** Code-unit order of the path relative to the root, with '/' separators: locale-independent. */
function compareRelative(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Absolute paths of the image files in `folder`, sorted by their path relative to it. Symbolic
 * links to files are listed; symbolic links to folders are not followed (they can form cycles).
 * A sub-folder that cannot be read is skipped; the folder itself must be readable.
 */
export async function listImageFiles(folder: string, opts: ListImageOptions = {}): Promise<string[]> {
  const root = resolve(folder);
  const exts = new Set((opts.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
  let st;
  try {
    st = await stat(root);
  } catch {
    throw new SamanticError(
      'folder-missing',
      `Folder '${folder}' does not exist. Check the path, or choose the folder again if it was moved.`,
    );
  }
  if (!st.isDirectory()) {
    throw new SamanticError('folder-missing', `'${folder}' is a file, not a folder. Choose the folder that contains the photos.`);
  }
  const found: string[] = [];
  const walk = async (dir: string, isRoot: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isRoot) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new SamanticError('folder-missing', `Folder '${folder}' cannot be read (${detail}). Check its permissions.`);
      }
      return;
    }
    for (const e of entries) {
      if (isHidden(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (opts.recursive) await walk(p, false);
        continue;
      }
      if (!exts.has(extname(e.name).toLowerCase())) continue;
      if (e.isFile()) {
        found.push(p);
      } else if (e.isSymbolicLink()) {
        const target = await stat(p).catch(() => null);
        if (target?.isFile()) found.push(p);
      }
    }
  };
  await walk(root, true);
  const key = (p: string) => relative(root, p).split(sep).join('/');
  return found.sort((a, b) => compareRelative(key(a), key(b)));
}

// Content hashes identify an image's bytes for the embedding cache: a renamed or moved photo
// keeps its cached embedding, an edited one (same name, new bytes) does not.

/** Lower-case hex SHA-256 of the file's bytes, streamed so large files are never held in memory. */
export async function contentHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(file), hash);
  } catch (err) {
    throw fsError(file, err);
  }
  return hash.digest('hex');
}
