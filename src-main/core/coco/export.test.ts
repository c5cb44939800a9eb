import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePizzaScene } from '../../tools/synth/pizza';
import type { BinaryMask } from '../types';
import { maskToRle } from '../mask';
import { type BuildCocoInput, buildCoco, buildCocoDetailed } from './export';
import { polygonArea, rasterizePolygons } from './geometry';
import { decodeMask, encodeMask } from './rle';
import { validateCocoDataset } from './validate';
import { writeJsonAtomic } from './write-json';

const tmpRoot = mkdtempSync(path.join(tmpdir(), 'samantic-coco-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function paint(w: number, h: number, inside: (x: number, y: number) => boolean): BinaryMask {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = inside(x, y) ? 1 : 0;
  return { width: w, height: h, data };
}

function count(m: BinaryMask): number {
  return m.data.reduce((s, v) => s + v, 0);
}

const W = 40;
const H = 30;
const square = paint(W, H, (x, y) => x >= 5 && x < 15 && y >= 4 && y < 12);
const disc = paint(W, H, (x, y) => (x + 0.5 - 28) ** 2 + (y + 0.5 - 18) ** 2 <= 64);
const ring = paint(W, H, (x, y) => {
  const d = Math.hypot(x + 0.5 - 20, y + 0.5 - 15);
  return d <= 12 && d > 5;
});
const empty = paint(W, H, () => false);

/** Images deliberately out of name order, annotations out of segment order. */
function sampleInput(): BuildCocoInput {
  return {
    images: [
      { id: 7, fileName: 'b/photo2.jpg', width: W, height: H },
      { id: 3, fileName: 'a.jpg', width: W, height: H },
      { id: 9, fileName: 'b/photo10.jpg', width: W, height: H },
    ],
    categories: [
      { id: 42, name: 'pepperoni' },
      { id: 5, name: 'olive', supercategory: 'topping' },
    ],
    annotations: [
      { segmentId: 30, imageId: 7, categoryId: 5, rle: maskToRle(ring) },
      { segmentId: 12, imageId: 7, categoryId: 42, rle: encodeMask(disc) },
      { segmentId: 4, imageId: 3, categoryId: 42, rle: maskToRle(square) },
      { segmentId: 2, imageId: 3, categoryId: 5, rle: maskToRle(empty) },
      { segmentId: 1, imageId: 3, categoryId: 5, rle: maskToRle(disc) },
    ],
    info: { dateCreated: '2024-05-06T07:08:09.000Z' },
  };
}

describe('buildCoco', () => {
  it('orders and numbers images, annotations and categories deterministically from 1', () => {
    const ds = buildCoco(sampleInput());
    expect(ds.images.map((i) => [i.id, i.file_name])).toEqual([
      [1, 'a.jpg'],
      [2, 'b/photo10.jpg'],
      [3, 'b/photo2.jpg'],
    ]);
    expect(ds.categories).toEqual([
      { id: 1, name: 'pepperoni', supercategory: 'object' },
      { id: 2, name: 'olive', supercategory: 'topping' },
    ]);
    // a.jpg: segments 1 (disc, olive) and 4 (square, pepperoni); the empty segment 2 is left out.
    // b/photo2.jpg: segments 12 (disc) then 30 (ring).
    expect(ds.annotations.map((a) => [a.id, a.image_id, a.category_id, a.area])).toEqual([
      [1, 1, 2, count(disc)],
      [2, 1, 1, 80],
      [3, 3, 1, count(disc)],
      [4, 3, 2, count(ring)],
    ]);
    // Shuffling the input changes nothing.
    const shuffled = sampleInput();
    shuffled.images.reverse();
    shuffled.annotations.reverse();
    expect(buildCoco(shuffled)).toEqual(ds);
  });

  it('writes info, licenses and pycocotools boxes', () => {
    const ds = buildCoco({ ...sampleInput(), license: { name: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' } });
    expect(ds.info).toEqual({
      description: 'Segmentation dataset made with Samantic',
      version: '1.0',
      year: 2024,
      contributor: 'Samantic',
      url: '',
      date_created: '2024-05-06T07:08:09.000Z',
    });
    expect(ds.licenses).toEqual([{ id: 1, name: 'CC BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/' }]);
    expect(ds.images.every((i) => i.license === 1)).toBe(true);
    expect(buildCoco(sampleInput()).licenses).toEqual([]);
    const squareAnn = ds.annotations[1];
    // Pixels x 5..14, y 4..11: width and height count pixels.
    expect(squareAnn.bbox).toEqual([5, 4, 10, 8]);
    expect(squareAnn.segmentation).toEqual([[5, 4, 5, 12, 15, 12, 15, 4]]);
    expect(ds.annotations.every((a) => a.iscrowd === 0)).toBe(true);
  });

  it('polygon format: solid masks get polygons that rasterise back to the mask, a ring falls back to RLE', () => {
    const { dataset, stats } = buildCocoDetailed(sampleInput());
    expect(stats.polygonAnnotations).toBe(3);
    expect(stats.rleAnnotations).toBe(1);
    expect(stats.rleFallbacks).toEqual([
      { annotationId: 4, fileName: 'b/photo2.jpg', segmentId: 30, reason: expect.stringMatching(/holes cover/) },
    ]);
    expect(stats.skippedEmpty).toEqual([{ fileName: 'a.jpg', segmentId: 2 }]);
    const discAnn = dataset.annotations[0];
    const polys = discAnn.segmentation as number[][];
    expect(Array.isArray(polys)).toBe(true);
    expect(polys.reduce((s, p) => s + polygonArea(p), 0)).toBe(discAnn.area);
    expect(Array.from(rasterizePolygons(polys, W, H))).toEqual(Array.from(disc.data));
    const ringAnn = dataset.annotations[3];
    expect(ringAnn.segmentation).toEqual(encodeMask(ring));
    expect(validateCocoDataset(dataset)).toEqual([]);
  });

  it('rle format: every annotation is a pycocotools string that decodes to its mask', () => {
    const ds = buildCoco(sampleInput(), { format: 'rle' });
    const masks = [disc, square, disc, ring];
    ds.annotations.forEach((a, i) => {
      expect(typeof (a.segmentation as { counts: unknown }).counts).toBe('string');
      expect(Array.from(decodeMask(a.segmentation as { size: [number, number]; counts: string }).data)).toEqual(Array.from(masks[i].data));
    });
    expect(validateCocoDataset(ds)).toEqual([]);
  });

  it('a synthetic pizza scene exports to a valid dataset in both formats', () => {
    const scene = generatePizzaScene({ seed: 5 });
    const names = [...new Set(scene.instances.map((i) => i.category))];
    const input: BuildCocoInput = {
      images: [{ id: 1, fileName: 'pizza-005.png', width: scene.image.width, height: scene.image.height }],
      categories: names.map((name, i) => ({ id: 100 + i, name })),
      annotations: scene.instances.map((inst) => ({
        segmentId: inst.id,
        imageId: 1,
        categoryId: 100 + names.indexOf(inst.category),
        rle: maskToRle(inst.mask),
      })),
    };
    for (const format of ['polygon', 'rle'] as const) {
      const ds = buildCoco(input, { format });
      expect(validateCocoDataset(ds)).toEqual([]);
      expect(ds.annotations.length).toBe(scene.instances.length);
      ds.annotations.forEach((a, k) => {
        expect(a.area).toBe(scene.instances[k].area);
        expect(a.bbox).toEqual(scene.instances[k].bbox);
      });
    }
  });

  it('refuses bad input with messages that name the file and say what to do', () => {
    const withAnn = (ann: Partial<BuildCocoInput['annotations'][number]>): BuildCocoInput => {
      const input = sampleInput();
      input.annotations = [{ ...input.annotations[2], ...ann }];
      return input;
    };
    expect(() => buildCoco(withAnn({ categoryId: 99 }))).toThrow(
      /segment 4 of a.jpg has class 99, which is not among the exported categories/,
    );
    expect(() => buildCoco(withAnn({ imageId: 99 }))).toThrow(/refers to image 99/);
    expect(() => buildCoco(withAnn({ rle: maskToRle(paint(H, W, () => true)) }))).toThrow(
      /segment 4 in a.jpg is 30x40 \(width x height\) but the image is 40x30/,
    );
    expect(() => buildCoco(withAnn({ rle: { size: [H, W], counts: [5, 5] } }))).toThrow(/a.jpg: run lengths sum to 10/);
    const dup = sampleInput();
    dup.images.push({ id: 11, fileName: 'a.jpg', width: W, height: H });
    expect(() => buildCoco(dup)).toThrow(/a.jpg is listed twice/);
    const abs = sampleInput();
    abs.images[0].fileName = '/home/me/a.jpg';
    expect(() => buildCoco(abs)).toThrow(/must be relative to the photo folder/);
    expect(() => buildCoco(sampleInput(), { format: 'svg' as 'rle' })).toThrow(/Unknown COCO export format "svg"/);
  });
});

describe('validateCocoDataset', () => {
  it('catches the mistakes pycocotools would trip over', () => {
    const ds = buildCoco(sampleInput(), { format: 'rle' });
    const broken = JSON.parse(JSON.stringify(ds));
    broken.annotations[0].image_id = 77;
    broken.annotations[1].category_id = 0;
    broken.annotations[2].id = broken.annotations[3].id;
    broken.annotations[3].bbox = [30, 20, 20, 20];
    broken.annotations.push({ ...broken.annotations[0], id: 50, image_id: 1, area: 0, segmentation: [[1, 2, 3, 4]] });
    const problems = validateCocoDataset(broken);
    expect(problems).toContain('annotation 1: image_id 77 is not an image');
    expect(problems).toContain('annotation 2: category_id 0 is not a category');
    expect(problems).toContain('annotation 4: id is not unique');
    expect(problems.some((p) => p.includes('leaves the 40x30 image'))).toBe(true);
    expect(problems).toContain('annotation 50: area must be > 0');
    expect(problems.some((p) => p.includes('at least 6 numbers'))).toBe(true);
    expect(validateCocoDataset({ images: [] })).toEqual(['"annotations" must be an array', '"categories" must be an array']);
  });
});

describe('writeJsonAtomic', () => {
  it('creates the folder, writes json equal to JSON.stringify and leaves no temp file', async () => {
    const file = path.join(tmpRoot, 'new', 'deeper', 'coco.json');
    const ds = buildCoco(sampleInput());
    await writeJsonAtomic(file, ds);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(JSON.stringify(ds));
    expect(readdirSync(path.dirname(file))).toEqual(['coco.json']);
  });

  it('serialises odd values the way JSON.stringify does', async () => {
    const file = path.join(tmpRoot, 'odd.json');
    const value = { a: undefined, b: [1, undefined, () => 1, 'x'], c: new Date(0), d: { e: [null] }, f: [] };
    await writeJsonAtomic(file, value);
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(value));
    await writeJsonAtomic(file, [{ z: 1 }, 2]);
    expect(readFileSync(file, 'utf8')).toBe('[{"z":1},2]');
  });

  it('replaces an existing JSON file whole, and never a file that is not JSON', async () => {
    const file = path.join(tmpRoot, 'replace.json');
    writeFileSync(file, '  {"old": "contents that are longer than the new ones"}');
    await writeJsonAtomic(file, { ok: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ok: true });
    const photo = path.join(tmpRoot, 'photo.jpg');
    writeFileSync(photo, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    await expect(writeJsonAtomic(photo, { ok: true })).rejects.toThrow(/photo\.jpg: a file that is not JSON is already there/);
    expect(readFileSync(photo)).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
  });

  it('fails at once on a folder that can never exist (no endless mkdir under /proc)', async () => {
    await expect(writeJsonAtomic('/proc/samantic-nope/x/c.json', {})).rejects.toThrow(
      /Cannot write the export \/proc\/samantic-nope\/x\/c\.json: its folder/,
    );
  });

  it('large arrays are written in pieces and still parse', async () => {
    const file = path.join(tmpRoot, 'big.json');
    const annotations = Array.from({ length: 20000 }, (_, i) => ({ id: i + 1, counts: 'x'.repeat(100) }));
    await writeJsonAtomic(file, { annotations });
    const back = JSON.parse(readFileSync(file, 'utf8'));
    expect(back.annotations.length).toBe(20000);
    expect(back.annotations[19999]).toEqual({ id: 20000, counts: 'x'.repeat(100) });
  });

  it('fails clearly when a file is in the way of the folder, and leaves nothing behind', async () => {
    const blocker = path.join(tmpRoot, 'blocker');
    writeFileSync(blocker, 'a file, not a folder');
    await expect(writeJsonAtomic(path.join(blocker, 'coco.json'), {})).rejects.toThrow(
      /Cannot write the export .*blocker\/coco.json: its folder .* cannot be created or written .*ENOTDIR/,
    );
    const dirTarget = path.join(tmpRoot, 'adir');
    await writeJsonAtomic(path.join(dirTarget, 'x.json'), {});
    await expect(writeJsonAtomic(dirTarget, {})).rejects.toThrow(/Cannot write the export .*adir: it is a folder/);
    expect(readdirSync(tmpRoot).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
