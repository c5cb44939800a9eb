// labelme JSON, one file per image named after it (<relPath>.json, in <split>/ folders with a
// split), as labelme and X-AnyLabeling read them: polygon shapes labelled with the class name,
// imagePath relative to the json file, imageData null (the photo is read from imagePath).
// Coordinates are pixel corners, as in COCO (labelme's own labelme2coco copies points into COCO
// unchanged). labelme polygons cannot hold holes, so an instance with holes or several parts is one
// polygon whose ring joins them (see rings.ts); group_id numbers the instances of an image.

import path from 'node:path';
import { checkUniqueNames, withExtension, writeDirAtomic, writeInto } from './atomic-dir';
import { instanceRing } from './rings';
import type { DatasetImage, DatasetInput } from './types';

/** The labelme file format version written (labelme 5.x reads it). */
export const LABELME_VERSION = '5.4.1';

export interface LabelmeShape {
  label: string;
  points: [number, number][];
  group_id: number | null;
  description: string;
  shape_type: 'polygon';
  flags: Record<string, boolean>;
  mask: null;
}

export interface LabelmeFile {
  version: string;
  flags: Record<string, boolean>;
  shapes: LabelmeShape[];
  imagePath: string;
  imageData: null;
  imageHeight: number;
  imageWidth: number;
}

export function labelmeJsonName(img: DatasetImage): string {
  return (img.split ? `${img.split}/` : '') + withExtension(img.relPath, '.json');
}

export async function writeLabelme(data: DatasetInput, out: string): Promise<string> {
  const target = path.resolve(out);
  const nameOf = new Map(data.classes.map((c) => [c.id, c.name]));
  checkUniqueNames(
    data.images.map((img) => ({ image: img.relPath, file: labelmeJsonName(img) })),
    'labelme',
  );
  const byImage = new Map<number, DatasetInput['instances']>();
  for (const inst of data.instances) (byImage.get(inst.imageId) ?? byImage.set(inst.imageId, []).get(inst.imageId)!).push(inst);
  return writeDirAtomic(target, 'labelme', async (dir) => {
    for (const img of data.images) {
      const rel = labelmeJsonName(img);
      const jsonDir = path.dirname(path.join(target, ...rel.split('/')));
      const imagePath = path
        .relative(jsonDir, path.join(data.folder, ...img.relPath.split('/')))
        .split(path.sep)
        .join('/');
      const shapes = (byImage.get(img.id) ?? []).map((inst, k): LabelmeShape => {
        const ring = instanceRing(inst.rle);
        const points: [number, number][] = [];
        for (let i = 0; i + 1 < ring.length; i += 2) points.push([ring[i], ring[i + 1]]);
        return { label: nameOf.get(inst.classId)!, points, group_id: k + 1, description: '', shape_type: 'polygon', flags: {}, mask: null };
      });
      const file: LabelmeFile = {
        version: LABELME_VERSION,
        flags: {},
        shapes,
        imagePath,
        imageData: null,
        imageHeight: img.height,
        imageWidth: img.width,
      };
      await writeInto(dir, rel, JSON.stringify(file, null, 1) + '\n');
    }
  });
}
