import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from '../../core/image/load';
import type { Rle } from '../../core/types';
import { runSynthCommand } from './cli';
import { generatePizzaScene, PIZZA_CATEGORIES } from './pizza';
import { encodeMaskRle, sceneSeed, writePizzaFolder, type CocoGroundTruth } from './writer';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samantic-synth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Independent decoder (column-major runs, zeros first) to check the writer against. */
function decodeRle(rle: Rle): Uint8Array {
  const [h, w] = rle.size;
  const out = new Uint8Array(w * h);
  let k = 0;
  rle.counts.forEach((n, i) => {
    for (let j = 0; j < n; j++, k++) {
      if (i % 2 === 1) out[(k % h) * w + Math.floor(k / h)] = 1;
    }
  });
  expect(k).toBe(w * h);
  return out;
}

describe('encodeMaskRle', () => {
  it('encodes column-major runs starting with zeros', () => {
    // 3 wide, 2 high: column 0 = [1, 0], column 1 = [1, 1], column 2 = [0, 0] -> 0,1,1,2,2.
    const mask = { width: 3, height: 2, data: Uint8Array.from([1, 1, 0, 0, 1, 0]) };
    expect(encodeMaskRle(mask)).toEqual({ size: [2, 3], counts: [0, 1, 1, 2, 2] });
    expect(encodeMaskRle({ width: 2, height: 2, data: new Uint8Array(4) })).toEqual({ size: [2, 2], counts: [4] });
    expect(encodeMaskRle({ width: 2, height: 1, data: Uint8Array.from([0, 1]) })).toEqual({ size: [1, 2], counts: [1, 1] });
  });
});

