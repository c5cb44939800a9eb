// Store records -> the plain JSON DTOs of the API contract.
import type { ClassInfo, ImageInfo, ProjectSummary, SegmentInfo } from '../api/contract';
import { AUTOMATIC_GESTURES } from '../actions/describe';
import { rleToString } from '../coco/rle';
import type { ClassSummary, ImageSummary, ProjectStore } from '../store/project-store';
import type { StoredSegment } from '../store/segments';

export function imageInfo(img: ImageSummary): ImageInfo {
  return {
    id: img.id,
    relPath: img.relPath,
    width: img.width ?? 0,
    height: img.height ?? 0,
    status: img.status,
    error: img.error,
    segmentCount: img.segmentCount,
    classIds: img.classIds,
    unreviewed: img.unreviewedCount,
  };
}

export function classInfo(c: ClassSummary): ClassInfo {
  return {
    id: c.id,
    name: c.name,
    color: c.color,
    order: c.order,
    status: c.status,
    segmentCount: c.segmentCount,
    imageCount: c.imageCount,
    unreviewed: c.unreviewedCount,
  };
}

export function segmentInfo(s: StoredSegment): SegmentInfo {
  return {
    id: s.id,
    imageId: s.imageId,
    classId: s.classId,
    bbox: [s.bbox[0], s.bbox[1], s.bbox[2], s.bbox[3]],
    area: s.area,
    predictedIou: s.predictedIou,
    stabilityScore: s.stabilityScore,
    decided: s.decided,
    background: s.removed,
    rle: { size: [s.rle.size[0], s.rle.size[1]], counts: rleToString(s.rle.counts) },
  };
}

export function projectSummary(
  store: ProjectStore,
  folder: string,
  modelId: string,
  provider: string | null,
  switchedFrom: string | null = null,
): ProjectSummary {
  const c = store.counts();
  const heads = store.history.heads();
  return {
    folder,
    projectFile: store.file,
    modelId,
    provider,
    switchedFrom,
    images: c.images,
    segments: c.segments,
    classes: c.classes,
    canUndo: heads.undo !== null,
    canRedo: heads.redo !== null,
    undoTitle: heads.undo?.title ?? null,
    redoTitle: heads.redo?.title ?? null,
    undoAutomatic: heads.undo !== null && AUTOMATIC_GESTURES.has(heads.undo.label),
  };
}
