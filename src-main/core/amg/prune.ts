// Fewer decoder runs for the same masks (AmgOptions.pruneInsideKept; off in SAM's exact generator).
// After each batch, every prompt's smallest kept mask (it passed the predicted-IoU, stability and
// crop-edge filters) is remembered. A later grid prompt of the same crop is skipped only when
//  - that mask was found by at least pruneMinPrompts different prompts (another prompt's kept mask
//    has mask IoU >= pruneSameMaskIou with it): clicks in that region are known to give the same
//    answer. A mask found by a single prompt proves nothing about the points around it; most kept
//    masks are found by one prompt only, and skipping next to them loses them (measured in
//    tools/bench/README.md); and
//  - the point lies inside the mask with a margin: it and the 8 points pruneMargin grid spacings
//    away from it (axes and diagonals) are all inside. Points near a boundary are ambiguous; a click
//    there finds the neighbouring region or the two together.
// Batches stay in grid order, so pruning only affects later prompts.

import type { BoxXYXY, Rle } from '../types';
import { rleArea, rleBoxInclusive, rleOverlapCounts } from '../mask/rle';

/** Whether pixel (x, y) is set in a column-major RLE (COCO order: index x * h + y, zeros first). */
export function rleContains(rle: Rle, x: number, y: number): boolean {
  const [h, w] = rle.size;
  const px = Math.floor(x);
  const py = Math.floor(y);
  if (px < 0 || py < 0 || px >= w || py >= h) return false;
  const target = px * h + py;
  let at = 0;
  for (let i = 0; i < rle.counts.length; i++) {
    at += rle.counts[i];
    if (target < at) return i % 2 === 1;
  }
  return false;
}

/**
 * Per prompt, the index of its smallest kept mask. `points` holds each kept mask's prompt; masks
 * of one prompt share the same point.
 */
export function smallestPerPrompt(points: readonly (readonly [number, number])[], areas: readonly number[]): number[] {
  const best = new Map<string, number>();
  points.forEach((p, i) => {
    const key = `${p[0]},${p[1]}`;
    const b = best.get(key);
    if (b === undefined || areas[i] < areas[b]) best.set(key, i);
  });
  return [...best.values()].sort((a, b) => a - b);
}

/** The next batch: up to `size` unpruned prompt indices from `start`; `next` is where to go on. */
export function nextBatch(pruned: Uint8Array, start: number, size: number): { indices: number[]; next: number } {
  const indices: number[] = [];
  let j = start;
  while (j < pruned.length && indices.length < size) {
    if (!pruned[j]) indices.push(j);
    j++;
  }
  return { indices, next: j };
}

/** The thresholds of the rule (AmgOptions.pruneMinPrompts, pruneSameMaskIou; margin in pixels). */
export interface PruneRule {
  minPrompts: number;
  sameMaskIou: number;
  marginPx: number;
}

/** A prompt's smallest kept mask and the prompts known to find it. */
interface Region {
  rle: Rle;
  area: number;
  box: BoxXYXY;
  prompts: Set<string>;
  /** Whether the later prompts inside it have been marked (done once, when it qualifies). */
  marked: boolean;
}

/** A kept mask of the batch with its prompt's key. */
interface Kept {
  prompt: string;
  rle: Rle;
  area: number;
  box: BoxXYXY | null;
}

/** Unit steps of the 8 margin points: the axes and the diagonals. */
const AROUND: readonly (readonly [number, number])[] = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
  [Math.SQRT1_2, Math.SQRT1_2],
  [-Math.SQRT1_2, Math.SQRT1_2],
  [Math.SQRT1_2, -Math.SQRT1_2],
  [-Math.SQRT1_2, -Math.SQRT1_2],
];

/** The grid spacing of a crop's prompts: its short side over the points per side of a square grid. */
export function gridSpacing(cropW: number, cropH: number, nPoints: number): number {
  return Math.min(cropW, cropH) / Math.max(1, Math.round(Math.sqrt(nPoints)));
}

/**
 * The pruning state of one crop. `points` are its prompts (x, y interleaved, image pixels, the
 * frame of the RLEs); `pruned` marks those to skip.
 */
export class PromptPruner {
  readonly pruned: Uint8Array;
  private readonly regions: Region[] = [];

  constructor(
    private readonly points: Float64Array,
    private readonly rule: PruneRule,
  ) {
    this.pruned = new Uint8Array(points.length / 2);
  }

  /**
   * Takes a batch's kept masks (each with its prompt, in the batch's own coordinates, and its RLE in
   * image pixels) and marks the prompts from index `from` on that the rule skips. Returns how many
   * were newly marked.
   */
  afterBatch(prompts: readonly (readonly [number, number])[], rles: readonly Rle[], from: number): number {
    const kept: Kept[] = rles.map((rle, i) => ({ prompt: `${prompts[i][0]},${prompts[i][1]}`, rle, area: rleArea(rle), box: null }));
    const { sameMaskIou } = this.rule;
    for (const i of smallestPerPrompt(
      prompts,
      kept.map((k) => k.area),
    )) {
      const k = kept[i];
      const same = this.regions.filter((r) => sameMask(r, k, sameMaskIou));
      for (const r of same) r.prompts.add(k.prompt);
      if (same.length === 0) this.regions.push({ rle: k.rle, area: k.area, box: boxOf(k), prompts: new Set([k.prompt]), marked: false });
    }
    // Any kept mask of a prompt, not only its smallest, is evidence that it finds a region.
    for (const k of kept) {
      for (const r of this.regions) if (!r.prompts.has(k.prompt) && sameMask(r, k, sameMaskIou)) r.prompts.add(k.prompt);
    }
    let marked = 0;
    for (const r of this.regions) {
      if (r.marked || r.prompts.size < this.rule.minPrompts) continue;
      r.marked = true;
      marked += this.markInside(r, from);
    }
    return marked;
  }

  /** Marks the unpruned prompts from `from` on that lie inside `r` with the margin. */
  private markInside(r: Region, from: number): number {
    const m = this.rule.marginPx;
    const [x0, y0, x1, y1] = r.box;
    let marked = 0;
    for (let j = from; j < this.pruned.length; j++) {
      if (this.pruned[j]) continue;
      const x = this.points[2 * j];
      const y = this.points[2 * j + 1];
      // The box (inclusive pixels) first: most points are far outside it.
      if (x - m < x0 || y - m < y0 || x + m >= x1 + 1 || y + m >= y1 + 1) continue;
      if (!rleContains(r.rle, x, y)) continue;
      if (m > 0 && !AROUND.every(([dx, dy]) => rleContains(r.rle, x + dx * m, y + dy * m))) continue;
      this.pruned[j] = 1;
      marked++;
    }
    return marked;
  }
}

function boxOf(k: Kept): BoxXYXY {
  k.box ??= rleBoxInclusive(k.rle) ?? [0, 0, -1, -1];
  return k.box;
}

/** Mask IoU >= minIou, checked cheaply first (IoU <= smaller area / larger area; boxes must meet). */
function sameMask(r: Region, k: Kept, minIou: number): boolean {
  if (Math.min(r.area, k.area) < minIou * Math.max(r.area, k.area)) return false;
  const a = r.box;
  const b = boxOf(k);
  if (a[0] > b[2] || b[0] > a[2] || a[1] > b[3] || b[1] > a[3]) return false;
  const { intersection, union } = rleOverlapCounts(r.rle, k.rle);
  return union > 0 && intersection >= minIou * union;
}
