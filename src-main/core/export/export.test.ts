import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { maskToRle, rleArea } from '../mask';
import type { Rle } from '../types';
import { MARKER_FILE, writeDataset } from './index';
import { instanceRing, maskRings } from './rings';
import type { DatasetInput, DatasetInstance } from './types';
import { readIndexedPng } from './palette-png.testing';

const W = 64;
const H = 48;
let root: string;
let folder: string;

function maskOf(paint: (x: number, y: number) => boolean): Rle {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = paint(x, y) ? 1 : 0;
  return maskToRle({ width: W, height: H, data });
}

function inst(segmentId: number, imageId: number, classId: number, rle: Rle): DatasetInstance {
  return { segmentId, imageId, classId, rle, area: rleArea(rle) };
}

// Image 1: a square with a square hole (class 1), two separate blobs as one instance (class 2).
// Image 2: a big rectangle (class 1) with a small one on top of it (class 2): the overlap rule.
const ring = maskOf((x, y) => x >= 4 && x < 30 && y >= 4 && y < 30 && !(x >= 12 && x < 22 && y >= 12 && y < 22));
const twoParts = maskOf((x, y) => (x >= 40 && x < 50 && y >= 5 && y < 15) || (x >= 40 && x < 60 && y >= 30 && y < 40));
const big = maskOf((x, y) => x >= 2 && x < 60 && y >= 2 && y < 44);
const small = maskOf((x, y) => x >= 10 && x < 20 && y >= 10 && y < 20);

function dataset(split: DatasetInput['images'][number]['split'] = null): DatasetInput {
  return {
    folder,
    images: [
      { id: 1, relPath: 'a.png', width: W, height: H, split },
      { id: 2, relPath: 'sub/b.png', width: W, height: H, split: split === null ? null : 'val' },
    ],
    classes: [
      { id: 7, name: 'ring', color: '#ff0000' },
      { id: 9, name: 'blob', color: '#00ff00' },
    ],
    instances: [inst(1, 1, 7, ring), inst(2, 1, 9, twoParts), inst(3, 2, 7, big), inst(4, 2, 9, small)],
    splitRatios: split === null ? null : [0.5, 0.5, 0],
  };
}

/** Even-odd point-in-polygon at pixel centres: this test's own reader, not the product's. */
function rasterise(points: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const n = points.length / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let inside = false;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = points[2 * i],
          yi = points[2 * i + 1],
          xj = points[2 * j],
          yj = points[2 * j + 1];
        if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
      }
      out[y * w + x] = inside ? 1 : 0;
    }
  }
  return out;
}

