// Decoding photos into the one pixel format the core works with: 8-bit sRGB RGB, upright.
// Whatever arrives (EXIF-rotated JPEG, CMYK, grayscale, 16-bit, palette, alpha, first frame of an
// animation) leaves as RgbImage, or as an ImageLoadError that says what to do.

import { stat } from 'node:fs/promises';
import sharp, { type FailOnOptions, type Metadata, type OutputInfo } from 'sharp';
import { SamanticError } from '../errors';
import type { RgbImage } from '../types';

// Why an image could not be used, as a typed error: `code` for programs, `file` for the UI to
// point at, and a message that names the file, says what is wrong and what to do about it.

export type ImageLoadErrorCode =
  /** The path does not exist. */
  | 'not-found'
  /** The path exists but is a folder or a device, not a regular file. */
  | 'not-a-file'
  /** The operating system refused to let us read it (permissions, locked file). */
  | 'unreadable'
  /** Not an image, or an image format sharp cannot decode. */
  | 'unsupported'
  /** An image format we know, but the bytes are truncated or damaged. */
  | 'corrupt'
  /** More pixels than the configured limit. */
  | 'too-large';

export class ImageLoadError extends SamanticError {
  declare readonly code: ImageLoadErrorCode;

  constructor(
    code: ImageLoadErrorCode,
    /** The file as the caller named it. */
    public readonly file: string,
    message: string,
  ) {
    super(code, message);
    this.name = 'ImageLoadError';
  }
}

function errnoOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** Turns a failed fs call on `file` into an ImageLoadError with advice. */
export function fsError(file: string, err: unknown): ImageLoadError {
  const errno = errnoOf(err);
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    return new ImageLoadError(
      'not-found',
      file,
      `Image '${file}' does not exist. Check the path, or rescan the folder if the file was moved or deleted.`,
    );
  }
  if (errno === 'EISDIR') {
    return new ImageLoadError(
      'not-a-file',
      file,
      `'${file}' is a folder, not an image file. Pass an image file, or open the folder instead.`,
    );
  }
  if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EBUSY') {
    return new ImageLoadError(
      'unreadable',
      file,
      `Image '${file}' cannot be read (${errno}: permission denied or locked). Check its permissions or close the program holding it.`,
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new ImageLoadError(
    'unreadable',
    file,
    `Image '${file}' cannot be read: ${detail}. Check that the disk is available and the file is readable.`,
  );
}

/**
 * Classifies a sharp/libvips failure. libvips reports these as plain message strings (e.g.
 * "Input file contains unsupported image format", "VipsJpeg: Premature end of input file"), so
 * the message text is all there is to go on.
 */
export function decodeError(file: string, err: unknown, maxPixels: number): ImageLoadError {
  const detail = (err instanceof Error ? err.message : String(err)).trim();
  if (/unsupported image format|no loader|not a known file format/i.test(detail)) {
    return new ImageLoadError(
      'unsupported',
      file,
      `'${file}' is not an image Samantic can read (supported: JPEG, PNG, WebP, TIFF, AVIF, GIF). If it is an image, convert it to JPEG or PNG; otherwise remove it from the folder.`,
    );
  }
  if (/exceeds pixel limit/i.test(detail)) {
    return tooLarge(file, undefined, undefined, maxPixels);
  }
  return new ImageLoadError(
    'corrupt',
    file,
    `Image '${file}' is damaged or incomplete (${detail}). Re-copy or re-export it from the original, or remove it from the folder.`,
  );
}

export function tooLarge(file: string, width: number | undefined, height: number | undefined, maxPixels: number): ImageLoadError {
  const size = width && height ? ` (${width}x${height} = ${((width * height) / 1e6).toFixed(1)} megapixels)` : '';
  return new ImageLoadError(
    'too-large',
    file,
    `Image '${file}' is too large${size}; the limit is ${(maxPixels / 1e6).toFixed(0)} megapixels. Downscale it (e.g. to 8000 px on the long side) or raise the maxPixels limit.`,
  );
}

/**
 * Default pixel limit: 200 MP. A 12000x9000 (108 MP) medium-format photo still loads; beyond this
 * the decoded RGB alone passes 600 MB, more than a labelling tool should silently allocate.
 */
export const DEFAULT_MAX_PIXELS = 200_000_000;

/**
 * Default strictness: 'error' refuses truncated and damaged data but not libvips *warnings*, which
 * many real cameras' files trigger harmlessly (e.g. extra bytes after the JPEG end marker).
 */
export const DEFAULT_FAIL_ON: FailOnOptions = 'error';

/**
 * Transparent pixels are flattened onto this colour (white): a PNG cut-out's hidden RGB under
 * alpha 0 is undefined (often black or leftover colour), and white is what viewers show.
 */
