// Pure COCO dataset builder: project data in, the json object pycocotools' COCO() loads out.
//
// Segmentation format: with 'polygon' (default) each annotation gets one polygon per 8-connected
// part (see polygon.ts); a mask whose holes matter gets compressed RLE instead, still with
// iscrowd 0. The official format ties RLE to iscrowd 1, but pycocotools (annToRLE, COCOeval) reads
// either form for any annotation, and iscrowd 1 would make COCOeval treat the instance as a crowd
// region that absorbs detections, which these are not. With 'rle' every annotation is compressed
// RLE (pycocotools' string, so decoding is exact). area is always the mask's pixel count and bbox
// the tight box in pycocotools' convention [x, y, w, h] with w, h counting pixels.

import type { ExportFormat } from '../vocab';
import { SamanticError } from '../errors';
import type { BoxXYWH, Rle } from '../types';
import { checkRle, rleArea, rleBboxCoco } from '../mask';
import { type PolygonOptions, rleToPolygons } from './polygon';
import { type AnyRle, type CompressedRle, compressRle, toUncompressed } from './rle';

export interface CocoInfo {
  description: string;
  version: string;
  year: number;
  contributor: string;
  url: string;
  date_created: string;
}

export interface CocoLicense {
  id: number;
  name: string;
  url: string;
}

