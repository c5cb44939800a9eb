// Folder scan: brings the project's image table in line with the files on disk, cheaply. A file
// whose size and mtime are unchanged is not hashed again, so reopening a large folder costs one
// stat per file. A file that moved or was renamed keeps its segments and edits (same content hash,
// its old path gone); a file whose bytes changed goes back to 'pending' (new hash).
import { stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { contentHash, listImageFiles } from '../image/files';
import type { ProjectStore } from '../store/project-store';

export interface ScanResult {
  /** Files scanned (those `belongs` accepted, when given). */
  files: number;
  added: number;
  changed: number;
  renamed: number;
  missing: number;
  /** Files that exist but could not be read (permissions, I/O errors): marked failed. */
  unreadable: number;
}

/** Content hash stand-in for a file that could not be read: it is hashed again on the next scan. */
export const UNREADABLE_HASH_PREFIX = 'unreadable:';

/** Marks the images whose file disappeared; their segments stay, so nothing is lost if it returns. */
export const MISSING_FILE_REASON = 'file not found in the folder (moved or deleted); put it back and reopen the folder';

function toRelPath(folder: string, file: string): string {
  return relative(folder, file).split(sep).join('/');
}

export interface ScanOptions {
  recursive?: boolean;
  /**
   * Keeps only the files it accepts, before anything else is read (a batch worker's share,
   * pipeline/shard.ts): the others are not hashed and not listed; a listed one it no longer
   * accepts (its bytes changed) counts as gone from the folder.
   */
  belongs?: (file: string, size: number, relPath: string) => Promise<boolean>;
}

export async function scanFolder(store: ProjectStore, folder: string, options: ScanOptions = {}): Promise<ScanResult> {
  const files = await listImageFiles(folder, { recursive: options.recursive });
  const result: ScanResult = { files: files.length, added: 0, changed: 0, renamed: 0, missing: 0, unreadable: 0 };
  const onDisk = new Set<string>();
  const known = new Map(store.listImages().map((img) => [img.relPath, img]));
  const fresh: { relPath: string; size: number; mtimeMs: number; hash: string }[] = [];

  for (const file of files) {
    const relPath = toRelPath(folder, file);
    const st = await stat(file);
    const prev = known.get(relPath);
    const unreadableBefore = prev?.contentHash.startsWith(UNREADABLE_HASH_PREFIX) === true;
    const unchanged = prev !== undefined && !unreadableBefore && prev.size === st.size && prev.mtimeMs === Math.round(st.mtimeMs);
    // A listed file whose size and mtime did not move was accepted before: only others are asked.
    if (!unchanged && options.belongs && !(await options.belongs(file, st.size, relPath))) continue;
    onDisk.add(relPath);
    if (unchanged) {
      if (prev.status === 'failed' && prev.error === MISSING_FILE_REASON) store.setImageStatus(prev.id, 'pending');
      continue;
    }
    let hash: string;
    try {
      hash = await contentHash(file);
    } catch (err) {
      // One file we may not read is one failed image, not a failed folder.
      const why = `${err instanceof Error ? err.message : String(err)} It is tried again on the next run.`;
      const r =
        prev ?? store.upsertImage({ relPath, size: st.size, mtimeMs: st.mtimeMs, contentHash: `${UNREADABLE_HASH_PREFIX}${relPath}` });
      store.markImageFailed(r.id, why);
      result.unreadable++;
      continue;
    }
    if (prev) {
      const r = store.upsertImage({ relPath, size: st.size, mtimeMs: st.mtimeMs, contentHash: hash });
      if (r.contentChanged) result.changed++;
      continue;
    }
    fresh.push({ relPath, size: st.size, mtimeMs: st.mtimeMs, hash });
  }

  // Known paths that vanished from disk: candidates for a rename/move.
  const vanished = [...known.values()].filter((img) => !onDisk.has(img.relPath));
  const vanishedByHash = new Map<string, number>();
  for (const img of vanished) if (!vanishedByHash.has(img.contentHash)) vanishedByHash.set(img.contentHash, img.id);

  const renamedIds = new Set<number>();
  for (const f of fresh) {
    const movedId = vanishedByHash.get(f.hash);
    if (movedId !== undefined) {
      vanishedByHash.delete(f.hash);
      renamedIds.add(movedId);
      store.renameImage(movedId, f.relPath);
      store.upsertImage({ relPath: f.relPath, size: f.size, mtimeMs: f.mtimeMs, contentHash: f.hash });
      result.renamed++;
      continue;
    }
    store.upsertImage({ relPath: f.relPath, size: f.size, mtimeMs: f.mtimeMs, contentHash: f.hash });
    result.added++;
  }
  result.files = onDisk.size;
  for (const img of vanished) {
    if (renamedIds.has(img.id)) continue;
    if (img.status !== 'failed' || img.error !== MISSING_FILE_REASON) store.markImageFailed(img.id, MISSING_FILE_REASON);
    result.missing++;
  }
  return result;
}
