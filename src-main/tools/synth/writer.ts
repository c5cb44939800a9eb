// Writes a folder of synthetic pizza photos plus their ground truth as a COCO instances file, so
// the whole pipeline (label a folder, export COCO) can be scored against known answers.

import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import { SamanticError } from '../../core/errors';
import { maskToRle } from '../../core/mask';
import { writeFileAtomic } from '../../core/util/atomic-file';
import { mkdirTree } from '../../core/util/mkdir';
import type { BinaryMask, Rle } from '../../core/types';
import { generatePizzaScene, isThing, PIZZA_CATEGORIES, PIZZA_DEFAULT_HEIGHT, PIZZA_DEFAULT_WIDTH } from './pizza';
import { hash2 } from '../../core/util/random';

export interface PizzaFolderOptions {
  /** Number of images, 1 to PIZZA_FOLDER_MAX_COUNT. */
  count: number;
  /** Folder seed; image i uses sceneSeed(seed, i). */
  seed: number;
  width?: number;
  height?: number;
  /** 'png' (default) is lossless, so pixels equal the generated ones; 'jpg' is closer to photos. */
  format?: 'png' | 'jpg';
}

export const GROUND_TRUTH_FILE = 'ground-truth.json';
/** Upper bound on one call's image count: a guard against a typo like --count 20000000. */
export const PIZZA_FOLDER_MAX_COUNT = 10_000;
/** JPEG quality for format 'jpg': high enough that colour edges stay clean. */
export const PIZZA_JPEG_QUALITY = 92;

/**
 * The seed of image `index` in a folder made with `folderSeed`: hashed rather than folderSeed+index
 * so that folders with neighbouring seeds do not share images.
 */
export function sceneSeed(folderSeed: number, index: number): number {
  return Math.floor(hash2(Math.floor(folderSeed), index, 0x5eed) * 4294967296);
}

export function pizzaFileName(index: number, format: 'png' | 'jpg' = 'png'): string {
  return `pizza-${String(index).padStart(3, '0')}.${format}`;
}

/** Uncompressed COCO RLE of a row-major mask (maskToRle of ../mask, under the name tests use). */
export const encodeMaskRle: (mask: BinaryMask) => Rle = maskToRle;

export interface CocoGroundTruth {
  info: { description: string; seed: number; generator: string };
  images: { id: number; file_name: string; width: number; height: number; seed: number }[];
  categories: { id: number; name: string; supercategory: string; isthing: 0 | 1 }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    segmentation: Rle;
    /** pycocotools convention: [x, y, w, h] with w = last - first + 1. */
    bbox: [number, number, number, number];
    area: number;
    iscrowd: 0;
  }[];
}

function checkOptions(dir: string, o: PizzaFolderOptions): void {
  const where = `writePizzaFolder(${dir})`;
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > PIZZA_FOLDER_MAX_COUNT) {
    throw new RangeError(`${where}: count must be an integer from 1 to ${PIZZA_FOLDER_MAX_COUNT}, got ${o.count}.`);
  }
  if (!Number.isFinite(o.seed)) throw new RangeError(`${where}: seed must be a finite number, got ${o.seed}.`);
  if (o.format !== undefined && o.format !== 'png' && o.format !== 'jpg') {
    throw new RangeError(`${where}: format must be 'png' or 'jpg', got '${String(o.format)}'.`);
  }
}

/**
 * Generates `count` scenes into `dir` (created if missing) as pizza-000.png ... and writes
 * ground-truth.json (COCO instances with uncompressed RLE masks of the visible parts). Existing
 * files of the same names are replaced; nothing else in the folder is touched.
 */
export async function writePizzaFolder(dir: string, options: PizzaFolderOptions): Promise<{ files: string[]; groundTruthFile: string }> {
  checkOptions(dir, options);
  const format = options.format ?? 'png';
  const width = options.width ?? PIZZA_DEFAULT_WIDTH;
  const height = options.height ?? PIZZA_DEFAULT_HEIGHT;
  const root = resolve(dir);
  try {
    mkdirTree(root);
  } catch (err) {
    throw new SamanticError(
      'invalid-argument',
      `Cannot create the folder ${root} (${(err as Error).message}). Choose a folder you can write to.`,
    );
  }

  const gt: CocoGroundTruth = {
    info: { description: 'Samantic synthetic pizza scenes', seed: options.seed, generator: 'samantic synth' },
    images: [],
    categories: PIZZA_CATEGORIES.map((name, i) => ({
      id: i + 1,
      name,
      supercategory: isThing(name) ? 'topping' : 'pizza',
      isthing: isThing(name) ? 1 : 0,
    })),
    annotations: [],
  };
  const files: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const seed = sceneSeed(options.seed, i);
    const scene = generatePizzaScene({ seed, width, height });
    const file = join(root, pizzaFileName(i, format));
    const img = sharp(Buffer.from(scene.image.data.buffer, scene.image.data.byteOffset, scene.image.data.byteLength), {
      raw: { width, height, channels: 3 },
    });
    const bytes = format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: PIZZA_JPEG_QUALITY }).toBuffer();
    await writeFileAtomic(file, bytes);
    files.push(file);
    const imageId = i + 1;
    gt.images.push({ id: imageId, file_name: basename(file), width, height, seed });
    for (const inst of scene.instances) {
      gt.annotations.push({
        id: gt.annotations.length + 1,
        image_id: imageId,
        category_id: PIZZA_CATEGORIES.indexOf(inst.category) + 1,
        segmentation: maskToRle(inst.mask),
        bbox: inst.bbox,
        area: inst.area,
        iscrowd: 0,
      });
    }
  }
  const groundTruthFile = join(root, GROUND_TRUTH_FILE);
  await writeFileAtomic(groundTruthFile, JSON.stringify(gt));
  return { files, groundTruthFile };
}