export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  license?: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** Polygons (flat [x0, y0, x1, y1, ...] on pixel corners) or compressed RLE. */
  segmentation: number[][] | CompressedRle;
  area: number;
  bbox: BoxXYWH;
  iscrowd: 0;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoDataset {
  info: CocoInfo;
  licenses: CocoLicense[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

export interface BuildCocoInput {
  /** fileName is relative to the photo folder with '/' separators; ids are the project's. */
  images: { id: number; fileName: string; width: number; height: number }[];
  /** In the order they should be numbered (the UI's class order). */
  categories: { id: number; name: string; supercategory?: string }[];
  /** One per exported segment; rle in the image's original pixels, size [height, width]. */
  annotations: { segmentId: number; imageId: number; categoryId: number; rle: AnyRle }[];
  info?: { description?: string; version?: string; url?: string; dateCreated?: Date | string };
  /** One license applied to every image, or none. */
  license?: { name: string; url?: string } | null;
}

export interface BuildCocoOptions {
  format?: ExportFormat;
  polygon?: PolygonOptions;
}

export interface BuildCocoStats {
  polygonAnnotations: number;
  rleAnnotations: number;
  /** Annotations exported as RLE in 'polygon' format because of their holes. */
  rleFallbacks: { annotationId: number; fileName: string; segmentId: number; reason: string }[];
  /** Segments left out because their mask is empty (COCO needs area > 0). */
  skippedEmpty: { fileName: string; segmentId: number }[];
}

export const COCO_CONTRIBUTOR = 'Samantic';
/** supercategory when a category names none: COCO requires the field. */
export const DEFAULT_SUPERCATEGORY = 'object';

/** buildCocoDetailed without the statistics. */
export function buildCoco(input: BuildCocoInput, options: BuildCocoOptions = {}): CocoDataset {
  return buildCocoDetailed(input, options).dataset;
}

/**
 * Builds the dataset with deterministic ids: images sorted by file name (code-unit order, so the
 * result does not depend on the locale), annotations by image then segment id, categories in the
 * given order; all ids are renumbered from 1.
 */
export function buildCocoDetailed(input: BuildCocoInput, options: BuildCocoOptions = {}): { dataset: CocoDataset; stats: BuildCocoStats } {
  const format = options.format ?? 'polygon';
  if (format !== 'polygon' && format !== 'rle') {
    throw new SamanticError('invalid-argument', `Unknown COCO export format "${format}"; use "polygon" or "rle".`);
  }
  const created = toDate(input.info?.dateCreated);
  const info: CocoInfo = {
    description: input.info?.description ?? 'Segmentation dataset made with Samantic',
    version: input.info?.version ?? '1.0',
    year: created.getUTCFullYear(),
    contributor: COCO_CONTRIBUTOR,
    url: input.info?.url ?? '',
    date_created: created.toISOString(),
  };
  const licenses: CocoLicense[] = input.license ? [{ id: 1, name: input.license.name, url: input.license.url ?? '' }] : [];

  const imageById = new Map<number, { id: number; fileName: string; width: number; height: number }>();
  const seenNames = new Set<string>();
  for (const img of input.images) checkImage(img, imageById, seenNames);
  const sortedImages = [...input.images].sort((a, b) => compareCodeUnits(a.fileName, b.fileName));
  const imageNewId = new Map<number, number>();
  const images: CocoImage[] = sortedImages.map((img, i) => {
    imageNewId.set(img.id, i + 1);
    const out: CocoImage = { id: i + 1, file_name: img.fileName, width: img.width, height: img.height };
    if (licenses.length > 0) out.license = 1;
    return out;
  });

  const categoryNewId = new Map<number, number>();
  const categories: CocoCategory[] = input.categories.map((c, i) => {
    if (categoryNewId.has(c.id)) {
      throw new SamanticError('invalid-argument', `COCO export: category id ${c.id} is listed twice; pass each class once.`);
    }
    if (typeof c.name !== 'string' || c.name.trim() === '') {
      throw new SamanticError('invalid-argument', `COCO export: category ${c.id} has no name; name the class before exporting.`);
    }
    categoryNewId.set(c.id, i + 1);
    return { id: i + 1, name: c.name, supercategory: c.supercategory ?? DEFAULT_SUPERCATEGORY };
  });

  const sortedAnns = [...input.annotations].sort(
    (a, b) => (imageNewId.get(a.imageId) ?? 0) - (imageNewId.get(b.imageId) ?? 0) || a.segmentId - b.segmentId,
  );
  const stats: BuildCocoStats = { polygonAnnotations: 0, rleAnnotations: 0, rleFallbacks: [], skippedEmpty: [] };
  const annotations: CocoAnnotation[] = [];
  for (const ann of sortedAnns) {
    const img = imageById.get(ann.imageId);
    if (!img) {
      throw new SamanticError(
        'invalid-argument',
        `COCO export: segment ${ann.segmentId} refers to image ${ann.imageId}, which is not in the image list; export its image too or leave the segment out.`,
      );
    }
    const categoryId = categoryNewId.get(ann.categoryId);
    if (categoryId === undefined) {
      throw new SamanticError(
        'invalid-argument',
        `COCO export: segment ${ann.segmentId} of ${img.fileName} has class ${ann.categoryId}, which is not among the exported categories; include the class or leave the segment out.`,
      );
    }
    const what = `COCO export: mask of segment ${ann.segmentId} in ${img.fileName}`;
    const rle = toUncompressed(ann.rle, what);
    checkMask(rle, img, what);
    const area = rleArea(rle);
    if (area === 0) {
      stats.skippedEmpty.push({ fileName: img.fileName, segmentId: ann.segmentId });
      continue;
    }
    const id = annotations.length + 1;
    let segmentation: CocoAnnotation['segmentation'];
    if (format === 'rle') {
      segmentation = compressRle(rle);
    } else {
      const poly = rleToPolygons(rle, options.polygon);
      if (poly.useRle) {
        segmentation = compressRle(rle);
        stats.rleFallbacks.push({ annotationId: id, fileName: img.fileName, segmentId: ann.segmentId, reason: poly.reason ?? '' });
      } else {
        segmentation = poly.polygons;
      }
    }
    if (Array.isArray(segmentation)) stats.polygonAnnotations++;
    else stats.rleAnnotations++;
    annotations.push({
      id,
      image_id: imageNewId.get(img.id)!,
      category_id: categoryId,
      segmentation,
      area,
      bbox: rleBboxCoco(rle),
      iscrowd: 0,
    });
  }
  return { dataset: { info, licenses, images, annotations, categories }, stats };
}

function checkImage(
  img: { id: number; fileName: string; width: number; height: number },
  byId: Map<number, { id: number; fileName: string; width: number; height: number }>,
  names: Set<string>,
): void {
  const name = img.fileName;
  if (typeof name !== 'string' || name === '') {
    throw new SamanticError('invalid-argument', `COCO export: image ${img.id} has no file name.`);
  }
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\') || name.split('/').includes('..')) {
    throw new SamanticError(
      'invalid-argument',
      `COCO export: image file name "${name}" must be relative to the photo folder with '/' separators (no drive, no leading '/', no '..', no '\\').`,
    );
  }
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new SamanticError(
      'invalid-argument',
      `COCO export: ${name} has size ${img.width}x${img.height}; width and height must be positive integers (re-read the image).`,
    );
  }
  if (byId.has(img.id)) throw new SamanticError('invalid-argument', `COCO export: image id ${img.id} is listed twice (${name}).`);
  if (names.has(name)) throw new SamanticError('invalid-argument', `COCO export: ${name} is listed twice; file names must be unique.`);
  byId.set(img.id, img);
  names.add(name);
}

function checkMask(rle: Rle, img: { fileName: string; width: number; height: number }, what: string): void {
  if (rle.size[0] !== img.height || rle.size[1] !== img.width) {
    throw new SamanticError(
      'invalid-argument',
      `${what} is ${rle.size[1]}x${rle.size[0]} (width x height) but the image is ${img.width}x${img.height}; ` +
        'masks must be in original image pixels (re-process the image if it changed on disk).',
    );
  }
  checkRle(rle, what);
}

function toDate(v: Date | string | undefined): Date {
  const d = v === undefined ? new Date() : new Date(v);
  if (Number.isNaN(d.getTime())) {
    throw new SamanticError('invalid-argument', `COCO export: dateCreated "${String(v)}" is not a date; pass an ISO 8601 date.`);
  }
  return d;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
