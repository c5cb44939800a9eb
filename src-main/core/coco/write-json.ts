// Atomic JSON writer for exports (util/atomic-file.ts): a reader sees the old file or the new one,
// never a half-written export, even if the app dies mid-write; written in pieces, so a large
// export never has to exist as one string.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { SamanticError } from '../errors';
import { atomicFile } from '../util/atomic-file';
import { checkJsonTarget, cleanStaleTemps, tempNameFor } from './target';

/** Text is handed to the file system in pieces of about this many characters. */
const FLUSH_CHARS = 1 << 20;

/**
 * Writes `data` as compact json to `file` atomically, creating the folder if needed; an existing
 * file is replaced only if it is JSON (target.ts). Top-level
 * arrays and the arrays directly under a top-level object (a COCO file's images and annotations)
 * are serialised element by element, so a large export never has to exist as a single string
 * (V8 caps strings at about 512 MB). The output parses to the same value as JSON.stringify's.
 */
export async function writeJsonAtomic(file: string, data: unknown): Promise<void> {
  const target = checkJsonTarget(file);
  cleanStaleTemps(target);
  const fill = async (handle: fs.FileHandle) => {
    const out = new ChunkWriter(handle);
    await serialise(data, out);
    await out.flush();
  };
  try {
    await atomicFile(target, fill, tempNameFor(target, process.pid, randomBytes(6).toString('hex')));
  } catch (err) {
    if (err instanceof SamanticError) throw err;
    throw writeError(target, err, 'writing it failed');
  }
}

class ChunkWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly handle: fs.FileHandle) {}

  async write(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await this.handle.write(text, null, 'utf8');
  }
}

async function serialise(data: unknown, out: ChunkWriter): Promise<void> {
  const value = toJsonValue(data);
  if (Array.isArray(value)) return serialiseArray(value, out);
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) {
      throw new SamanticError('invalid-argument', 'writeJsonAtomic: the value has no json form (undefined or a function).');
    }
    return out.write(s);
  }
  await out.write('{');
  let first = true;
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const v = toJsonValue(raw);
    // JSON.stringify leaves out properties whose value has no json form.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    await out.write(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (Array.isArray(v)) await serialiseArray(v, out);
    else await out.write(JSON.stringify(v));
  }
  await out.write('}');
}

async function serialiseArray(arr: unknown[], out: ChunkWriter): Promise<void> {
  await out.write('[');
  for (let i = 0; i < arr.length; i++) {
    // Array holes and values without a json form become null, as in JSON.stringify.
    const s = JSON.stringify(arr[i]);
    await out.write((i > 0 ? ',' : '') + (s === undefined ? 'null' : s));
  }
  await out.write(']');
}

/** Applies toJSON like JSON.stringify does, so Dates and similar serialise the same way. */
function toJsonValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON: () => unknown }).toJSON();
  }
  return v;
}

function writeError(target: string, err: unknown, what: string): SamanticError {
  const e = err as NodeJS.ErrnoException;
  const hint =
    e?.code === 'EACCES' || e?.code === 'EPERM' || e?.code === 'EROFS'
      ? 'choose a folder you can write to'
      : e?.code === 'ENOSPC'
        ? 'free some disk space or choose another drive'
        : e?.code === 'ENOTDIR' || e?.code === 'EEXIST' || e?.code === 'EISDIR'
          ? 'a file or folder of that name is in the way; choose another path'
          : 'check the path and try again';
  return new SamanticError('invalid-argument', `Cannot write ${target}: ${what} (${e?.message ?? String(err)}); ${hint}.`);
}
