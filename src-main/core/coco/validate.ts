// Structural check of a COCO instances dataset: what pycocotools' COCO() constructor and
// annToRLE/COCOeval rely on, plus the consistency an exporter owes its readers (area and bbox that
// agree with the RLE, boxes and polygons inside the image). Used by tests and by the exporter's
// callers as a last check before a file is written.

import { rleArea, rleBboxCoco } from '../mask';
import type { Rle } from '../types';
import { decompressRle } from './rle';

/** Returns a list of problems in words; an empty list means the dataset is well formed. */
export function validateCocoDataset(ds: unknown): string[] {
  const problems: string[] = [];
  const add = (s: string): void => {
    // One bad field tends to repeat on every annotation: keep the list readable.
    if (problems.length < 50) problems.push(s);
  };
  if (!isObject(ds)) return ['the dataset is not a json object'];
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(ds[key])) add(`"${key}" must be an array`);
  }
  if (problems.length > 0) return problems;
  if (!isObject(ds.info)) add('"info" should be an object');

  const images = new Map<number, { width: number; height: number }>();
  for (const [i, img] of (ds.images as unknown[]).entries()) {
    if (!isObject(img) || !Number.isInteger(img.id)) {
      add(`images[${i}] has no integer id`);
      continue;
    }
    const id = img.id as number;
    if (images.has(id)) add(`image id ${id} is not unique`);
    if (typeof img.file_name !== 'string' || img.file_name === '') add(`image ${id} has no file_name`);
    if (!isPositiveInt(img.width) || !isPositiveInt(img.height)) add(`image ${id} has no positive integer width/height`);
    images.set(id, { width: img.width as number, height: img.height as number });
  }

  const categories = new Set<number>();
  for (const [i, cat] of (ds.categories as unknown[]).entries()) {
    if (!isObject(cat) || !Number.isInteger(cat.id)) {
      add(`categories[${i}] has no integer id`);
      continue;
    }
    if (categories.has(cat.id as number)) add(`category id ${cat.id} is not unique`);
    if (typeof cat.name !== 'string' || cat.name === '') add(`category ${cat.id} has no name`);
    if (typeof cat.supercategory !== 'string') add(`category ${cat.id} has no supercategory`);
    categories.add(cat.id as number);
  }

  const annIds = new Set<number>();
  for (const [i, ann] of (ds.annotations as unknown[]).entries()) {
    if (!isObject(ann) || !Number.isInteger(ann.id)) {
      add(`annotations[${i}] has no integer id`);
      continue;
    }
    const id = ann.id as number;
    const where = `annotation ${id}`;
    if (annIds.has(id)) add(`${where}: id is not unique`);
    annIds.add(id);
    const img = images.get(ann.image_id as number);
    if (!img) add(`${where}: image_id ${ann.image_id} is not an image`);
    if (!categories.has(ann.category_id as number)) add(`${where}: category_id ${ann.category_id} is not a category`);
    if (ann.iscrowd !== 0 && ann.iscrowd !== 1) add(`${where}: iscrowd must be 0 or 1`);
    if (typeof ann.area !== 'number' || !(ann.area > 0)) add(`${where}: area must be > 0`);
    const bbox = ann.bbox;
    const boxOk = Array.isArray(bbox) && bbox.length === 4 && bbox.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!boxOk) add(`${where}: bbox must be 4 numbers`);
    else if (bbox[2] <= 0 || bbox[3] <= 0) add(`${where}: bbox has no extent`);
    else if (img && (bbox[0] < 0 || bbox[1] < 0 || bbox[0] + bbox[2] > img.width || bbox[1] + bbox[3] > img.height)) {
      add(`${where}: bbox ${JSON.stringify(bbox)} leaves the ${img.width}x${img.height} image`);
    }
    if (img) checkSegmentation(ann, img, where, add);
  }
  return problems;
}

function checkSegmentation(
  ann: Record<string, unknown>,
  img: { width: number; height: number },
  where: string,
  add: (s: string) => void,
): void {
  const seg = ann.segmentation;
  if (Array.isArray(seg)) {
    if (seg.length === 0) add(`${where}: segmentation has no polygon`);
    for (const [k, poly] of seg.entries()) {
      if (!Array.isArray(poly) || poly.length < 6 || poly.length % 2 !== 0) {
        add(`${where}: polygon ${k} needs an even count of at least 6 numbers (3 points)`);
        continue;
      }
      for (let j = 0; j < poly.length; j += 2) {
        const x = poly[j];
        const y = poly[j + 1];
        if (typeof x !== 'number' || typeof y !== 'number' || x < 0 || y < 0 || x > img.width || y > img.height) {
          add(`${where}: polygon ${k} point (${x}, ${y}) is outside the ${img.width}x${img.height} image`);
          break;
        }
      }
    }
    return;
  }
  if (!isObject(seg) || !Array.isArray(seg.size)) {
    add(`${where}: segmentation must be a list of polygons or an RLE {size, counts}`);
    return;
  }
  if (seg.size[0] !== img.height || seg.size[1] !== img.width) {
    add(`${where}: RLE size ${JSON.stringify(seg.size)} is not the image's [height, width] [${img.height}, ${img.width}]`);
    return;
  }
  let rle: Rle;
  try {
    rle =
      typeof seg.counts === 'string'
        ? decompressRle({ size: [img.height, img.width], counts: seg.counts }, where)
        : { size: [img.height, img.width], counts: seg.counts as number[] };
  } catch (err) {
    add((err as Error).message);
    return;
  }
  const sum = Array.isArray(rle.counts) ? rle.counts.reduce((s, c) => s + c, 0) : NaN;
  if (sum !== img.width * img.height) {
    add(`${where}: RLE counts sum to ${sum}, not ${img.width * img.height}`);
    return;
  }
  if (ann.area !== rleArea(rle)) add(`${where}: area ${ann.area} differs from the mask's ${rleArea(rle)} pixels`);
  const box = rleBboxCoco(rle);
  if (JSON.stringify(box) !== JSON.stringify(ann.bbox)) {
    add(`${where}: bbox ${JSON.stringify(ann.bbox)} differs from the mask's ${JSON.stringify(box)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isPositiveInt(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) > 0;
}
