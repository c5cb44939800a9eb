// Reads an Ultralytics segmentation dataset: data.yaml (names, and train/val/test image folders),
// labels/<split>/<path>.txt with "class x1 y1 x2 y2 ..." lines normalised to [0, 1]. The image of
// a label file is the one at the same path under the split's image folder, which is the photo's
// path in the photo folder when Samantic wrote the dataset; otherwise the project image with that
// path under any extension.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SamanticError } from '../errors';
import { SPLIT_NAMES, type SplitName } from '../export/types';
import type { ImportAnnotation, ImportDocument, ImportImage } from './types';

function walk(dir: string, ext: string | null): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, ext));
    else if ((e.isFile() || e.isSymbolicLink()) && (ext === null || e.name.endsWith(ext))) out.push(p);
  }
  return out;
}

function stem(rel: string): string {
  const dot = rel.lastIndexOf('.');
  return dot > rel.lastIndexOf('/') ? rel.slice(0, dot) : rel;
}

function readNames(yamlFile: string): string[] {
  let doc: { names?: unknown };
  try {
    doc = parse(readFileSync(yamlFile, 'utf8')) as { names?: unknown };
  } catch (err) {
    throw new SamanticError('invalid-argument', `${yamlFile} is not valid YAML (${(err as Error).message}); fix the file.`);
  }
  const names = doc?.names;
  if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
  if (names && typeof names === 'object') {
    const entries = Object.entries(names as Record<string, unknown>);
    const out: string[] = [];
    for (const [k, v] of entries) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 0 || typeof v !== 'string') {
        throw new SamanticError(
          'invalid-argument',
          `${yamlFile}: names must map class indices to names, found ${k}: ${JSON.stringify(v)}.`,
        );
      }
      out[i] = v;
    }
    if (out.length === entries.length) return out;
  }
  throw new SamanticError(
    'invalid-argument',
    `${yamlFile} has no usable 'names' (a list, or indices 0..n-1 mapped to class names); add them.`,
  );
}

export function readYolo(dir: string): ImportDocument {
  const yamlFile = path.join(dir, 'data.yaml');
  if (!existsSync(yamlFile))
    throw new SamanticError('not-found', `${dir} has no data.yaml; point --yolo-seg at the dataset folder that holds it.`);
  const names = readNames(yamlFile);
  const images: ImportImage[] = [];
  const seen = new Set<string>();
  for (const split of SPLIT_NAMES) {
    const labelDir = path.join(dir, 'labels', split);
    if (seen.has(labelDir) || !existsSync(labelDir) || !statSync(labelDir).isDirectory()) continue;
    seen.add(labelDir);
    const imageDir = path.join(dir, 'images', split);
    const imageByStem = new Map(
      walk(imageDir, null).map((f) => {
        const rel = path.relative(imageDir, f).split(path.sep).join('/');
        return [stem(rel), rel];
      }),
    );
    for (const file of walk(labelDir, '.txt')) {
      const relStem = stem(path.relative(labelDir, file).split(path.sep).join('/'));
      const found = imageByStem.get(relStem);
      const annotations: ImportAnnotation[] = [];
      readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .forEach((line, k) => {
          if (line.trim() === '') return;
          const problems: string[] = [];
          const nums = line.trim().split(/\s+/).map(Number);
          const [cls, ...coords] = nums;
          const className = Number.isInteger(cls) && cls >= 0 && cls < names.length ? names[cls] : null;
          if (className === null)
            problems.push(`class index ${line.trim().split(/\s+/)[0]} is not in data.yaml's names (0..${names.length - 1})`);
          if (nums.some((v) => !Number.isFinite(v))) problems.push('something that is not a number');
          else if (coords.length < 6 || coords.length % 2 !== 0)
            problems.push(`${Math.floor(coords.length / 2)} points; a polygon needs at least 3`);
          else if (coords.some((v) => v < 0 || v > 1)) problems.push('coordinates outside [0, 1], i.e. outside the image');
          annotations.push({
            ref: `line ${k + 1}`,
            file,
            className,
            shape: problems.length ? null : { kind: 'polygons', polygons: [coords], normalized: true },
            problems,
          });
        });
      images.push({
        relPath: found ?? relStem,
        name: found ?? relStem,
        file,
        split: split as SplitName,
        matchStem: found === undefined,
        annotations,
      });
    }
  }
  return { format: 'yolo-seg', source: dir, categories: names, images };
}
