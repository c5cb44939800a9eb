// What the folder processor wrote into a project, without ids and times: two runs that should
// agree (sequential, encode-ahead, resumed after a crash) compare equal on it. Tests only.
import type { ProjectStore } from '../store/project-store';

type StoredSegment = ReturnType<ProjectStore['listSegments']>[number];

/** What the mask generator decided about one segment: its mask, box, area, scores and prompt. */
export function segmentGeometry(s: StoredSegment) {
  const { rle, bbox, area, predictedIou, stabilityScore, point, cropBox } = s;
  return { rle, bbox, area, predictedIou, stabilityScore, point, cropBox };
}

export function projectContents(store: ProjectStore) {
  const images = store
    .listImages()
    .map((i) => ({ relPath: i.relPath, status: i.status, error: i.error, width: i.width, height: i.height }));
  const segments = store.listSegments().map((s) => ({
    image: store.getImage(s.imageId)?.relPath,
    ...segmentGeometry(s),
  }));
  const v = store.getSegmentVectors();
  return { images, segments, vectors: Array.from(v.vectors), cache: store.embeddingCacheStats().entries };
}
