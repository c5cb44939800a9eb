// What the simulated annotator knows: the ground-truth category of every segment (the category of
// the ground-truth instance it overlaps at mask IoU >= 0.5, or null for a segment that matches no
// instance), and whether a segment's current label is right.
import { rleOverlapCounts } from '../../core/mask';
import { decompressRle } from '../../core/coco/rle';
import type { SegmentInfo } from '../../core/api/contract';
import type { Rle } from '../../core/types';

/** Mask IoU at which a segment counts as finding an instance (COCO AP50's threshold). */
export const MATCH_IOU = 0.5;

export interface TruthInstance {
  category: string;
  rle: Rle;
  bbox: [number, number, number, number];
}

function boxesMeet(a: readonly number[], b: readonly number[]): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/** The ground-truth category of a segment, or null when it matches no instance. */
export function truthOf(segment: SegmentInfo, instances: readonly TruthInstance[], minIou = MATCH_IOU): string | null {
  const rle = decompressRle(segment.rle);
  let best: string | null = null;
  let bestIou = minIou;
  for (const inst of instances) {
    if (!boxesMeet(segment.bbox, inst.bbox)) continue;
    const { intersection, union } = rleOverlapCounts(rle, inst.rle);
    const iou = union > 0 ? intersection / union : 0;
    if (iou >= bestIou) {
      bestIou = iou;
      best = inst.category;
    }
  }
  return best;
}

/** A segment's label as the annotator tracks it. */
export interface Label {
  classId: number | null;
  removed: boolean;
}

/**
 * Right when a segment that matches an instance sits in a class named after its category, and a
 * segment that matches none is background or unassigned.
 */
export function isRight(truth: string | null, label: Label, className: (id: number) => string | undefined): boolean {
  if (truth === null) return label.removed || label.classId === null;
  return !label.removed && label.classId !== null && className(label.classId) === truth;
}
