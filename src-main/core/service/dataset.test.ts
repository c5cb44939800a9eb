// Datasets out and back in through the real service and the test model: export each format from
// a processed project, import it into a fresh project of the same folder, export again, compare.
// The YOLO labels, mask PNGs and COCO RLE strings are read back here with this file's own code.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { writePizzaFolder } from '../../tools/synth/writer';
import { createService } from './service';
import type { Service } from './types';
import { readIndexedPng } from '../export/palette-png.testing';
import { rleFromString } from '../mask/rle-string';

const QUICK = { pointsPerSide: 8 };
let root: string;
let folder: string;
let a: Service;

async function open(project: string): Promise<Service> {
  const s = await createService({ stateDir: join(root, 'state'), amgOverrides: QUICK, onWarning: () => {} });
  await s.api.openFolder({ folder, project: join(root, project), model: 'test-sam', device: 'cpu' });
  return s;
}

/** Column-major counts to a row-major 0/1 image. */
function decodeCounts(counts: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  let idx = 0;
  counts.forEach((c, k) => {
    if (k % 2 === 1) for (let i = idx; i < idx + c; i++) out[(i % h) * w + Math.floor(i / h)] = 1;
    idx += c;
  });
  return out;
}

/** Even-odd fill at pixel centres of one ring given in pixels. */
function fillRing(pts: number[], w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const n = pts.length / 2;
  for (let y = 0; y < h; y++) {
    const cy = y + 0.5;
    const xs: number[] = [];
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [x1, y1, x2, y2] = [pts[2 * j], pts[2 * j + 1], pts[2 * i], pts[2 * i + 1]];
      if (y1 <= cy !== y2 <= cy) xs.push(x1 + ((cy - y1) * (x2 - x1)) / (y2 - y1));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) for (let x = 0; x < w; x++) if (x + 0.5 >= xs[k] && x + 0.5 < xs[k + 1]) out[y * w + x] = 1;
  }
  return out;
}

const sum = (m: Uint8Array) => m.reduce((s, v) => s + v, 0);
function iou(p: Uint8Array, q: Uint8Array): number {
  let i = 0;
  let u = 0;
  for (let k = 0; k < p.length; k++) {
    i += p[k] & q[k];
    u += p[k] | q[k];
  }
  return u === 0 ? 1 : i / u;
}

interface CocoFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { image_id: number; category_id: number; segmentation: { counts: string; size: [number, number] }; area: number }[];
  categories: { id: number; name: string }[];
}

/** Per image file: [class name, mask] of every instance of an RLE COCO file. */
function cocoMasks(file: string): Map<string, { name: string; mask: Uint8Array; area: number }[]> {
  const coco = JSON.parse(readFileSync(file, 'utf8')) as CocoFile;
  const names = new Map(coco.categories.map((c) => [c.id, c.name]));
  const out = new Map<string, { name: string; mask: Uint8Array; area: number }[]>();
  for (const img of coco.images) out.set(img.file_name, []);
  for (const ann of coco.annotations) {
    const img = coco.images.find((i) => i.id === ann.image_id)!;
    const mask = decodeCounts(rleFromString(ann.segmentation.counts), img.width, img.height);
    out.get(img.file_name)!.push({ name: names.get(ann.category_id)!, mask, area: ann.area });
  }
  return out;
}

/** Every instance of `before` has one of the same class in `after` with IoU >= minIou, and the counts match. */
function expectSameInstances(before: ReturnType<typeof cocoMasks>, after: ReturnType<typeof cocoMasks>, minIou: number): void {
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [file, list] of before) {
    const other = after.get(file)!;
    expect(other.length).toBe(list.length);
    for (const inst of list) {
      const best = Math.max(...other.filter((o) => o.name === inst.name).map((o) => iou(o.mask, inst.mask)));
      expect(best, `${file}: ${inst.name} (${inst.area} px)`).toBeGreaterThanOrEqual(minIou);
    }
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-dataset-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 4, seed: 11, width: 320, height: 240 });
  a = await open('a.db');
  await a.api.process({});
  // Name the classes so round trips are checked by name.
  const classes = await a.api.listClasses();
  for (const [i, c] of classes.entries()) await a.api.renameClass({ classId: c.id, name: `thing ${i + 1}` });
  await a.api.exportDataset({ out: join(root, 'a-rle.json'), format: 'coco', segmentation: 'rle' });
}, 240_000);

