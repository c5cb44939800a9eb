// Quality of discovered classes against ground truth, for the quality benchmark.
//
// 1. Instances: for every (ground-truth category, predicted class) pair, predicted masks are matched
//    to ground-truth masks image by image at mask IoU >= iouThreshold (COCO's loosest threshold,
//    0.5), greedily by descending IoU and one-to-one, like COCOeval's per-image matching.
// 2. Classes have no names, so each category is paired with at most one class and vice versa by
//    the Hungarian method (exact, any number of classes), maximising the summed instance F1. Ties,
//    including categories no class matches at the instance level (often "stuff" such as cheese or a
//    board, which segments tend to fragment), are broken by semantic IoU with a small weight.
// 3. Per category: instance precision / recall / F1 of its class, and semantic IoU: per image the
//    union of the category's ground-truth masks against the union of its class's masks, with
//    intersections and unions summed over all images (dataset-level IoU, as in semantic
//    segmentation benchmarks). A category without a class scores 0 in everything.
// Means are macro averages over the categories that have ground truth.

import { rleArea, rleOverlapCounts } from '../../core/mask';
import { type AnyRle, maskToRle, rleMerge, toUncompressed } from '../../core/coco/rle';
import { SamanticError } from '../../core/errors';
import type { BinaryMask, Rle } from '../../core/types';

export type AnyMask = BinaryMask | AnyRle;
export type ClassId = number | string;

export interface QualityImage {
  /** For messages only (e.g. the file name). */
  name?: string;
  gt: { category: string; mask: AnyMask }[];
  /** classId null: a segment no class was given to; it counts only in the class-agnostic figures. */
  pred: { classId: ClassId | null; mask: AnyMask }[];
}

export interface QualityOptions {
  /** Minimum mask IoU for a prediction to count as finding an instance (COCO AP50's 0.5). */
  iouThreshold?: number;
  /**
   * Weight of semantic IoU next to instance F1 when pairing classes with categories: small, so it
   * only decides between pairings of (nearly) equal F1.
   */
  semanticTieBreak?: number;
}

export const DEFAULT_QUALITY_OPTIONS: Required<QualityOptions> = { iouThreshold: 0.5, semanticTieBreak: 1e-3 };

export interface CategoryQuality {
  category: string;
  /** The class paired with this category, or null. */
  classId: ClassId | null;
  gtInstances: number;
  /** Instances predicted with the paired class. */
  predInstances: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Semantic IoU of the class's union against the category's union. */
  iou: number;
}

export interface QualityReport {
  /** Sorted by category name. */
  categories: CategoryQuality[];
  /** Distinct predicted class ids (null excluded). */
  classesFound: number;
  classesMatched: number;
  /** Classes paired with no category, sorted. */
  unmatchedClasses: ClassId[];
  meanPrecision: number;
  meanRecall: number;
  meanF1: number;
  mIoU: number;
  /** Segmentation quality ignoring classes: any prediction may find any instance. */
  agnostic: { gtInstances: number; predInstances: number; truePositives: number; precision: number; recall: number };
}

interface Prepared {
  rle: Rle;
  area: number;
  /** First and last column with foreground: a cheap test for masks that cannot overlap. */
  x0: number;
  x1: number;
}

