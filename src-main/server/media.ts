// Image bytes for the UI, shared by the HTTP server and the Electron shell's media protocol.
// Only files of the open project are served: the path comes from service.imageFile(id) (never from
// the request) and must resolve, links followed, inside service.folder().

import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, sep } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { SamanticError } from '../core/errors';
import type { Service } from '../core/service/types';

/** Thumbnail edge used when the request names none: the gallery shows ~200 px tiles on HiDPI. */
export const DEFAULT_THUMB_SIZE = 256;
/** Largest thumbnail edge accepted: beyond this, ask for the full image instead. */
export const MAX_THUMB_SIZE = 1024;
/** Thumbnails kept in memory: a gallery page of a large folder, at ~15 KB each about 8 MB. */
export const THUMB_CACHE_ENTRIES = 512;
/** JPEG quality for thumbnails and re-encoded photos: visually clean at a fraction of PNG's size. */
export const JPEG_QUALITY = 85;

export interface MediaResponse {
  body: Buffer;
  contentType: string;
  /** Changes when the file changes (path, size, mtime) so clients can revalidate. */
  etag: string;
}

/** Formats every browser engine we ship to displays as they are. */
const PASSTHROUGH: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** True when `child` is `root` or lies under it. Both must be absolute and already resolved. */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Resolves image `id` to a real path inside the open project's folder, or throws 'not-found' /
 * 'no-project'. Links are resolved so a symlink in the folder cannot point the server elsewhere.
 */
export function resolveImagePath(service: Pick<Service, 'imageFile' | 'folder'>, id: number): string {
  const folder = service.folder();
  if (!folder) throw new SamanticError('no-project', 'No project is open. Open a folder first.');
  const file = service.imageFile(id);
  if (!file) throw new SamanticError('not-found', `Image ${id} is not part of the open project.`);
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = realpathSync(folder);
    realFile = realpathSync(file);
  } catch {
    throw new SamanticError('not-found', `Image file ${file} no longer exists. Re-open the folder to refresh it.`);
  }
  if (!isInside(realRoot, realFile)) {
    throw new SamanticError('not-found', `Image ${id} resolves outside the project folder ${folder}; it is not served.`);
  }
  return realFile;
}

function etagOf(file: string, variant: string): string {
  const st = statSync(file);
  const h = createHash('sha1').update(`${file}\0${st.size}\0${st.mtimeMs}\0${variant}`).digest('hex');
  return `"${h.slice(0, 20)}"`;
}

/** Creates the media functions for one service; the thumbnail cache lives as long as they do. */
export function createMedia(service: Pick<Service, 'imageFile' | 'folder'>) {
  const thumbs = new Map<string, MediaResponse>();

  /**
   * The full image, upright: files that are already upright and in a browser format are sent as
   * they are; EXIF-rotated ones and other formats (TIFF, AVIF...) are re-encoded by sharp so that
   * pixel coordinates in the UI match the segment masks, which are in EXIF-oriented pixels.
   */
  async function image(id: number): Promise<MediaResponse> {
    const file = resolveImagePath(service, id);
    const etag = etagOf(file, 'full');
    const bytes = await readFile(file);
    const passthrough = PASSTHROUGH[extname(file).toLowerCase()];
    let meta: Metadata;
    try {
      meta = await sharp(bytes).metadata();
    } catch (err) {
      throw new SamanticError('image-unreadable', `Cannot read ${file}: ${(err as Error).message}. Check that the file is a valid image.`);
    }
    const upright = !meta.orientation || meta.orientation === 1;
    if (passthrough && upright) return { body: bytes, contentType: passthrough, etag };
    // PNG keeps transparency and exactness for formats that may carry them; JPEG for photos.
    const lossless = meta.hasAlpha || meta.format === 'png' || meta.format === 'tiff' || meta.format === 'gif';
    const pipeline = sharp(bytes).rotate();
    const body = lossless ? await pipeline.png().toBuffer() : await pipeline.jpeg({ quality: JPEG_QUALITY }).toBuffer();
    return { body, contentType: lossless ? 'image/png' : 'image/jpeg', etag };
  }

  /** A JPEG no larger than size x size, upright, aspect kept. */
  async function thumb(id: number, size: number = DEFAULT_THUMB_SIZE): Promise<MediaResponse> {
    if (!Number.isInteger(size) || size < 16 || size > MAX_THUMB_SIZE) {
      throw new SamanticError('invalid-argument', `Thumbnail size must be an integer from 16 to ${MAX_THUMB_SIZE}, got ${size}.`);
    }
    const file = resolveImagePath(service, id);
    const etag = etagOf(file, `thumb${size}`);
    const key = `${file}\0${size}`;
    const hit = thumbs.get(key);
    if (hit && hit.etag === etag) {
      // Re-insert to keep the Map in least-recently-used order.
      thumbs.delete(key);
      thumbs.set(key, hit);
      return hit;
    }
    let body: Buffer;
    try {
      body = await sharp(file)
        .rotate()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#1e1f22' })
        .jpeg({ quality: JPEG_QUALITY })
        .toBuffer();
    } catch (err) {
      throw new SamanticError('image-unreadable', `Cannot make a thumbnail of ${file}: ${(err as Error).message}.`);
    }
    const res = { body, contentType: 'image/jpeg', etag };
    thumbs.set(key, res);
    while (thumbs.size > THUMB_CACHE_ENTRIES) thumbs.delete(thumbs.keys().next().value as string);
    return res;
  }

  return { image, thumb, clear: () => thumbs.clear() };
}

export type Media = ReturnType<typeof createMedia>;
