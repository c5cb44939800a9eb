// Semantic masks: one 8-bit palette PNG per image, named after it (extension .png), holding the class
// index of each pixel: 0 = background, class k of the export's class list = k + 1. classes.json
// lists {index, name, color} for every index. With a split the PNGs sit in <split>/ folders.
//
// Overlap rule: where instances overlap, the SMALLER instance is on top (instances are painted
// largest first; equal areas by segment id, the later one on top), so a small object on a large
// one (a cup on a table) keeps its pixels.
//
// The PNG is indexed (palette-png.ts): each pixel's value is the class index, and the palette holds
// the class colours, so a viewer shows the classes in colour while PIL ('P' mode), mmsegmentation
// and torchvision's PIL path read the indices. The colours are in classes.json too.

import { SamanticError } from '../errors';
import { rleToMaskWindow, rleBoxInclusive } from '../mask';
import { checkUniqueNames, withExtension, writeDirAtomic, writeInto } from './atomic-dir';
import { encodePalettePng } from './palette-png';
import type { DatasetInput, DatasetInstance } from './types';

/** Index 0 is background; at most 255 classes fit in 8 bits. */
export const MAX_MASK_CLASSES = 255;

/** Instances in painting order: larger first, so smaller ones end up on top. */
export function paintOrder(instances: readonly DatasetInstance[]): DatasetInstance[] {
  return [...instances].sort((a, b) => b.area - a.area || a.segmentId - b.segmentId);
}

/** The class-index image of one photo, row-major, width x height. */
export function classIndexImage(
  width: number,
  height: number,
  instances: readonly DatasetInstance[],
  indexOf: Map<number, number>,
): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const inst of paintOrder(instances)) {
    const box = rleBoxInclusive(inst.rle);
    if (!box) continue;
    const [x0, y0, x1, y1] = box;
    const w = x1 - x0 + 1;
    const win = rleToMaskWindow(inst.rle, x0, y0, w, y1 - y0 + 1).data;
    const value = indexOf.get(inst.classId)!;
    for (let y = y0; y <= y1; y++) {
      const src = (y - y0) * w;
      const dst = y * width + x0;
      for (let x = 0; x < w; x++) if (win[src + x]) out[dst + x] = value;
    }
  }
  return out;
}

export async function writeMasks(data: DatasetInput, out: string): Promise<string> {
  if (data.classes.length > MAX_MASK_CLASSES) {
    throw new SamanticError(
      'invalid-argument',
      `Mask export: ${data.classes.length} classes do not fit in an 8-bit mask (at most ${MAX_MASK_CLASSES}); export fewer classes with --classes or merge some.`,
    );
  }
  const indexOf = new Map(data.classes.map((c, i) => [c.id, i + 1]));
  const nameOf = (img: DatasetInput['images'][number]) => (img.split ? `${img.split}/` : '') + withExtension(img.relPath, '.png');
  checkUniqueNames(
    data.images.map((img) => ({ image: img.relPath, file: nameOf(img) })),
    'Mask',
  );
  const byImage = new Map<number, DatasetInstance[]>();
  for (const inst of data.instances) (byImage.get(inst.imageId) ?? byImage.set(inst.imageId, []).get(inst.imageId)!).push(inst);
  const palette = ['#000000', ...data.classes.map((c) => c.color)];
  return writeDirAtomic(out, 'masks', async (dir) => {
    for (const img of data.images) {
      const pixels = classIndexImage(img.width, img.height, byImage.get(img.id) ?? [], indexOf);
      await writeInto(dir, nameOf(img), encodePalettePng(img.width, img.height, pixels, palette));
    }
    const classes = [
      { index: 0, name: 'background', color: '#000000' },
      ...data.classes.map((c, i) => ({ index: i + 1, name: c.name, color: c.color })),
    ];
    await writeInto(dir, 'classes.json', JSON.stringify(classes, null, 2) + '\n');
  });
}
