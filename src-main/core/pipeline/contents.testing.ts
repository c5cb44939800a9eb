// What the folder processor wrote into a project, without ids and times: two runs that should
// agree (sequential, encode-ahead, resumed after a crash) compare equal on it. Tests only.
import type { ProjectStore } from '../store/project-store';

export function projectContents(store: ProjectStore) {
  const images = store
    .listImages()
    .map((i) => ({ relPath: i.relPath, status: i.status, error: i.error, width: i.width, height: i.height }));
  const segments = store.listSegments().map((s) => ({
    image: store.getImage(s.imageId)?.relPath,
    rle: s.rle,
    bbox: s.bbox,
    area: s.area,
    predictedIou: s.predictedIou,
    stabilityScore: s.stabilityScore,
    point: s.point,
    cropBox: s.cropBox,
  }));
  const v = store.getSegmentVectors();
  return { images, segments, vectors: Array.from(v.vectors), cache: store.embeddingCacheStats().entries };
}
