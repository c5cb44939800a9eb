// Checks an annotation file against the project and turns every annotation into a mask in the
// image's pixels. Nothing is written here: the plan lists what would be added, the images the file
// names that the folder lacks (skipped) and every malformed annotation with its file and id (the
// caller refuses the whole import unless asked to skip them).
import { rasterizePolygons } from '../coco/geometry';
import { maskToRleInFrame, rleArea } from '../mask';
import type { Rle } from '../types';
import type { ImportDocument, ImportImage, ImportProblem } from './types';

/** How far (px) a bbox or a polygon vertex may stick out of the image before it is an error. */
export const OUTSIDE_TOLERANCE_PX = 1;

export interface ProjectImageRef {
  id: number;
  relPath: string;
  width: number;
  height: number;
}

export interface PlannedInstance {
  imageId: number;
  relPath: string;
  className: string;
  rle: Rle;
  area: number;
  ref: string;
  file: string;
}

export interface ImportPlan {
  instances: PlannedInstance[];
  problems: ImportProblem[];
  /** Images the file names that are not in the project: skipped. */
  missingImages: { name: string; file: string }[];
  /** The file's class names in order; those without any instance are left out of `used`. */
  categories: string[];
  used: string[];
  /** Images (by id) the file lists (with or without instances), with the split it puts them in, if any. */
  images: Map<number, string | undefined>;
}

function stemOf(rel: string): string {
  const dot = rel.lastIndexOf('.');
  return dot > rel.lastIndexOf('/') ? rel.slice(0, dot) : rel;
}

function findImage(img: ImportImage, byPath: Map<string, ProjectImageRef>, byStem: Map<string, ProjectImageRef[]>): ProjectImageRef | null {
  if (img.relPath === null) return null;
  const exact = byPath.get(img.relPath);
  if (exact) return exact;
  if (!img.matchStem) return null;
  const candidates = byStem.get(stemOf(img.relPath)) ?? [];
  return candidates.length === 1 ? candidates[0] : null;
}

/** Rasterises polygons (pixel corners) into a W x H RLE, working only in their bounding window. */
export function polygonsToRle(polys: readonly number[][], W: number, H: number): Rle {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const p of polys) {
    for (let i = 0; i + 1 < p.length; i += 2) {
      minX = Math.min(minX, p[i]);
      maxX = Math.max(maxX, p[i]);
      minY = Math.min(minY, p[i + 1]);
      maxY = Math.max(maxY, p[i + 1]);
    }
  }
  const x0 = Math.max(0, Math.floor(minX));
  const y0 = Math.max(0, Math.floor(minY));
  const w = Math.max(0, Math.min(W, Math.ceil(maxX)) - x0);
  const h = Math.max(0, Math.min(H, Math.ceil(maxY)) - y0);
  // Whole-pixel shifts leave pixel-centre sampling unchanged.
  const shifted = polys.map((p) => p.map((v, i) => v - (i % 2 === 0 ? x0 : y0)));
  return maskToRleInFrame({ width: w, height: h, data: rasterizePolygons(shifted, w, h) }, x0, y0, W, H);
}

function checkInside(poly: number[], w: number, h: number): boolean {
  const t = OUTSIDE_TOLERANCE_PX;
  for (let i = 0; i + 1 < poly.length; i += 2) {
    if (poly[i] < -t || poly[i] > w + t || poly[i + 1] < -t || poly[i + 1] > h + t) return false;
  }
  return true;
}

export function planImport(doc: ImportDocument, project: readonly ProjectImageRef[]): ImportPlan {
  const byPath = new Map(project.map((p) => [p.relPath, p]));
  const byStem = new Map<string, ProjectImageRef[]>();
  for (const p of project) (byStem.get(stemOf(p.relPath)) ?? byStem.set(stemOf(p.relPath), []).get(stemOf(p.relPath))!).push(p);
  const plan: ImportPlan = { instances: [], problems: [], missingImages: [], categories: doc.categories, used: [], images: new Map() };
  for (const img of doc.images) {
    const problem = (ref: string, message: string) => plan.problems.push({ file: img.file, image: img.name, ref, message });
    if (img.orphan) {
      for (const a of img.annotations) problem(a.ref, a.problems.join('; '));
      continue;
    }
    const target = findImage(img, byPath, byStem);
    if (!target) {
      plan.missingImages.push({ name: img.name, file: img.file });
      continue;
    }
    const { width: W, height: H } = target;
    if ((img.width !== undefined && img.width !== W) || (img.height !== undefined && img.height !== H)) {
      problem(
        'image',
        `the file says ${img.name} is ${img.width}x${img.height} but the photo is ${W}x${H}; its annotations would be misplaced`,
      );
      continue;
    }
    plan.images.set(target.id, img.split);
    for (const a of img.annotations) {
      const bad = [...a.problems];
      let rle: Rle | null = null;
      if (bad.length === 0 && a.shape) {
        if (a.shape.kind === 'rle') {
          const [h, w] = a.shape.rle.size;
          if (h !== H || w !== W) bad.push(`its RLE is ${w}x${h} (width x height) but the image is ${W}x${H}`);
          else rle = a.shape.rle;
        } else {
          const polys = a.shape.normalized ? a.shape.polygons.map((p) => p.map((v, i) => v * (i % 2 === 0 ? W : H))) : a.shape.polygons;
          if (!polys.every((p) => checkInside(p, W, H))) bad.push(`a polygon reaches outside the ${W}x${H} image`);
          else rle = polygonsToRle(polys, W, H);
        }
      }
      if (a.bbox !== undefined) {
        const [x, y, w, h] = a.bbox;
        const t = OUTSIDE_TOLERANCE_PX;
        if (a.bbox.length !== 4 || ![x, y, w, h].every((v) => typeof v === 'number' && Number.isFinite(v)) || w < 0 || h < 0) {
          bad.push(`bbox ${JSON.stringify(a.bbox)} is not [x, y, width, height]`);
        } else if (x < -t || y < -t || x + w > W + t || y + h > H + t) {
          bad.push(`bbox ${JSON.stringify(a.bbox)} lies outside the ${W}x${H} image`);
        }
      }
      const area = rle ? rleArea(rle) : 0;
      if (bad.length === 0 && rle && area === 0) bad.push('its shape covers no pixel');
      if (bad.length > 0 || !rle || a.className === null) {
        problem(a.ref, bad.join('; ') || 'it has no shape');
        continue;
      }
      plan.instances.push({ imageId: target.id, relPath: target.relPath, className: a.className, rle, area, ref: a.ref, file: a.file });
    }
  }
  const used = new Set(plan.instances.map((i) => i.className));
  plan.used = [...doc.categories.filter((c) => used.has(c)), ...[...used].filter((c) => !doc.categories.includes(c))];
  return plan;
}

/** The problems as one message: each with file, image and annotation; at most `limit` listed. */
export function describeProblems(problems: readonly ImportProblem[], limit = 10): string {
  const lines = problems.slice(0, limit).map((p) => `  ${p.file}: ${p.image}, ${p.ref}: ${p.message}`);
  if (problems.length > limit) lines.push(`  ... and ${problems.length - limit} more`);
  return lines.join('\n');
}
