// Ultralytics YOLO segmentation layout:
//   images/<split>/<relPath>      hard link to the photo (or a copy; the photo is never moved)
//   labels/<split>/<relPath>.txt  one line per instance: class index, then x y pairs normalised to [0, 1]
//   data.yaml                     path, train/val[/test] image folders and names {index: name}
// Ultralytics finds a label by replacing /images/ with /labels/ and the extension with .txt.
// An instance with holes or several parts is one line whose ring joins them (see rings.ts).
// Without a split every image goes to train, and data.yaml names train as val too (Ultralytics
// needs a val set).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { SamanticError } from '../errors';
import { checkUniqueNames, withExtension, writeDirAtomic, writeInto } from './atomic-dir';
import { instanceRing } from './rings';
import type { DatasetInput, SplitName } from './types';

export type ImageMode = 'link' | 'copy';

/** Decimals of normalised coordinates: 1e-6 of a 10,000 px side is 0.01 px. */
export const YOLO_DECIMALS = 6;

export function yoloLine(classIndex: number, ring: readonly number[], width: number, height: number): string {
  const coords = ring.map((v, i) => {
    const n = Math.min(1, Math.max(0, v / (i % 2 === 0 ? width : height)));
    return Number(n.toFixed(YOLO_DECIMALS)).toString();
  });
  return `${classIndex} ${coords.join(' ')}`;
}

async function placeImage(src: string, dst: string, mode: ImageMode): Promise<void> {
  await fs.mkdir(path.dirname(dst), { recursive: true });
  if (mode === 'link') {
    try {
      await fs.link(src, dst);
      return;
    } catch (err) {
      // Another drive, or a file system without hard links: a copy is the portable answer.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
    }
  }
  await fs.copyFile(src, dst);
}

export async function writeYolo(data: DatasetInput, out: string, options: { images?: ImageMode } = {}): Promise<string> {
  const mode = options.images ?? 'link';
  const index = new Map(data.classes.map((c, i) => [c.id, i]));
  const splitOf = (s: SplitName | null): SplitName => s ?? 'train';
  checkUniqueNames(
    data.images.map((img) => ({ image: img.relPath, file: `${splitOf(img.split)}/${withExtension(img.relPath, '.txt')}` })),
    'YOLO',
  );
  const byImage = new Map<number, DatasetInput['instances']>();
  for (const inst of data.instances) (byImage.get(inst.imageId) ?? byImage.set(inst.imageId, []).get(inst.imageId)!).push(inst);
  const target = path.resolve(out);
  return writeDirAtomic(target, 'yolo-seg', async (dir) => {
    for (const img of data.images) {
      const split = splitOf(img.split);
      const src = path.join(data.folder, ...img.relPath.split('/'));
      try {
        await placeImage(src, path.join(dir, 'images', split, ...img.relPath.split('/')), mode);
      } catch (err) {
        throw new SamanticError(
          'image-unreadable',
          `YOLO export: cannot ${mode} ${src} (${(err as Error).message}); check the photo is still in the folder.`,
        );
      }
      const lines = (byImage.get(img.id) ?? []).map((inst) =>
        yoloLine(index.get(inst.classId)!, instanceRing(inst.rle), img.width, img.height),
      );
      await writeInto(dir, `labels/${split}/${withExtension(img.relPath, '.txt')}`, lines.length ? lines.join('\n') + '\n' : '');
    }
    const splits = data.splitRatios
      ? (['train', 'val', 'test'] as const).filter((s, i) => s === 'train' || data.splitRatios![i] > 0)
      : ['train'];
    const yaml: Record<string, unknown> = { path: target };
    for (const s of splits) await fs.mkdir(path.join(dir, 'images', s), { recursive: true });
    yaml.train = 'images/train';
    yaml.val = splits.includes('val') ? 'images/val' : 'images/train';
    if (splits.includes('test')) yaml.test = 'images/test';
    yaml.names = Object.fromEntries(data.classes.map((c, i) => [i, c.name]));
    await writeInto(dir, 'data.yaml', stringify(yaml));
  });
}
