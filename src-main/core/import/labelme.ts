// Reads labelme / X-AnyLabeling JSON files (one per image, anywhere under a folder): polygon and
// rectangle shapes with their label; shapes sharing a label and a group_id are one instance
// (labelme's convention), the others one instance each. imagePath is relative to the json file.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readJsonFile, folderRelative } from './coco';
import type { ImportAnnotation, ImportDocument, ImportImage } from './types';

/** Folders never searched for labelme files (the project's own data, dependencies). */
const SKIP_DIRS = new Set(['.samantic', 'node_modules', '.git']);

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) out.push(...jsonFiles(p));
    else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(p);
  }
  return out;
}

interface RawShape {
  label?: unknown;
  points?: unknown;
  group_id?: unknown;
  shape_type?: unknown;
}

function isPoint(p: unknown): p is [number, number] {
  return Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));
}

export function readLabelme(dir: string, folder: string): ImportDocument {
  const categories: string[] = [];
  const images: ImportImage[] = [];
  for (const file of jsonFiles(dir)) {
    const raw = readJsonFile(file, 'the labelme file') as {
      shapes?: unknown;
      imagePath?: unknown;
      imageWidth?: unknown;
      imageHeight?: unknown;
    };
    // Other json files (a COCO export, classes.json) are not labelme files: they are passed over.
    if (!raw || typeof raw !== 'object' || !Array.isArray(raw.shapes) || typeof raw.imagePath !== 'string') continue;
    const name = raw.imagePath;
    const groups = new Map<string, ImportAnnotation>();
    const annotations: ImportAnnotation[] = [];
    (raw.shapes as RawShape[]).forEach((s, k) => {
      const problems: string[] = [];
      const label = typeof s?.label === 'string' && s.label.trim() !== '' ? s.label : null;
      if (label === null) problems.push('no label');
      else if (!categories.includes(label)) categories.push(label);
      const type = s?.shape_type ?? 'polygon';
      const pts = Array.isArray(s?.points) ? (s.points as unknown[]) : [];
      let ring: number[] | null = null;
      if (!pts.every(isPoint)) problems.push('points that are not [x, y] number pairs');
      else if (type === 'polygon') {
        if (pts.length < 3) problems.push(`polygon of ${pts.length} points; a polygon needs at least 3`);
        else ring = (pts as [number, number][]).flat();
      } else if (type === 'rectangle') {
        if (pts.length !== 2) problems.push(`rectangle of ${pts.length} points; a rectangle needs 2 corners`);
        else {
          const [[x0, y0], [x1, y1]] = pts as [number, number][];
          ring = [x0, y0, x1, y0, x1, y1, x0, y1];
        }
      } else problems.push(`'${String(type)}' shape; only polygons and rectangles become masks`);
      const groupKey = s?.group_id !== null && s?.group_id !== undefined && label !== null ? `${label}\u0000${String(s.group_id)}` : null;
      const existing = groupKey ? groups.get(groupKey) : undefined;
      if (existing && ring && existing.shape?.kind === 'polygons' && problems.length === 0) {
        existing.shape.polygons.push(ring);
        return;
      }
      const ann: ImportAnnotation = {
        ref: `shape ${k}${s?.group_id !== null && s?.group_id !== undefined ? ` (group_id ${String(s.group_id)})` : ''}`,
        file,
        className: label,
        shape: ring && problems.length === 0 ? { kind: 'polygons', polygons: [ring] } : null,
        problems,
      };
      if (groupKey && problems.length === 0) groups.set(groupKey, ann);
      annotations.push(ann);
    });
    images.push({
      relPath: folderRelative(folder, path.resolve(path.dirname(file), name)),
      name,
      file,
      width: typeof raw.imageWidth === 'number' ? raw.imageWidth : undefined,
      height: typeof raw.imageHeight === 'number' ? raw.imageHeight : undefined,
      annotations,
    });
  }
  return { format: 'labelme', source: dir, categories, images };
}