export function computeQualityMetrics(images: readonly QualityImage[], options: QualityOptions = {}): QualityReport {
  const opts = { ...DEFAULT_QUALITY_OPTIONS, ...options };
  const categories = [...new Set(images.flatMap((im) => im.gt.map((g) => g.category)))].sort();
  const classes = sortIds([...new Set(images.flatMap((im) => im.pred.map((p) => p.classId)))].filter((c) => c !== null) as ClassId[]);
  const ci = new Map(categories.map((c, i) => [c, i]));
  const ki = new Map<ClassId, number>(classes.map((k, i) => [k, i]));
  const nC = categories.length;
  const nK = classes.length;
  const tp = new Float64Array(nC * nK);
  const inter = new Float64Array(nC * nK);
  const union = new Float64Array(nC * nK);
  const gtCount = new Float64Array(nC);
  const predCount = new Float64Array(nK);
  const agnostic = { gtInstances: 0, predInstances: 0, truePositives: 0, precision: 0, recall: 0 };

  images.forEach((im, n) => {
    const where = `quality metrics, image ${im.name ?? n}`;
    const gts = im.gt.map((g, i) => prepare(g.mask, `${where}, ground truth ${i}`));
    const preds = im.pred.map((p, i) => prepare(p.mask, `${where}, prediction ${i}`));
    const all = [...gts, ...preds];
    for (const m of all) {
      if (m.rle.size[0] !== all[0].rle.size[0] || m.rle.size[1] !== all[0].rle.size[1]) {
        throw new SamanticError(
          'invalid-argument',
          `${where}: masks differ in size (${m.rle.size.join('x')} vs ${all[0].rle.size.join('x')}); every mask of an image must be [height, width] of that image.`,
        );
      }
    }
    const iou = gts.map((g) => preds.map((p) => maskIou(g, p)));
    const gtCat = im.gt.map((g) => ci.get(g.category)!);
    const predCls = im.pred.map((p) => (p.classId === null ? -1 : ki.get(p.classId)!));
    gtCat.forEach((c) => gtCount[c]++);
    predCls.forEach((k) => k >= 0 && predCount[k]++);

    agnostic.gtInstances += gts.length;
    agnostic.predInstances += preds.length;
    agnostic.truePositives += greedyMatches(iou, allIndices(gts.length), allIndices(preds.length), opts.iouThreshold);

    const gtOf = categories.map((_, c) => allIndices(gts.length).filter((i) => gtCat[i] === c));
    const predOf = classes.map((_, k) => allIndices(preds.length).filter((j) => predCls[j] === k));
    const gtUnion = gtOf.map((gi) => (gi.length > 0 ? rleMerge(gi.map((i) => gts[i].rle)) : null));
    const predUnion = predOf.map((pj) => (pj.length > 0 ? rleMerge(pj.map((j) => preds[j].rle)) : null));
    for (let c = 0; c < nC; c++) {
      const gu = gtUnion[c];
      for (let k = 0; k < nK; k++) {
        const pu = predUnion[k];
        if (gu && pu) {
          tp[c * nK + k] += greedyMatches(iou, gtOf[c], predOf[k], opts.iouThreshold);
          const o = rleOverlapCounts(gu, pu);
          inter[c * nK + k] += o.intersection;
          union[c * nK + k] += o.union;
        } else {
          // Pixels of the one side present in this image are all unmatched.
          union[c * nK + k] += (gu ? rleArea(gu) : 0) + (pu ? rleArea(pu) : 0);
        }
      }
    }
  });

  const f1 = (c: number, k: number): number => {
    const d = gtCount[c] + predCount[k];
    return d === 0 ? 0 : (2 * tp[c * nK + k]) / d;
  };
  const semIou = (c: number, k: number): number => (union[c * nK + k] === 0 ? 0 : inter[c * nK + k] / union[c * nK + k]);
  const weight = (c: number, k: number): number => f1(c, k) + opts.semanticTieBreak * semIou(c, k);
  const assignment = hungarianMax(nC, nK, weight);

  const matchedClasses = new Set<number>();
  const perCategory: CategoryQuality[] = categories.map((category, c) => {
    const k = assignment[c];
    if (k < 0 || weight(c, k) <= 0) {
      return {
        category,
        classId: null,
        gtInstances: gtCount[c],
        predInstances: 0,
        truePositives: 0,
        precision: 0,
        recall: 0,
        f1: 0,
        iou: 0,
      };
    }
    matchedClasses.add(k);
    const t = tp[c * nK + k];
    return {
      category,
      classId: classes[k],
      gtInstances: gtCount[c],
      predInstances: predCount[k],
      truePositives: t,
      precision: predCount[k] === 0 ? 0 : t / predCount[k],
      recall: gtCount[c] === 0 ? 0 : t / gtCount[c],
      f1: f1(c, k),
      iou: semIou(c, k),
    };
  });

  const mean = (f: (q: CategoryQuality) => number): number =>
    perCategory.length === 0 ? 0 : perCategory.reduce((s, q) => s + f(q), 0) / perCategory.length;
  agnostic.precision = agnostic.predInstances === 0 ? 0 : agnostic.truePositives / agnostic.predInstances;
  agnostic.recall = agnostic.gtInstances === 0 ? 0 : agnostic.truePositives / agnostic.gtInstances;
  return {
    categories: perCategory,
    classesFound: nK,
    classesMatched: matchedClasses.size,
    unmatchedClasses: classes.filter((_, k) => !matchedClasses.has(k)),
    meanPrecision: mean((q) => q.precision),
    meanRecall: mean((q) => q.recall),
    meanF1: mean((q) => q.f1),
    mIoU: mean((q) => q.iou),
    agnostic,
  };
}

