// One entry for every dataset format: writeDataset(data, { format, out, ... }). The data (images
// with their split, classes, instances) is gathered by the caller (service/export.ts) and split
// with split.ts; each format module writes it. Atomicity: a single COCO file is written with the
// atomic json writer (temp file + rename); every folder export (yolo-seg, masks, labelme, COCO with
// a split) is built whole in a temporary folder and renamed into place (atomic-dir.ts).

import path from 'node:path';
import { buildCocoDetailed, type BuildCocoInput } from '../coco/export';
import type { PolygonOptions } from '../coco/polygon';
import { validateCocoDataset } from '../coco/validate';
import { writeJsonAtomic } from '../coco/write-json';
import { SamanticError } from '../errors';
import { writeDirAtomic, writeInto } from './atomic-dir';
import { writeLabelme } from './labelme';
import { writeMasks } from './masks';
import { splitCounts } from './split';
import { type DatasetExportResult, type DatasetFormat, type DatasetInput, DATASET_FORMATS, SPLIT_NAMES, type SplitName } from './types';
import { type ImageMode, writeYolo } from './yolo';

export * from './types';
export { assignSplits, parseSplitRatios } from './split';
export { MARKER_FILE } from './atomic-dir';
export type { ImageMode } from './yolo';

export interface WriteDatasetOptions {
  format: DatasetFormat;
  /** A .json file for COCO without a split, a folder otherwise. */
  out: string;
  /** COCO segmentation: polygons (holes as RLE) or RLE everywhere. */
  coco?: 'polygon' | 'rle';
  polygon?: PolygonOptions;
  /** yolo-seg: hard-link (default, falls back to a copy) or copy the photos. */
  images?: ImageMode;
  description?: string;
}

export function cocoInput(data: DatasetInput, split: SplitName | null, description?: string): BuildCocoInput {
  const images = data.images.filter((img) => split === null || img.split === split);
  const ids = new Set(images.map((i) => i.id));
  return {
    images: images.map((i) => ({ id: i.id, fileName: i.relPath, width: i.width, height: i.height })),
    categories: data.classes.map((c) => ({ id: c.id, name: c.name })),
    annotations: data.instances
      .filter((a) => ids.has(a.imageId))
      .map((a) => ({ segmentId: a.segmentId, imageId: a.imageId, categoryId: a.classId, rle: a.rle })),
    info: { description: description ?? `Samantic export of ${data.folder}` },
  };
}

function buildCocoChecked(input: BuildCocoInput, options: WriteDatasetOptions) {
  const { dataset } = buildCocoDetailed(input, { format: options.coco ?? 'polygon', polygon: options.polygon });
  // Refuse to write a file a trainer would reject: the validator mirrors pycocotools' checks.
  const problems = validateCocoDataset(dataset);
  if (problems.length) {
    throw new SamanticError(
      'internal',
      `Export refused: the COCO data is invalid (${problems.slice(0, 3).join('; ')}). Please report this.`,
    );
  }
  return dataset;
}

/** Writes the dataset in the chosen format; returns what was written. */
export async function writeDataset(data: DatasetInput, options: WriteDatasetOptions): Promise<DatasetExportResult> {
  if (!DATASET_FORMATS.includes(options.format)) {
    throw new SamanticError('invalid-argument', `Unknown export format '${options.format}'; use one of ${DATASET_FORMATS.join(', ')}.`);
  }
  const out = path.resolve(options.out);
  let written: string;
  if (options.format === 'coco') {
    if (!data.splitRatios) {
      written = out;
      await writeJsonAtomic(out, buildCocoChecked(cocoInput(data, null, options.description), options));
    } else {
      const used = SPLIT_NAMES.filter((s, i) => data.splitRatios![i] > 0);
      // Built before anything is written, so a bad instance cannot leave a partial folder behind.
      const files = used.map((s) => ({ s, dataset: buildCocoChecked(cocoInput(data, s, options.description), options) }));
      written = await writeDirAtomic(out, 'coco', async (dir) => {
        for (const f of files) await writeInto(dir, `${f.s}.json`, JSON.stringify(f.dataset));
      });
    }
  } else if (options.format === 'yolo-seg') {
    written = await writeYolo(data, out, { images: options.images });
  } else if (options.format === 'masks') {
    written = await writeMasks(data, out);
  } else {
    written = await writeLabelme(data, out);
  }
  return {
    out: written,
    format: options.format,
    images: data.images.length,
    instances: data.instances.length,
    classes: data.classes.length,
    splits: data.splitRatios ? splitCounts(data.images.map((i) => i.split)) : {},
  };
}
