// COCO export of a project: gathers images, classes and assigned, non-removed segments from the
// store, builds the dataset with deterministic ids and writes it atomically.
import { resolve } from 'node:path';
import type { ExportArgs, ExportResult } from '../api/contract';
import { buildCocoDetailed, type BuildCocoInput } from '../coco/export';
import { validateCocoDataset } from '../coco/validate';
import { writeJsonAtomic } from '../coco/write-json';
import { SamanticError } from '../errors';
import type { ProjectStore } from '../store/project-store';
import { assignSplits, type DatasetExportResult, type DatasetInput, writeDataset, type WriteDatasetOptions } from '../export';

export interface ProjectExport extends ExportResult {
  rleFallbacks: number;
}

export function collectCocoInput(store: ProjectStore, folder: string, classIds?: number[], reviewedOnly = false): BuildCocoInput {
  const allClasses = store.listClasses();
  const wanted = classIds ? new Set(classIds) : null;
  if (wanted) {
    const known = new Set(allClasses.map((c) => c.id));
    const unknown = [...wanted].filter((id) => !known.has(id));
    if (unknown.length) {
      throw new SamanticError('not-found', `Export: no class with id ${unknown.join(', ')}; list the classes and pick existing ids.`);
    }
  }
  const classes = allClasses.filter((c) => !wanted || wanted.has(c.id));
  const exported = new Set(classes.map((c) => c.id));
  const images = store
    .listImages({ status: 'done' })
    .filter((img) => img.width !== null && img.height !== null)
    // Reviewed: every classed segment is covered by a decision, and the user looked at something.
    .filter((img) => !reviewedOnly || (img.unreviewedCount === 0 && img.reviewedCount > 0))
    .map((img) => ({ id: img.id, fileName: img.relPath, width: img.width as number, height: img.height as number }));
  const imageIds = new Set(images.map((i) => i.id));
  const annotations = store
    .listSegments({ includeRemoved: false })
    .filter((s) => s.classId !== null && exported.has(s.classId) && imageIds.has(s.imageId))
    .map((s) => ({ segmentId: s.id, imageId: s.imageId, categoryId: s.classId as number, rle: s.rle }));
  return {
    images,
    categories: classes.map((c) => ({ id: c.id, name: c.name })),
    annotations,
    info: { description: `Samantic export of ${folder}` },
  };
}

export async function exportProject(store: ProjectStore, folder: string, args: ExportArgs): Promise<ProjectExport> {
  const format = args.format ?? 'polygon';
  const input = collectCocoInput(store, folder, args.classIds, args.reviewedOnly ?? false);
  const { dataset, stats } = buildCocoDetailed(input, { format });
  // Refuse to write a file a trainer would reject: the validator mirrors pycocotools' checks.
  const problems = validateCocoDataset(dataset);
  if (problems.length) {
    throw new SamanticError(
      'internal',
      `Export refused: the COCO data is invalid (${problems.slice(0, 3).join('; ')}). Please report this.`,
    );
  }
  const file = resolve(args.out);
  await writeJsonAtomic(file, dataset);
  return {
    file,
    images: dataset.images.length,
    annotations: dataset.annotations.length,
    categories: dataset.categories.length,
    rleFallbacks: stats.rleFallbacks.length,
  };
}

export interface CollectDatasetOptions {
  /** Only these classes (default: all). */
  classIds?: number[];
  /** Train/val/test ratios adding up to 1; omit for no split. */
  split?: [number, number, number];
  /** Seed of the split (default 0). */
  seed?: number;
  /** Only images whose every segment the user has reviewed (default: every processed image). */
  reviewedOnly?: boolean;
}

/** The project's dataset as every format writes it: never a removed (background) segment. */
export function collectDataset(store: ProjectStore, folder: string, options: CollectDatasetOptions = {}): DatasetInput {
  const coco = collectCocoInput(store, folder, options.classIds, options.reviewedOnly ?? false);
  const colors = new Map(store.listClasses().map((c) => [c.id, c.color]));
  const images = coco.images;
  const imageIds = new Set(images.map((i) => i.id));
  const instances = store
    .listSegments({ includeRemoved: false })
    .filter((s) => s.classId !== null && imageIds.has(s.imageId) && coco.categories.some((c) => c.id === s.classId))
    .map((s) => ({ segmentId: s.id, imageId: s.imageId, classId: s.classId as number, rle: s.rle, area: s.area }))
    .filter((s) => s.area > 0);
  const classesOf = new Map<number, number[]>();
  for (const inst of instances) (classesOf.get(inst.imageId) ?? classesOf.set(inst.imageId, []).get(inst.imageId)!).push(inst.classId);
  const splits = options.split
    ? assignSplits(
        images.map((i) => ({ key: i.fileName, classIds: classesOf.get(i.id) ?? [] })),
        options.split,
        options.seed ?? 0,
      )
    : null;
  return {
    folder,
    images: images.map((i, k) => ({ id: i.id, relPath: i.fileName, width: i.width, height: i.height, split: splits ? splits[k] : null })),
    classes: coco.categories.map((c) => ({ id: c.id, name: c.name, color: colors.get(c.id) ?? '#808080' })),
    instances,
    splitRatios: options.split ?? null,
  };
}

export async function exportDataset(
  store: ProjectStore,
  folder: string,
  options: CollectDatasetOptions & Omit<WriteDatasetOptions, 'description'>,
): Promise<DatasetExportResult> {
  const data = collectDataset(store, folder, options);
  return writeDataset(data, { ...options, description: `Samantic export of ${folder}` });
}
