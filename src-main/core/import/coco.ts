// Reads a COCO instances file (pycocotools' layout): images by file_name (relative to the photo
// folder), categories by id, annotations as polygons or RLE (compressed string or counts list).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SamanticError } from '../errors';
import { toUncompressed } from '../coco/rle';
import type { ImportAnnotation, ImportDocument, ImportImage, ImportShape } from './types';

interface RawCoco {
  images?: { id?: unknown; file_name?: unknown; width?: unknown; height?: unknown }[];
  annotations?: { id?: unknown; image_id?: unknown; category_id?: unknown; segmentation?: unknown; bbox?: unknown }[];
  categories?: { id?: unknown; name?: unknown }[];
}

export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SamanticError('not-found', `Cannot read ${what} ${file} (${(err as Error).message}); check the path.`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SamanticError('invalid-argument', `${file} is not valid JSON (${(err as Error).message}); fix or re-export the file.`);
  }
}

/** Folder-relative '/'-path of a name given relative to the folder, or null if it leaves it. */
export function folderRelative(folder: string, absolute: string): string | null {
  const rel = path.relative(folder, absolute);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}

function shapeOf(seg: unknown, problems: string[]): ImportShape | null {
  if (Array.isArray(seg)) {
    const polygons: number[][] = [];
    for (const [k, poly] of seg.entries()) {
      if (!Array.isArray(poly) || poly.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        problems.push(`polygon ${k} is not a list of numbers`);
      } else if (poly.length < 6 || poly.length % 2 !== 0) {
        problems.push(`polygon ${k} has ${Math.floor(poly.length / 2)} points; a polygon needs at least 3`);
      } else polygons.push(poly as number[]);
    }
    if (polygons.length === 0 && problems.length === 0) problems.push('segmentation has no polygon');
    return problems.length ? null : { kind: 'polygons', polygons };
  }
  if (seg && typeof seg === 'object' && 'counts' in seg && 'size' in seg) {
    try {
      return { kind: 'rle', rle: toUncompressed(seg as never, 'RLE') };
    } catch (err) {
      problems.push((err as Error).message);
      return null;
    }
  }
  problems.push('segmentation is neither polygons nor RLE');
  return null;
}

export function readCoco(file: string, folder: string): ImportDocument {
  const raw = readJsonFile(file, 'the COCO file') as RawCoco;
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.images) || !Array.isArray(raw.annotations) || !Array.isArray(raw.categories)) {
    throw new SamanticError(
      'invalid-argument',
      `${file} is not a COCO instances file (it needs images, annotations and categories lists).`,
    );
  }
  const categories = new Map<unknown, string>();
  for (const c of raw.categories) {
    if (typeof c?.name !== 'string' || c.name.trim() === '') {
      throw new SamanticError('invalid-argument', `${file}: category ${JSON.stringify(c?.id)} has no name; name it in the file.`);
    }
    categories.set(c.id, c.name);
  }
  const images = new Map<unknown, ImportImage>();
  for (const img of raw.images) {
    if (typeof img?.file_name !== 'string' || img.file_name === '') {
      throw new SamanticError('invalid-argument', `${file}: image id ${JSON.stringify(img?.id)} has no file_name; fix the file.`);
    }
    const name = img.file_name;
    images.set(img.id, {
      relPath: folderRelative(folder, path.resolve(folder, name)),
      name,
      file,
      width: typeof img.width === 'number' ? img.width : undefined,
      height: typeof img.height === 'number' ? img.height : undefined,
      annotations: [],
    });
  }
  const orphans: ImportAnnotation[] = [];
  for (const a of raw.annotations) {
    const problems: string[] = [];
    const className = categories.get(a?.category_id) ?? null;
    if (className === null) problems.push(`category_id ${JSON.stringify(a?.category_id)} is not among the file's categories`);
    const ann: ImportAnnotation = {
      ref: `annotation id ${JSON.stringify(a?.id)}`,
      file,
      className,
      shape: shapeOf(a?.segmentation, problems),
      bbox: Array.isArray(a?.bbox) ? (a.bbox as number[]) : undefined,
      problems,
    };
    const img = images.get(a?.image_id);
    if (img) img.annotations.push(ann);
    else {
      ann.problems.push(`image_id ${JSON.stringify(a?.image_id)} is not among the file's images`);
      orphans.push(ann);
    }
  }
  const list = [...images.values()];
  if (orphans.length) list.push({ relPath: null, name: '(no image)', file, orphan: true, annotations: orphans });
  return { format: 'coco', source: file, categories: [...categories.values()], images: list };
}
