// One instance, one segment. SAM's generator answers every point of an object, and its box NMS
// (0.7 on boxes) keeps a part of an object next to the whole when their boxes differ enough: half a
// pepperoni beside the whole slice, one leaf beside the two touching leaves it belongs to. Once
// clustering has put both into the same class they are the same instance counted twice, which a
// detection dataset must not contain (each would be a false positive against the other).
//
// Within one image and one class, a segment lying mostly inside another of the same class (their
// intersection covers at least `minOverlap` of the SMALLER one) is a part or a duplicate: the one
// with the lower predicted IoU loses its class (it becomes unassigned, not deleted: the user can
// still assign it). Visible masks of two separate instances hardly overlap at all (an occluded
// slice's mask stops where the occluder starts), so this leaves real neighbours alone.
// Segments the user drew ('user' source) always win.

import { rleOverlapCounts } from '../mask/rle';
import type { Rle } from '../types';

/**
 * Share of the smaller mask that must lie inside the larger one for the pair to count as one
 * instance. 0.8: a part of an object is inside it entirely (overlap 1 up to edge pixels), while
 * instances that merely touch share a few boundary pixels.
 */
export const DEFAULT_PART_OVERLAP = 0.8;

export interface PartCandidate {
  imageId: number;
  /** Class label (from clustering), -1 for none: those are never compared. */
  label: number;
  /** Higher wins (the predicted IoU of SAM's head). */
  score: number;
  /** User-drawn segments are never suppressed. */
  user: boolean;
  /** pycocotools [x, y, w, h]. */
  bbox: readonly [number, number, number, number];
  area: number;
  rle: Rle;
}

export interface PartOptions {
  /** See DEFAULT_PART_OVERLAP; 1 or more turns the step off (nothing is ever more than fully inside). */
  minOverlap?: number;
  /**
   * A segment at least this share of the other's area is kept beside it (the folder's user counts
   * such near-duplicates as the instance: learnPartKeepRatio in classify/part-rule.ts). Default:
   * above 1, nothing is kept.
   */
  keepAreaRatio?: number;
}

function boxesMeet(a: PartCandidate['bbox'], b: PartCandidate['bbox']): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/**
 * Indices (into `segments`) of the segments to unassign. Greedy like NMS: per image and class,
 * best first (user-drawn, then predicted IoU, then larger area, then order), a segment is kept
 * unless it mostly overlaps one kept before it.
 */
export function findSameClassParts(segments: readonly PartCandidate[], options: PartOptions = {}): number[] {
  const minOverlap = options.minOverlap ?? DEFAULT_PART_OVERLAP;
  const keepAreaRatio = options.keepAreaRatio ?? Infinity;
  if (!(minOverlap > 0)) throw new RangeError(`minOverlap must be > 0, got ${minOverlap}`);
  if (minOverlap > 1) return [];
  const groups = new Map<string, number[]>();
  segments.forEach((s, i) => {
    if (s.label < 0) return;
    const key = `${s.imageId}:${s.label}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  });
  const suppressed: number[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.sort((i, j) => {
      const a = segments[i];
      const b = segments[j];
      return Number(b.user) - Number(a.user) || b.score - a.score || b.area - a.area || i - j;
    });
    const kept: number[] = [];
    for (const i of members) {
      const s = segments[i];
      const duplicate =
        !s.user &&
        kept.some((k) => {
          const t = segments[k];
          if (!boxesMeet(s.bbox, t.bbox)) return false;
          const smaller = Math.min(s.area, t.area);
          if (smaller >= keepAreaRatio * Math.max(s.area, t.area)) return false;
          return smaller > 0 && rleOverlapCounts(s.rle, t.rle).intersection >= minOverlap * smaller;
        });
      if (duplicate) suppressed.push(i);
      else kept.push(i);
    }
  }
  return suppressed.sort((a, b) => a - b);
}