/**
 * Number of one-to-one matches between ground-truth rows `gi` and prediction columns `pj` of
 * `iou`, taking pairs with IoU >= threshold greedily from the highest IoU (ties by index).
 */
export function greedyMatches(
  iou: readonly (readonly number[])[],
  gi: readonly number[],
  pj: readonly number[],
  threshold: number,
): number {
  const pairs: [number, number, number][] = [];
  for (const g of gi) for (const p of pj) if (iou[g][p] >= threshold && iou[g][p] > 0) pairs.push([iou[g][p], g, p]);
  pairs.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const usedG = new Set<number>();
  const usedP = new Set<number>();
  let n = 0;
  for (const [, g, p] of pairs) {
    if (usedG.has(g) || usedP.has(p)) continue;
    usedG.add(g);
    usedP.add(p);
    n++;
  }
  return n;
}

/**
 * Maximum-weight one-to-one assignment of rows to columns (Hungarian method with potentials,
 * O(n^3) on the matrix padded to square with zero weights). Returns, per row, its column or -1.
 */
export function hungarianMax(rows: number, cols: number, weight: (r: number, c: number) => number): number[] {
  const n = Math.max(rows, cols);
  if (n === 0) return [];
  let maxW = 0;
  const w: number[][] = [];
  for (let r = 0; r < n; r++) {
    w.push([]);
    for (let c = 0; c < n; c++) {
      const v = r < rows && c < cols ? weight(r, c) : 0;
      w[r].push(v);
      if (v > maxW) maxW = v;
    }
  }
  // Minimise cost = maxW - weight (non-negative); 1-based arrays with a virtual column 0.
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(INF);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = maxW - w[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const result = new Array<number>(rows).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j] - 1 < rows && j - 1 < cols) result[p[j] - 1] = j - 1;
  return result;
}

function prepare(mask: AnyMask, what: string): Prepared {
  const rle = 'data' in mask ? maskToRle(mask) : toUncompressed(mask, what);
  const h = rle.size[0];
  let pos = 0;
  let x0 = Infinity;
  let x1 = -1;
  let area = 0;
  rle.counts.forEach((c, j) => {
    if (j % 2 === 1 && c > 0) {
      x0 = Math.min(x0, Math.floor(pos / h));
      x1 = Math.max(x1, Math.floor((pos + c - 1) / h));
      area += c;
    }
    pos += c;
  });
  if (pos !== rle.size[0] * rle.size[1]) {
    throw new SamanticError('invalid-argument', `${what}: run lengths sum to ${pos}, not ${rle.size[0]}x${rle.size[1]}.`);
  }
  return { rle, area, x0, x1 };
}

function maskIou(a: Prepared, b: Prepared): number {
  if (a.area === 0 || b.area === 0 || a.x1 < b.x0 || b.x1 < a.x0) return 0;
  const { intersection, union } = rleOverlapCounts(a.rle, b.rle);
  return intersection === 0 ? 0 : intersection / union;
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Numbers ascending, then strings in code-unit order: a stable order independent of input order. */
function sortIds(ids: ClassId[]): ClassId[] {
  return ids.sort((a, b) => (typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1));
}
