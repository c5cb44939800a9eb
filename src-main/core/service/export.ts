// COCO export of a project: gathers images, classes and assigned, non-removed segments from the
// store, builds the dataset with deterministic ids and writes it atomically.
import { resolve } from 'node:path';
import type { ExportArgs, ExportResult } from '../api/contract';
import { buildCocoDetailed, type BuildCocoInput } from '../coco/export';
import { validateCocoDataset } from '../coco/validate';
import { writeJsonAtomic } from '../coco/writeJson';
import { SamanticError } from '../errors';
import type { ProjectStore } from '../store/project-store';

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
    throw new SamanticError('internal', `Export refused: the COCO data is invalid (${problems.slice(0, 3).join('; ')}). Please report this.`);
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