export const DEFAULT_BACKGROUND = { r: 255, g: 255, b: 255 } as const;

export interface LoadImageOptions {
  /** Refuse images with more pixels than this (after nothing is decoded). Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /** sharp's failOn level. Default DEFAULT_FAIL_ON. */
  failOn?: FailOnOptions;
  /** Colour transparent areas are flattened onto. Default white. */
  background?: { r: number; g: number; b: number };
}

export interface LoadedImage {
  image: RgbImage;
  /** Upright size (after EXIF orientation), equal to image.width / image.height. */
  width: number;
  height: number;
  /** Decoder name: 'jpeg', 'png', 'webp', 'tiff', 'gif', 'avif', 'heif', ... */
  format: string;
  /** The EXIF orientation that was applied (1-8; 1 when absent). */
  orientation: number;
}

export interface ImageProbe {
  /** Upright size (after EXIF orientation). */
  width: number;
  height: number;
  format: string;
  orientation: number;
  /** Frames (animated GIF/WebP, multi-page TIFF); only the first is ever loaded. */
  pages: number;
}

/** sharp calls AVIF 'heif' with av1 compression; users know it as AVIF. */
function formatName(meta: Metadata): string {
  if (meta.format === 'heif' && meta.compression === 'av1') return 'avif';
  return String(meta.format);
}

async function checkRegularFile(file: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    throw fsError(file, err);
  }
  if (st.isDirectory()) throw fsError(file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));
  if (!st.isFile()) {
    throw new ImageLoadError('not-a-file', file, `'${file}' is not a regular file (a device, socket or pipe). Pass an image file.`);
  }
  if (st.size === 0) {
    throw new ImageLoadError(
      'corrupt',
      file,
      `Image '${file}' is empty (0 bytes), probably an interrupted copy. Re-copy it from the original or remove it.`,
    );
  }
}

function checkMaxPixels(maxPixels: number): void {
  if (!Number.isFinite(maxPixels) || maxPixels <= 0) {
    throw new RangeError(`maxPixels must be a positive number, got ${maxPixels}`);
  }
}

/** Reads the header only (no pixel decoding), so listing a large folder stays fast. */
async function readMetadata(file: string, maxPixels: number): Promise<Metadata> {
  await checkRegularFile(file);
  try {
    // No pixel limit here: we want the real size to put in the 'too-large' message.
    return await sharp(file, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError(file, err, maxPixels);
  }
}

function upright(meta: Metadata): { width: number; height: number } {
  // autoOrient is present in sharp >= 0.34; fall back to swapping for orientations 5-8 ourselves.
  if (meta.autoOrient) return { width: meta.autoOrient.width, height: meta.autoOrient.height };
  const swap = (meta.orientation ?? 1) >= 5;
  return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

/** Size after orientation, format and orientation of an image, without decoding its pixels. */
export async function probeImage(file: string): Promise<ImageProbe> {
  const meta = await readMetadata(file, DEFAULT_MAX_PIXELS);
  const { width, height } = upright(meta);
  return { width, height, format: formatName(meta), orientation: meta.orientation ?? 1, pages: meta.pages ?? 1 };
}

/**
 * Decodes `file` to upright 8-bit sRGB RGB: EXIF orientation applied, CMYK/grayscale/palette
 * converted, 16-bit reduced to 8, alpha flattened onto `background` (white), first frame only.
 */
export async function loadImage(file: string, opts: LoadImageOptions = {}): Promise<LoadedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkMaxPixels(maxPixels);
  const meta = await readMetadata(file, maxPixels);
  // One frame's height: for animations metadata.height may be all frames stacked.
  const frameHeight = meta.pageHeight ?? meta.height;
  if (meta.width * frameHeight > maxPixels) throw tooLarge(file, meta.width, frameHeight, maxPixels);

  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await sharp(file, { failOn: opts.failOn ?? DEFAULT_FAIL_ON, limitInputPixels: maxPixels, pages: 1, page: 0 })
      .autoOrient()
      .flatten({ background: opts.background ?? DEFAULT_BACKGROUND })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw decodeError(file, err, maxPixels);
  }
  const { width, height, channels } = out.info;
  if (channels !== 3 || out.data.length !== width * height * 3) {
    // Should not happen after toColourspace('srgb') + removeAlpha; fail loudly rather than mis-read.
    throw new ImageLoadError(
      'unsupported',
      file,
      `Image '${file}' decoded to ${channels} channels (${meta.space}), not RGB. Convert it to an 8-bit RGB JPEG or PNG.`,
    );
  }
  const data = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
  return {
    image: { width, height, data },
    width,
    height,
    format: formatName(meta),
    orientation: meta.orientation ?? 1,
  };
}
