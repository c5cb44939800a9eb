// Whether this folder's user keeps a segment that lies inside another of the same class, learned
// from their own decisions. The parts rule (cluster/parts.ts) takes such a segment for a part or a
// duplicate of the same instance and leaves it unassigned. Users differ: one counts a slightly
// smaller duplicate of a pepperoni as that pepperoni (and assigns it back), another sends half an
// olive to the background. Each decided segment lying inside another segment is evidence: kept
// beside a same-class segment, or marked as background. The area ratio (smaller / larger) that
// best separates the two is the folder's keep ratio; without any kept pair the rule stays as it
// is (every part is left unassigned).
import { rleOverlapCounts } from '../mask/rle';
import { DEFAULT_PART_OVERLAP } from '../cluster/parts';
import type { Rle } from '../types';

export interface PartEvidenceSegment {
  classId: number | null;
  removed: boolean;
  /** A user decision covers it. */
  decided: boolean;
  area: number;
  /** pycocotools [x, y, w, h]. */
  bbox: readonly [number, number, number, number];
  rle: Rle;
}

export interface PartEvidence {
  /** Area ratios of decided segments the user kept beside a same-class segment they lie inside. */
  kept: number[];
  /** Area ratios of decided background segments lying inside a segment with a class. */
  rejected: number[];
}

function boxesMeet(a: readonly number[], b: readonly number[]): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/**
 * The evidence in one image's segments: per decided segment, the smallest area ratio to a segment
 * it overlaps by at least minOverlap of the smaller of the two (the pair the parts rule acts on).
 */
export function partEvidence(segments: readonly PartEvidenceSegment[], minOverlap = DEFAULT_PART_OVERLAP): PartEvidence {
  const out: PartEvidence = { kept: [], rejected: [] };
  segments.forEach((s, i) => {
    if (!s.decided || s.area <= 0 || (!s.removed && s.classId === null)) return;
    let ratio = Infinity;
    segments.forEach((t, j) => {
      if (i === j || t.removed || t.classId === null || t.area <= 0) return;
      if (!s.removed && t.classId !== s.classId) return;
      if (!boxesMeet(s.bbox, t.bbox)) return;
      const smaller = Math.min(s.area, t.area);
      if (rleOverlapCounts(s.rle, t.rle).intersection < minOverlap * smaller) return;
      ratio = Math.min(ratio, smaller / Math.max(s.area, t.area));
    });
    if (ratio === Infinity) return;
    (s.removed ? out.rejected : out.kept).push(ratio);
  });
  return out;
}

/**
 * The keep ratio that agrees with the most decisions (kept at or above it, rejected below it),
 * the largest of equals (keeping as little as the evidence allows); undefined when leaving every
 * part unassigned agrees as well (no kept pair, or more rejections above every cut).
 */
export function learnPartKeepRatio(evidence: PartEvidence): number | undefined {
  let best: number | undefined;
  let bestScore = evidence.rejected.length;
  for (const r of [...new Set(evidence.kept)].sort((a, b) => b - a)) {
    const score = evidence.kept.filter((x) => x >= r).length + evidence.rejected.filter((x) => x < r).length;
    if (score > bestScore) [best, bestScore] = [r, score];
  }
  return best;
}