afterAll(async () => {
  await a?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('dataset export read back by independent code', () => {
  it('YOLO label polygons and mask PNG pixel counts agree with the COCO RLE of the same project', async () => {
    const coco = cocoMasks(join(root, 'a-rle.json'));
    const total = [...coco.values()].reduce((s, l) => s + l.length, 0);
    expect(total).toBeGreaterThan(5);
    const yolo = join(root, 'a-yolo');
    await a.api.exportDataset({ out: yolo, format: 'yolo-seg' });
    const names = Object.values(parse(readFileSync(join(yolo, 'data.yaml'), 'utf8')).names as Record<number, string>);
    const masks = join(root, 'a-masks');
    await a.api.exportDataset({ out: masks, format: 'masks' });
    const index = JSON.parse(readFileSync(join(masks, 'classes.json'), 'utf8')) as { index: number; name: string }[];
    for (const [file, list] of coco) {
      const stem = file.replace(/\.[^.]+$/, '');
      const meta = await sharp(join(folder, file)).metadata();
      const [w, h] = [meta.width!, meta.height!];
      // YOLO: each line's polygon covers the same pixels as the RLE (IoU >= 0.99, areas within 1%).
      const lines = readFileSync(join(yolo, 'labels/train', `${stem}.txt`), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean);
      expect(lines.length).toBe(list.length);
      for (const line of lines) {
        const [cls, ...xy] = line.split(' ').map(Number);
        const mask = fillRing(
          xy.map((v, i) => v * (i % 2 === 0 ? w : h)),
          w,
          h,
        );
        const match = list
          .filter((l) => l.name === names[cls])
          .map((l) => ({ l, v: iou(l.mask, mask) }))
          .sort((p, q) => q.v - p.v)[0];
        expect(match.v, `${file}: ${line.slice(0, 40)}`).toBeGreaterThanOrEqual(0.99);
        expect(Math.abs(sum(mask) - match.l.area) / match.l.area).toBeLessThanOrEqual(0.01);
      }
      // Masks: the PNG's pixels of each index are those where the smallest instance covering the
      // pixel has that class (painted here largest first), and background elsewhere.
      const expected = new Uint8Array(w * h);
      for (const inst of [...list].sort((p, q) => q.area - p.area)) {
        const value = index.find((c) => c.name === inst.name)!.index;
        inst.mask.forEach((v, i) => v && (expected[i] = value));
      }
      const png = readIndexedPng(join(masks, `${stem}.png`));
      expect([png.width, png.height, png.colourType]).toEqual([w, h, 3]);
      const countsOf = (m: Uint8Array) => index.map((c) => m.reduce((s, v) => s + (v === c.index ? 1 : 0), 0));
      expect(countsOf(png.indices)).toEqual(countsOf(expected));
    }
  });
});

describe('choosing what goes out', () => {
  it('only the chosen classes, and never a segment marked as background', async () => {
    const classes = (await a.api.listClasses()).filter((c) => c.segmentCount > 0);
    const one = classes[0];
    const out = join(root, 'a-one-class');
    const r = await a.api.exportDataset({ out, format: 'yolo-seg', classIds: [one.id] });
    expect(r.classes).toBe(1);
    expect(r.instances).toBe(one.segmentCount);
    expect(parse(readFileSync(join(out, 'data.yaml'), 'utf8')).names).toEqual({ 0: one.name });
    const img = (await a.api.listImages()).find((i) => i.classIds.length > 0)!;
    const seg = (await a.api.listSegments({ imageId: img.id })).find((x) => x.classId !== null)!;
    const before = await a.api.exportDataset({ out: join(root, 'a-bg.json'), format: 'coco' });
    await a.api.removeSegments({ segmentIds: [seg.id] });
    try {
      const after = await a.api.exportDataset({ out: join(root, 'a-bg.json'), format: 'coco' });
      expect(after.instances).toBe(before.instances - 1);
    } finally {
      await a.api.undo();
    }
  });
});

describe('round trips into a fresh project of the same folder', () => {
  it('COCO (RLE): the same instances exactly, the same classes, and the import is one undoable gesture', async () => {
    const b = await open('b.db');
    try {
      const r = await b.api.importAnnotations({ format: 'coco', source: join(root, 'a-rle.json') });
      expect(r.missingImages).toEqual([]);
      expect(r.skipped).toEqual([]);
      const classesA = (await a.api.listClasses()).filter((c) => c.segmentCount > 0).map((c) => c.name);
      expect(r.classesCreated).toEqual(classesA);
      const classesB = await b.api.listClasses();
      expect(classesB.map((c) => c.name)).toEqual(classesA);
      await b.api.exportDataset({ out: join(root, 'b-rle.json'), format: 'coco', segmentation: 'rle' });
      expectSameInstances(cocoMasks(join(root, 'a-rle.json')), cocoMasks(join(root, 'b-rle.json')), 1);
      const withSegments = (await b.api.listImages()).find((i) => i.segmentCount > 0)!;
      const segs = await b.api.listSegments({ imageId: withSegments.id });
      expect(segs.length).toBeGreaterThan(0);
      // The imported segments can be found by similarity (they carry embeddings).
      const similar = await b.api.selectSimilar({ segmentIds: [segs[0].id], limit: 3 });
      expect(similar.length).toBeGreaterThan(0);
      // One gesture: undo takes every imported class away, redo brings them back.
      await b.api.undo();
      expect(await b.api.listClasses()).toEqual([]);
      await b.api.redo();
      expect((await b.api.listClasses()).map((c) => c.name)).toEqual(classesA);
    } finally {
      await b.close();
    }
  }, 240_000);

  it('mask PNGs: exported again from the re-imported project, byte for byte the same pixels', async () => {
    const b = await open('b.db');
    try {
      await a.api.exportDataset({ out: join(root, 'a-masks2'), format: 'masks', split: '0.5,0.5', seed: 3 });
      await b.api.exportDataset({ out: join(root, 'b-masks2'), format: 'masks', split: '0.5,0.5', seed: 3 });
      for (const split of ['train', 'val']) {
        const files = readdirSync(join(root, 'a-masks2', split)).sort();
        expect(readdirSync(join(root, 'b-masks2', split)).sort()).toEqual(files);
        for (const f of files) {
          const pa = readIndexedPng(join(root, 'a-masks2', split, f)).indices;
          const pb = readIndexedPng(join(root, 'b-masks2', split, f)).indices;
          expect(Buffer.from(pb).equals(Buffer.from(pa))).toBe(true);
        }
      }
    } finally {
      await b.close();
    }
  }, 240_000);

  it('COCO (polygons): the same instances (IoU >= 0.99)', async () => {
    await a.api.exportDataset({ out: join(root, 'a-poly.json'), format: 'coco' });
    const d = await open('d.db');
    try {
      const r = await d.api.importAnnotations({ format: 'coco', source: join(root, 'a-poly.json') });
      expect(r.skipped).toEqual([]);
      await d.api.exportDataset({ out: join(root, 'd-rle.json'), format: 'coco', segmentation: 'rle' });
      expectSameInstances(cocoMasks(join(root, 'a-rle.json')), cocoMasks(join(root, 'd-rle.json')), 0.99);
    } finally {
      await d.close();
    }
  }, 240_000);

  for (const format of ['yolo-seg', 'labelme'] as const) {
    it(`${format}: the same instances (IoU >= 0.99), the same classes and the same split`, async () => {
      const out = join(root, `a-${format}`);
      await a.api.exportDataset({ out, format, split: '0.5,0.25,0.25', seed: 5 });
      const c = await open(`c-${format}.db`);
      try {
        const r = await c.api.importAnnotations({ format, source: out });
        expect(r.missingImages).toEqual([]);
        expect(r.skipped).toEqual([]);
        const names = (await a.api.listClasses())
          .filter((k) => k.segmentCount > 0)
          .map((k) => k.name)
          .sort();
        expect((await c.api.listClasses()).map((k) => k.name).sort()).toEqual(names);
        await c.api.exportDataset({ out: join(root, `c-${format}.json`), format: 'coco', segmentation: 'rle' });
        expectSameInstances(cocoMasks(join(root, 'a-rle.json')), cocoMasks(join(root, `c-${format}.json`)), 0.99);
        const again = join(root, `c-${format}`);
        await c.api.exportDataset({ out: again, format, split: '0.5,0.25,0.25', seed: 5 });
        const dir = format === 'yolo-seg' ? 'labels' : '.';
        for (const split of ['train', 'val', 'test']) {
          const list = (d: string) => (existsSync(join(d, dir, split)) ? readdirSync(join(d, dir, split)).sort() : []);
          expect(list(again)).toEqual(list(out));
        }
      } finally {
        await c.close();
      }
    }, 240_000);
  }
});
