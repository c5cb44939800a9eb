import { mkdtemp, readdir, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage, probeImage } from './load';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const photos = join(resolve(repoRoot, '../shared'), 'photos');

// Sizes from shared/README.md, checked independently of sharp by reading the JPEG SOF marker.
function jpegSize(bytes: Buffer): { width: number; height: number } {
  let i = 2;
  while (i < bytes.length) {
    const marker = bytes[i + 1] as number;
    const len = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

/** A 60x40 test card: red, green and blue 10x10 corner blocks (TL, TR, BL), grey elsewhere, white BR. */
function testCard(): { data: Buffer; width: number; height: number } {
  const width = 60;
  const height = 40;
  const data = Buffer.alloc(width * height * 3, 128);
  const block = (x0: number, y0: number, rgb: number[]) => {
    for (let y = y0; y < y0 + 10; y++) for (let x = x0; x < x0 + 10; x++) data.set(rgb, (y * width + x) * 3);
  };
  block(0, 0, [255, 0, 0]);
  block(width - 10, 0, [0, 255, 0]);
  block(0, height - 10, [0, 0, 255]);
  block(width - 10, height - 10, [255, 255, 255]);
  return { data, width, height };
}

function pixel(img: { width: number; data: Uint8Array }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.data[i] as number, img.data[i + 1] as number, img.data[i + 2] as number];
}

function near(a: number[], b: number[], tol: number): boolean {
  return a.every((v, k) => Math.abs(v - (b[k] as number)) <= tol);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samantic-load-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadImage on the shared photos', () => {
  it('loads every photo as 8-bit RGB at its JPEG size', async () => {
    const names = (await readdir(photos)).filter((n) => n.endsWith('.jpg')).sort();
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const file = join(photos, name);
      const expected = jpegSize(await readFile(file));
      const loaded = await loadImage(file);
      expect([name, loaded.width, loaded.height]).toEqual([name, expected.width, expected.height]);
      expect(loaded.image.data.length).toBe(expected.width * expected.height * 3);
      expect(loaded.format).toBe('jpeg');
      expect(loaded.orientation).toBe(1);
      const probe = await probeImage(file);
      expect([probe.width, probe.height, probe.format]).toEqual([expected.width, expected.height, 'jpeg']);
    }
  });

  it('matches the README for two known photos and decodes real content', async () => {
    const bulldog = await loadImage(join(photos, 'bulldog.jpg'));
    expect([bulldog.width, bulldog.height]).toEqual([800, 534]);
    const truck = await probeImage(join(photos, 'truck.jpg'));
    expect([truck.width, truck.height]).toEqual([1800, 1200]);
    // A real photo is not flat: many distinct values in the green channel.
    const greens = new Set<number>();
    for (let i = 1; i < bulldog.image.data.length; i += 3) greens.add(bulldog.image.data[i] as number);
    expect(greens.size).toBeGreaterThan(100);
  });
});

describe('EXIF orientation', () => {
  // Where the stored top-left (red) block ends up once displayed upright, per EXIF orientation:
  // 6 = rotate 90 clockwise -> top-right; 3 = rotate 180 -> bottom-right; 8 = rotate 90
  // counter-clockwise -> bottom-left.
  const cases = [
    { orientation: 6, size: [40, 60], red: 'tr' },
    { orientation: 3, size: [60, 40], red: 'br' },
    { orientation: 8, size: [40, 60], red: 'bl' },
    { orientation: 1, size: [60, 40], red: 'tl' },
  ] as const;

  for (const c of cases) {
    it(`orientation ${c.orientation}: size ${c.size.join('x')}, red corner ${c.red}`, async () => {
      const card = testCard();
      const file = join(dir, `card-o${c.orientation}.jpg`);
      await sharp(card.data, { raw: { width: card.width, height: card.height, channels: 3 } })
        .jpeg({ quality: 95 })
        .withMetadata({ orientation: c.orientation })
        .toFile(file);
      const probe = await probeImage(file);
      expect([probe.width, probe.height, probe.orientation]).toEqual([c.size[0], c.size[1], c.orientation]);
      const img = await loadImage(file);
      expect([img.width, img.height, img.orientation]).toEqual([c.size[0], c.size[1], c.orientation]);
      const [w, h] = c.size;
      const corners = { tl: [4, 4], tr: [w - 5, 4], bl: [4, h - 5], br: [w - 5, h - 5] } as const;
      const at = corners[c.red];
      expect(near(pixel(img.image, at[0], at[1]), [255, 0, 0], 40)).toBe(true);
      // And the red is nowhere else among the corners.
      for (const [k, p] of Object.entries(corners)) {
        if (k !== c.red) expect(near(pixel(img.image, p[0], p[1]), [255, 0, 0], 40)).toBe(false);
      }
    });
  }

  it('rotates a real photo exactly (lossless PNG, orientation 6)', async () => {
    const src = await loadImage(join(photos, 'bulldog.jpg'));
    const file = join(dir, 'bulldog-o6.png');
    await sharp(Buffer.from(src.image.data), { raw: { width: src.width, height: src.height, channels: 3 } })
      .png()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const rot = await loadImage(file);
    expect([rot.width, rot.height]).toEqual([src.height, src.width]);
    // Clockwise quarter turn: upright (x, y) shows stored (y, H - 1 - x) where H is the stored height.
    for (const [x, y] of [
      [0, 0],
      [10, 700],
      [533, 799],
      [200, 123],
    ] as const) {
      expect(pixel(rot.image, x, y)).toEqual(pixel(src.image, y, src.height - 1 - x));
    }
  });
});
