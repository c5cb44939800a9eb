import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../types';
import { ImageLoadError, loadImage, probeImage } from './load';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const bulldogPath = join(resolve(repoRoot, '../shared'), 'photos', 'bulldog.jpg');

let dir: string;
let ref: RgbImage;
const raw = () => ({ raw: { width: ref.width, height: ref.height, channels: 3 as const } });
const refBuf = () => Buffer.from(ref.data);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samantic-variants-'));
  ref = (await loadImage(bulldogPath)).image;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs((a.data[i] as number) - (b.data[i] as number));
  return s / a.data.length;
}

function maxAbsDiff(a: RgbImage, b: RgbImage): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs((a.data[i] as number) - (b.data[i] as number)));
  return m;
}

async function expectRgb(file: string, format: string) {
  const loaded = await loadImage(file);
  expect(loaded.format).toBe(format);
  expect([loaded.width, loaded.height]).toEqual([ref.width, ref.height]);
  expect(loaded.image.data.length).toBe(ref.width * ref.height * 3);
  return loaded.image;
}

describe('format and colour variants become 8-bit sRGB RGB', () => {
  it('16-bit PNG: same pixels as the 8-bit source (within rounding)', async () => {
    const file = join(dir, 'deep.png');
    await sharp(refBuf(), raw()).toColourspace('rgb16').png().toFile(file);
    const meta = await sharp(file).metadata();
    expect(meta.depth).toBe('ushort');
    expect(maxAbsDiff(await expectRgb(file, 'png'), ref)).toBeLessThanOrEqual(1);
  });

  it('TIFF (lossless): identical pixels', async () => {
    const file = join(dir, 'photo.tiff');
    await sharp(refBuf(), raw()).tiff({ compression: 'lzw' }).toFile(file);
    expect(maxAbsDiff(await expectRgb(file, 'tiff'), ref)).toBe(0);
  });

  it('grayscale JPEG: three equal channels that follow the luminance', async () => {
    const file = join(dir, 'grey.jpg');
    await sharp(refBuf(), raw()).toColourspace('b-w').jpeg({ quality: 95 }).toFile(file);
    expect((await sharp(file).metadata()).channels).toBe(1);
    const img = await expectRgb(file, 'jpeg');
    for (let i = 0; i < img.data.length; i += 3 * 97) {
      expect(img.data[i + 1]).toBe(img.data[i]);
      expect(img.data[i + 2]).toBe(img.data[i]);
    }
    // Rec.601 luma of the reference, to within JPEG error.
    let s = 0;
    for (let i = 0; i < img.data.length; i += 3) {
      const y = 0.299 * (ref.data[i] as number) + 0.587 * (ref.data[i + 1] as number) + 0.114 * (ref.data[i + 2] as number);
      s += Math.abs((img.data[i] as number) - y);
    }
    expect(s / (img.data.length / 3)).toBeLessThan(6);
  });

  it('CMYK JPEG: converted back to RGB close to the source', async () => {
    const file = join(dir, 'cmyk.jpg');
    await sharp(refBuf(), raw()).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(file);
    const meta = await sharp(file).metadata();
    expect([meta.space, meta.channels]).toEqual(['cmyk', 4]);
    expect(meanAbsDiff(await expectRgb(file, 'jpeg'), ref)).toBeLessThan(12);
  });

  it('RGBA PNG: opaque part unchanged, transparent part flattened onto white', async () => {
    const rgba = Buffer.alloc(ref.width * ref.height * 4);
    for (let p = 0; p < ref.width * ref.height; p++) {
      const x = p % ref.width;
      const opaque = x < ref.width / 2;
      // Under alpha 0 put black: the loader must not show it.
      rgba[p * 4] = opaque ? (ref.data[p * 3] as number) : 0;
      rgba[p * 4 + 1] = opaque ? (ref.data[p * 3 + 1] as number) : 0;
      rgba[p * 4 + 2] = opaque ? (ref.data[p * 3 + 2] as number) : 0;
      rgba[p * 4 + 3] = opaque ? 255 : 0;
    }
    const file = join(dir, 'alpha.png');
    await sharp(rgba, { raw: { width: ref.width, height: ref.height, channels: 4 } })
      .png()
      .toFile(file);
    expect((await sharp(file).metadata()).hasAlpha).toBe(true);
    const img = await expectRgb(file, 'png');
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    const refAt = (x: number, y: number) => Array.from(ref.data.subarray((y * ref.width + x) * 3, (y * ref.width + x) * 3 + 3));
    expect(at(10, 10)).toEqual(refAt(10, 10));
    expect(at(300, 400)).toEqual(refAt(300, 400));
    expect(at(ref.width - 1, 0)).toEqual([255, 255, 255]);
    expect(at(700, 300)).toEqual([255, 255, 255]);
  });

  it('palette PNG: decoded to RGB close to the source', async () => {
    const file = join(dir, 'palette.png');
    await sharp(refBuf(), raw()).png({ palette: true, colours: 64 }).toFile(file);
    expect((await sharp(file).metadata()).isPalette).toBe(true);
    expect(meanAbsDiff(await expectRgb(file, 'png'), ref)).toBeLessThan(12);
  });

  it('WebP and AVIF: decoded close to the source', async () => {
    const webp = join(dir, 'photo.webp');
    await sharp(refBuf(), raw()).webp({ quality: 90 }).toFile(webp);
    expect(meanAbsDiff(await expectRgb(webp, 'webp'), ref)).toBeLessThan(6);
    const avif = join(dir, 'photo.avif');
    await sharp(refBuf(), raw()).avif({ quality: 80, effort: 0 }).toFile(avif);
    expect(meanAbsDiff(await expectRgb(avif, 'avif'), ref)).toBeLessThan(8);
  });

  it('animated GIF: only the first frame, at one frame height', async () => {
    const w = 32;
    const h = 24;
    const frames = Buffer.alloc(w * h * 2 * 3);
    for (let p = 0; p < w * h; p++) frames.set([255, 0, 0], p * 3); // frame 1 red
    for (let p = w * h; p < 2 * w * h; p++) frames.set([0, 0, 255], p * 3); // frame 2 blue
    const file = join(dir, 'anim.gif');
    await sharp(frames, { raw: { width: w, height: h * 2, channels: 3, pageHeight: h } })
      .gif()
      .toFile(file);
    const probe = await probeImage(file);
    expect(probe.pages).toBe(2);
    const img = await loadImage(file);
    expect([img.width, img.height, img.format]).toEqual([w, h, 'gif']);
    expect(Array.from(img.image.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(Array.from(img.image.data.subarray(img.image.data.length - 3))).toEqual([255, 0, 0]);
  });

  it('a 12000x9000 (108 MP) image loads under the default limit', async () => {
    const file = join(dir, 'huge.png');
    // Two flat halves compress to a few kB yet let us check that the pixels are really there.
    const left = await sharp({ create: { width: 6000, height: 9000, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toBuffer();
    await sharp({ create: { width: 12000, height: 9000, channels: 3, background: { r: 250, g: 20, b: 40 } } })
      .composite([{ input: left, left: 0, top: 0 }])
      .png({ compressionLevel: 9 })
      .toFile(file);
    const img = await loadImage(file);
    expect([img.width, img.height]).toEqual([12000, 9000]);
    expect(img.image.data.length).toBe(12000 * 9000 * 3);
    expect(Array.from(img.image.data.subarray(0, 3))).toEqual([10, 200, 30]);
    const last = img.image.data.length - 3;
    expect(Array.from(img.image.data.subarray(last, last + 3))).toEqual([250, 20, 40]);
  });
});

/** A PNG that is little more than a header claiming width x height, so a size check must happen before decoding. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const v of b) c = (crcTable[(c ^ v) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(tb));
    return Buffer.concat([len, tb, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  // libpng wants an IDAT before it reports the header: give it one row, the rest is missing.
  const idat = chunk('IDAT', deflateSync(Buffer.alloc(1 + width * 3)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), idat, chunk('IEND', Buffer.alloc(0))]);
}

async function expectLoadError(file: string, code: string, opts?: Parameters<typeof loadImage>[1]) {
  const err = await loadImage(file, opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageLoadError);
  const e = err as ImageLoadError;
  expect(e.code).toBe(code);
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  return e;
}

describe('bad input is refused with a clear, typed error', () => {
  it('truncated JPEG -> corrupt, naming the file and what to do', async () => {
    const full = await readFile(bulldogPath);
    const file = join(dir, 'truncated.jpg');
    await writeFile(file, full.subarray(0, Math.floor(full.length * 0.6)));
    const e = await expectLoadError(file, 'corrupt');
    expect(e.message).toMatch(/damaged or incomplete/);
    expect(e.message).toMatch(/Re-copy|remove/);
    // The header is intact, so a quick probe still works; only decoding finds the damage.
    expect((await probeImage(file)).width).toBe(800);
  });

  it('truncated PNG -> corrupt', async () => {
    const png = await sharp(refBuf(), raw()).png().toBuffer();
    const file = join(dir, 'truncated.png');
    await writeFile(file, png.subarray(0, Math.floor(png.length * 0.7)));
    await expectLoadError(file, 'corrupt');
  });

  it('a text file renamed .jpg -> unsupported', async () => {
    const file = join(dir, 'notes.jpg');
    await writeFile(file, 'shopping list: flour, tomatoes, mozzarella\n'.repeat(20));
    const e = await expectLoadError(file, 'unsupported');
    expect(e.message).toMatch(/not an image/);
    await expect(probeImage(file)).rejects.toMatchObject({ code: 'unsupported', file });
  });

  it('missing file, folder and empty file', async () => {
    await expectLoadError(join(dir, 'nope.jpg'), 'not-found');
    const sub = join(dir, 'folder.jpg');
    await mkdir(sub);
    await expectLoadError(sub, 'not-a-file');
    const empty = join(dir, 'empty.png');
    await writeFile(empty, Buffer.alloc(0));
    await expectLoadError(empty, 'corrupt');
  });

  it('a header claiming 20000x20000 (400 MP) -> too-large, before any decoding', async () => {
    const file = join(dir, 'bomb.png');
    await writeFile(file, pngHeaderOnly(20000, 20000));
    const probe = await probeImage(file);
    expect([probe.width, probe.height]).toEqual([20000, 20000]);
    const e = await expectLoadError(file, 'too-large');
    expect(e.message).toContain('20000x20000');
    expect(e.message).toMatch(/Downscale/);
  });

  it('maxPixels is configurable', async () => {
    const e = await expectLoadError(bulldogPath, 'too-large', { maxPixels: 800 * 534 - 1 });
    expect(e.message).toContain('800x534');
    const ok = await loadImage(bulldogPath, { maxPixels: 800 * 534 });
    expect(ok.width).toBe(800);
  });
});