describe('writePizzaFolder', () => {
  const opts = { count: 3, seed: 5, width: 256, height: 192 };
  let result: { files: string[]; groundTruthFile: string };
  let gt: CocoGroundTruth;
  beforeAll(async () => {
    result = await writePizzaFolder(join(dir, 'png'), opts);
    gt = JSON.parse(await readFile(result.groundTruthFile, 'utf8')) as CocoGroundTruth;
  });

  it('writes pizza-000.png... and ground-truth.json, with no temp files left', async () => {
    expect(result.files.map((f) => basename(f))).toEqual(['pizza-000.png', 'pizza-001.png', 'pizza-002.png']);
    expect(basename(result.groundTruthFile)).toBe('ground-truth.json');
    expect((await readdir(join(dir, 'png'))).sort()).toEqual(['ground-truth.json', 'pizza-000.png', 'pizza-001.png', 'pizza-002.png']);
  });

  it('images reload with loadImage, pixel for pixel the generated scenes', async () => {
    for (let i = 0; i < opts.count; i++) {
      const loaded = await loadImage(result.files[i]!);
      expect([loaded.width, loaded.height, loaded.format]).toEqual([256, 192, 'png']);
      const scene = generatePizzaScene({ seed: sceneSeed(opts.seed, i), width: 256, height: 192 });
      expect(Buffer.from(loaded.image.data).equals(Buffer.from(scene.image.data))).toBe(true);
    }
  });

  it('ground truth is COCO: categories by name, one annotation per visible instance, masks round-trip', () => {
    expect(gt.categories.map((c) => c.name)).toEqual([...PIZZA_CATEGORIES]);
    expect(
      gt.categories
        .filter((c) => c.isthing === 1)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['basil', 'olive', 'pepperoni']);
    expect(gt.images.map((im) => [im.id, im.file_name, im.width, im.height])).toEqual([
      [1, 'pizza-000.png', 256, 192],
      [2, 'pizza-001.png', 256, 192],
      [3, 'pizza-002.png', 256, 192],
    ]);
    expect(new Set(gt.annotations.map((a) => a.id)).size).toBe(gt.annotations.length);
    for (const image of gt.images) {
      const scene = generatePizzaScene({ seed: image.seed, width: 256, height: 192 });
      const anns = gt.annotations.filter((a) => a.image_id === image.id);
      expect(anns.length).toBe(scene.instances.length);
      let total = 0;
      anns.forEach((a, k) => {
        const inst = scene.instances[k]!;
        expect(gt.categories.find((c) => c.id === a.category_id)?.name).toBe(inst.category);
        expect(a.segmentation.size).toEqual([192, 256]);
        expect(Buffer.from(decodeRle(a.segmentation)).equals(Buffer.from(inst.mask.data))).toBe(true);
        expect(a.area).toBe(a.segmentation.counts.reduce((s, n, i) => (i % 2 ? s + n : s), 0));
        expect(a.bbox).toEqual(inst.bbox);
        expect(a.iscrowd).toBe(0);
        total += a.area;
      });
      // Visible parts tile the image exactly.
      expect(total).toBe(256 * 192);
    }
  });

  it('is reproducible and different seeds give different folders', async () => {
    const again = await writePizzaFolder(join(dir, 'png-again'), opts);
    expect(await readFile(again.files[1]!)).toEqual(await readFile(result.files[1]!));
    expect(await readFile(again.groundTruthFile, 'utf8')).toBe(await readFile(result.groundTruthFile, 'utf8'));
    expect(sceneSeed(5, 0)).not.toBe(sceneSeed(6, 0));
    expect(sceneSeed(5, 1)).not.toBe(sceneSeed(6, 0));
  });

  it('writes JPEGs when asked, which load as jpeg', async () => {
    const out = await writePizzaFolder(join(dir, 'jpg'), { count: 1, seed: 2, width: 200, height: 150, format: 'jpg' });
    expect(basename(out.files[0]!)).toBe('pizza-000.jpg');
    const loaded = await loadImage(out.files[0]!);
    expect([loaded.format, loaded.width, loaded.height]).toEqual(['jpeg', 200, 150]);
    const g = JSON.parse(await readFile(out.groundTruthFile, 'utf8')) as CocoGroundTruth;
    expect(g.images[0]?.file_name).toBe('pizza-000.jpg');
  });

  it('rejects bad options, naming the folder', async () => {
    await expect(writePizzaFolder(join(dir, 'bad'), { count: 0, seed: 1 })).rejects.toThrow(/bad\).*count must be an integer/);
    await expect(writePizzaFolder(join(dir, 'bad'), { count: 1, seed: Number.NaN })).rejects.toThrow(/seed/);
  });
});

describe('runSynthCommand', () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { out: (t: string) => void (o.out += t), err: (t: string) => void (o.err += t) } };
  };

  it('writes a folder and returns 0', async () => {
    const { o, io: sink } = io();
    const target = join(dir, 'cli');
    const code = await runSynthCommand([target, '--count', '2', '--seed', '3', '--width', '160', '--height', '120'], sink);
    expect([code, o.err]).toEqual([0, '']);
    expect(o.out).toContain('wrote 2 images');
    expect((await readdir(target)).sort()).toEqual(['ground-truth.json', 'pizza-000.png', 'pizza-001.png']);
  });

  it('returns 2 with a message and usage for bad arguments', async () => {
    for (const argv of [[], [join(dir, 'x'), '--count', 'lots'], [join(dir, 'x'), '--format', 'gif'], [join(dir, 'x'), '--bogus']]) {
      const { o, io: sink } = io();
      expect(await runSynthCommand(argv, sink)).toBe(2);
      expect(o.err).toMatch(/^samantic synth: .+\nusage: samantic synth <dir>/);
    }
    const { o, io: sink } = io();
    expect(await runSynthCommand(['--help'], sink)).toBe(0);
    expect(o.out).toContain('usage');
  });

  it('returns 1 when the folder cannot be written', async () => {
    const blocker = join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const { o, io: sink } = io();
    expect(await runSynthCommand([join(blocker, 'sub'), '--count', '1', '--width', '128', '--height', '96'], sink)).toBe(1);
    expect(o.err).toContain(join(blocker, 'sub'));
  });
});