function decode(rle: Rle): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(w * h);
  let idx = 0;
  rle.counts.forEach((c, k) => {
    for (let i = 0; i < c; i++, idx++) if (k % 2 === 1) out[(idx % h) * w + Math.floor(idx / h)] = 1;
  });
  return out;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return inter / union;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-export-'));
  folder = join(root, 'photos');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
  writeFileSync(join(folder, 'a.png'), png);
  writeFileSync(join(folder, 'sub', 'b.png'), png);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('yolo-seg export', () => {
  it('writes the Ultralytics layout; rings with holes and parts read back to the same pixels', async () => {
    const out = join(root, 'yolo');
    const r = await writeDataset(dataset(), { format: 'yolo-seg', out });
    expect(r).toMatchObject({ images: 2, instances: 4, classes: 2 });
    const yaml = parse(readFileSync(join(out, 'data.yaml'), 'utf8'));
    expect(yaml).toEqual({ path: out, train: 'images/train', val: 'images/train', names: { 0: 'ring', 1: 'blob' } });
    // Hard-linked, never moved: the photo is still in the folder, with the same inode.
    expect(existsSync(join(folder, 'a.png'))).toBe(true);
    expect(statSync(join(out, 'images/train/a.png')).ino).toBe(statSync(join(folder, 'a.png')).ino);
    const lines = readFileSync(join(out, 'labels/train/a.txt'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const expected = [ring, twoParts];
    lines.forEach((line, k) => {
      const [cls, ...coords] = line.split(' ').map(Number);
      expect(cls).toBe(k);
      const pts = coords.map((v, i) => v * (i % 2 === 0 ? W : H));
      const got = rasterise(pts, W, H);
      expect(got.reduce((s, v) => s + v, 0)).toBe(rleArea(expected[k]));
      expect(iou(got, decode(expected[k]))).toBe(1);
    });
    expect(readFileSync(join(out, 'labels/train/sub/b.txt'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('copies instead of linking when asked, and writes each split', async () => {
    const out = join(root, 'yolo-split');
    await writeDataset(dataset('train'), { format: 'yolo-seg', out, images: 'copy' });
    expect(statSync(join(out, 'images/train/a.png')).ino).not.toBe(statSync(join(folder, 'a.png')).ino);
    expect(existsSync(join(out, 'images/val/sub/b.png'))).toBe(true);
    expect(existsSync(join(out, 'labels/val/sub/b.txt'))).toBe(true);
    expect(parse(readFileSync(join(out, 'data.yaml'), 'utf8'))).toMatchObject({ train: 'images/train', val: 'images/val' });
  });
});

describe('one ring per instance', () => {
  it('joins three parts and three holes so that even-odd filling gives the mask back exactly', () => {
    const many = maskOf((x, y) => {
      const inA =
        x >= 2 &&
        x < 40 &&
        y >= 2 &&
        y < 30 &&
        !(x >= 6 && x < 12 && y >= 6 && y < 12) &&
        !(x >= 20 && x < 30 && y >= 8 && y < 20) &&
        !(x >= 32 && x < 36 && y >= 22 && y < 27);
      const inB = x >= 45 && x < 60 && y >= 5 && y < 12;
      const inC = x >= 45 && x < 62 && y >= 35 && y < 46;
      return inA || inB || inC;
    });
    const { outer, holes } = maskRings(many);
    expect([outer.length, holes.length]).toEqual([3, 3]);
    const ring = instanceRing(many);
    expect(iou(rasterise(ring, W, H), decode(many))).toBe(1);
  });
});

describe('mask export', () => {
  it('one class-index PNG per image; the smaller instance is on top', async () => {
    const out = join(root, 'masks');
    await writeDataset(dataset(), { format: 'masks', out });
    const classes = JSON.parse(readFileSync(join(out, 'classes.json'), 'utf8'));
    expect(classes).toEqual([
      { index: 0, name: 'background', color: '#000000' },
      { index: 1, name: 'ring', color: '#ff0000' },
      { index: 2, name: 'blob', color: '#00ff00' },
    ]);
    const read = async (f: string) => {
      const meta = await sharp(join(out, f)).metadata();
      expect([meta.format, meta.width, meta.height, meta.depth]).toEqual(['png', W, H, 'uchar']);
      // An indexed PNG (colour type 3) whose palette holds the class colours, read with this test's own code.
      const png = readIndexedPng(join(out, f));
      expect([png.width, png.height, png.colourType]).toEqual([W, H, 3]);
      expect(png.palette).toEqual(['#000000', '#ff0000', '#00ff00']);
      const data = png.indices;
      const counts = [0, 0, 0];
      for (const v of data) counts[v]++;
      return { data, counts };
    };
    const a = await read('a.png');
    expect(a.counts).toEqual([W * H - rleArea(ring) - rleArea(twoParts), rleArea(ring), rleArea(twoParts)]);
    expect(a.data[16 * W + 16]).toBe(0); // inside the hole
    const b = await read('sub/b.png');
    // The small rectangle (class 2) is on top of the big one (class 1).
    expect(b.counts).toEqual([W * H - rleArea(big), rleArea(big) - rleArea(small), rleArea(small)]);
    expect(b.data[15 * W + 15]).toBe(2);
  });
});

describe('labelme export', () => {
  it('one json per image with labelled polygons and a relative imagePath', async () => {
    const out = join(root, 'labelme');
    await writeDataset(dataset(), { format: 'labelme', out });
    const f = JSON.parse(readFileSync(join(out, 'sub/b.json'), 'utf8'));
    expect(f).toMatchObject({ imagePath: '../../photos/sub/b.png', imageHeight: H, imageWidth: W, imageData: null, flags: {} });
    expect(typeof f.version).toBe('string');
    expect(f.shapes.map((s: { label: string }) => s.label)).toEqual(['ring', 'blob']);
    expect(f.shapes[1]).toMatchObject({ shape_type: 'polygon', group_id: 2 });
    const pts = (f.shapes[1].points as number[][]).flat();
    expect(iou(rasterise(pts, W, H), decode(small))).toBe(1);
  });
});

describe('coco export with a split, and the folder rules', () => {
  it('writes one COCO file per split', async () => {
    const out = join(root, 'coco-split');
    const r = await writeDataset(dataset('train'), { format: 'coco', out });
    expect(r.splits).toEqual({ train: 1, val: 1 });
    const train = JSON.parse(readFileSync(join(out, 'train.json'), 'utf8'));
    const val = JSON.parse(readFileSync(join(out, 'val.json'), 'utf8'));
    expect(train.images.map((i: { file_name: string }) => i.file_name)).toEqual(['a.png']);
    expect(val.images.map((i: { file_name: string }) => i.file_name)).toEqual(['sub/b.png']);
    expect(train.categories).toEqual(val.categories);
    expect(existsSync(join(out, 'test.json'))).toBe(false);
  });

  it('replaces an earlier export but refuses a folder of other files, leaving it untouched', async () => {
    const out = join(root, 'again');
    await writeDataset(dataset(), { format: 'masks', out });
    await writeDataset(dataset(), { format: 'labelme', out });
    expect(existsSync(join(out, 'a.json'))).toBe(true);
    expect(existsSync(join(out, 'a.png'))).toBe(false);
    expect(lstatSync(join(out, MARKER_FILE)).isFile()).toBe(true);
    await expect(writeDataset(dataset(), { format: 'masks', out: folder })).rejects.toThrow(/not a Samantic export/);
    expect(existsSync(join(folder, 'classes.json'))).toBe(false);
  });
});
