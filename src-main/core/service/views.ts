// Store records -> the plain JSON DTOs of the API contract.
import type { ClassInfo, ImageInfo, ProjectSummary, SegmentInfo } from '../api/contract';
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

/** Removed ("background") segments are left out: the UI shows what will be exported or assigned. */
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
  return {
    folder,
    projectFile: store.file,
    modelId,
    provider,
    switchedFrom,
    images: c.images,
    segments: c.segments,
    classes: c.classes,
    canUndo: store.history.canUndo(),
    canRedo: store.history.canRedo(),
  };
}
