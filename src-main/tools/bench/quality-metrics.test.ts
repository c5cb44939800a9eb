import { describe, expect, it } from 'vitest';
import { encodeMask, maskToRle } from '../../core/coco/rle';
import type { BinaryMask } from '../../core/types';
import { computeQualityMetrics, greedyMatches, hungarianMax, type QualityImage } from './quality-metrics';

const S = 20;

/** Rectangle of pixels x in [x0, x1), y in [y0, y1) on an S x S image. */
function rect(x0: number, y0: number, x1: number, y1: number, size = S): BinaryMask {
  const data = new Uint8Array(size * size);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * size + x] = 1;
  return { width: size, height: size, data };
}

describe('computeQualityMetrics on hand-made scenes', () => {
  // Category a: two 5x5 squares; b: one. Class 1 finds both a's (one shifted by a pixel: IoU 20/30),
  // class 2 finds b plus a false positive, class 3 is a lone speck.
  const scene: QualityImage = {
    name: 'scene.png',
    gt: [
      { category: 'a', mask: rect(0, 0, 5, 5) },
      { category: 'a', mask: rect(10, 0, 15, 5) },
      { category: 'b', mask: rect(0, 10, 5, 15) },
    ],
    pred: [
      { classId: 1, mask: rect(0, 0, 5, 5) },
      { classId: 1, mask: rect(11, 0, 16, 5) },
      { classId: 2, mask: rect(0, 10, 5, 15) },
      { classId: 2, mask: rect(15, 15, 20, 20) },
      { classId: 3, mask: rect(8, 8, 9, 9) },
    ],
  };

  it('pairs classes with categories and scores instances and pixels', () => {
    const r = computeQualityMetrics([scene]);
    expect(r.classesFound).toBe(3);
    expect(r.classesMatched).toBe(2);
    expect(r.unmatchedClasses).toEqual([3]);
    const [a, b] = r.categories;
    expect(a).toMatchObject({
      category: 'a',
      classId: 1,
      gtInstances: 2,
      predInstances: 2,
      truePositives: 2,
      precision: 1,
      recall: 1,
      f1: 1,
    });
    expect(a.iou).toBeCloseTo((25 + 20) / (25 + 30), 12);
    expect(b).toMatchObject({ category: 'b', classId: 2, gtInstances: 1, predInstances: 2, truePositives: 1, precision: 0.5, recall: 1 });
    expect(b.f1).toBeCloseTo(2 / 3, 12);
    expect(b.iou).toBeCloseTo(0.5, 12);
    expect(r.meanPrecision).toBeCloseTo(0.75, 12);
    expect(r.meanRecall).toBe(1);
    expect(r.meanF1).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(r.mIoU).toBeCloseTo((45 / 55 + 0.5) / 2, 12);
    expect(r.agnostic).toEqual({ gtInstances: 3, predInstances: 5, truePositives: 3, precision: 0.6, recall: 1 });
  });

  it('gives the same answer for BinaryMask, RLE and compressed RLE inputs', () => {
    const asRle = { ...scene, gt: scene.gt.map((g) => ({ ...g, mask: maskToRle(g.mask as BinaryMask) })) };
    const asStr = { ...scene, pred: scene.pred.map((p) => ({ ...p, mask: encodeMask(p.mask as BinaryMask) })) };
    const ref = computeQualityMetrics([scene]);
    expect(computeQualityMetrics([asRle])).toEqual(ref);
    expect(computeQualityMetrics([asStr])).toEqual(ref);
  });

  it('sums over images: a category missing from an image still pays for its class there', () => {
    const second: QualityImage = {
      gt: [{ category: 'a', mask: rect(0, 0, 4, 4) }],
      // Class 2 (paired with b) fires on an image without b: its pixels join b's union.
      pred: [
        { classId: 1, mask: rect(0, 0, 4, 4) },
        { classId: 2, mask: rect(10, 10, 12, 12) },
      ],
    };
    const r = computeQualityMetrics([scene, second]);
    const [a, b] = r.categories;
    expect(a).toMatchObject({ gtInstances: 3, predInstances: 3, truePositives: 3 });
    expect(a.iou).toBeCloseTo((45 + 16) / (55 + 16), 12);
    expect(b).toMatchObject({ gtInstances: 1, predInstances: 3, truePositives: 1 });
    expect(b.precision).toBeCloseTo(1 / 3, 12);
    expect(b.iou).toBeCloseTo(25 / (50 + 4), 12);
  });

  it('IoU exactly at the threshold counts; just above it does not', () => {
    // GT 2x4 inside a 4x4 prediction: IoU 8/16 = 0.5.
    const im: QualityImage = { gt: [{ category: 'c', mask: rect(0, 0, 2, 4) }], pred: [{ classId: 'x', mask: rect(0, 0, 4, 4) }] };
    expect(computeQualityMetrics([im]).categories[0]).toMatchObject({ classId: 'x', truePositives: 1, recall: 1 });
    const strict = computeQualityMetrics([im], { iouThreshold: 0.51 }).categories[0];
    expect(strict.truePositives).toBe(0);
    // No instance match, but the pixels still pair the class with the category via semantic IoU.
    expect(strict.classId).toBe('x');
    expect(strict.iou).toBeCloseTo(0.5, 12);
  });

  it('a duplicate prediction is a false positive, not a second match', () => {
    const im: QualityImage = {
      gt: [{ category: 'a', mask: rect(2, 2, 8, 8) }],
      pred: [
        { classId: 1, mask: rect(2, 2, 8, 8) },
        { classId: 1, mask: rect(2, 2, 8, 7) },
      ],
    };
    const [a] = computeQualityMetrics([im]).categories;
    expect(a).toMatchObject({ truePositives: 1, precision: 0.5, recall: 1 });
  });

  it('a class split over two clusters pairs with the bigger one; stuff pairs by pixels', () => {
    const im: QualityImage = {
      gt: [
        { category: 'olive', mask: rect(0, 0, 3, 3) },
        { category: 'olive', mask: rect(5, 0, 8, 3) },
        { category: 'olive', mask: rect(10, 0, 13, 3) },
        { category: 'olive', mask: rect(15, 0, 18, 3) },
        { category: 'cheese', mask: rect(0, 5, 20, 20) },
      ],
      pred: [
        { classId: 7, mask: rect(0, 0, 3, 3) },
        { classId: 7, mask: rect(5, 0, 8, 3) },
        { classId: 7, mask: rect(10, 0, 13, 3) },
        { classId: 8, mask: rect(15, 0, 18, 3) },
        // The cheese comes out in three fragments, each far below IoU 0.5.
        { classId: 9, mask: rect(0, 5, 6, 20) },
        { classId: 9, mask: rect(6, 5, 12, 20) },
        { classId: 9, mask: rect(12, 5, 18, 20) },
        { classId: null, mask: rect(18, 5, 20, 20) },
      ],
    };
    const r = computeQualityMetrics([im]);
    const cheese = r.categories.find((q) => q.category === 'cheese')!;
    const olive = r.categories.find((q) => q.category === 'olive')!;
    expect(olive).toMatchObject({ classId: 7, truePositives: 3, recall: 0.75, precision: 1 });
    expect(cheese).toMatchObject({ classId: 9, truePositives: 0, f1: 0 });
    expect(cheese.iou).toBeCloseTo(18 / 20, 12);
    expect(r.unmatchedClasses).toEqual([8]);
    // The unclassified fragment counts only class-agnostically.
    expect(r.classesFound).toBe(3);
    expect(r.agnostic).toMatchObject({ gtInstances: 5, predInstances: 8, truePositives: 4 });
  });

  it('names the image when its masks differ in size', () => {
    const im: QualityImage = {
      name: 'odd.jpg',
      gt: [{ category: 'a', mask: rect(0, 0, 2, 2) }],
      pred: [{ classId: 1, mask: rect(0, 0, 2, 2, 10) }],
    };
    expect(() => computeQualityMetrics([im])).toThrow(/image odd.jpg: masks differ in size \(10x10 vs 20x20\)/);
  });

  it('no images, no ground truth: zeros, no crash', () => {
    const r = computeQualityMetrics([]);
    expect(r).toMatchObject({ categories: [], classesFound: 0, meanF1: 0, mIoU: 0 });
  });
});

describe('greedyMatches', () => {
  it('takes the highest IoU first and never reuses a mask', () => {
    const iou = [
      [0.9, 0.6],
      [0.8, 0.0],
    ];
    // Greedy takes (0,0); row 1's only candidate is gone, so one match, not two.
    expect(greedyMatches(iou, [0, 1], [0, 1], 0.5)).toBe(1);
    expect(greedyMatches(iou, [1], [0, 1], 0.5)).toBe(1);
    expect(greedyMatches(iou, [0, 1], [0, 1], 0.95)).toBe(0);
  });
});

describe('hungarianMax', () => {
  it('finds the assignment greedy pairing misses', () => {
    const w = [
      [0.9, 0.8],
      [0.7, 0],
    ];
    expect(hungarianMax(2, 2, (r, c) => w[r][c])).toEqual([1, 0]);
  });

  it('matches exhaustive search on random rectangular matrices', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const best = (w: number[][], rows: number, cols: number): number => {
      const go = (r: number, used: Set<number>): number => {
        if (r === rows) return 0;
        let b = go(r + 1, used);
        for (let c = 0; c < cols; c++) {
          if (used.has(c)) continue;
          used.add(c);
          b = Math.max(b, w[r][c] + go(r + 1, used));
          used.delete(c);
        }
        return b;
      };
      return go(0, new Set());
    };
    for (let t = 0; t < 60; t++) {
      const rows = 1 + Math.floor(rand() * 5);
      const cols = 1 + Math.floor(rand() * 5);
      const w = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rand() < 0.3 ? 0 : rand())));
      const a = hungarianMax(rows, cols, (r, c) => w[r][c]);
      const cs = a.filter((c) => c >= 0);
      expect(new Set(cs).size).toBe(cs.length);
      const total = a.reduce((s, c, r) => s + (c >= 0 ? w[r][c] : 0), 0);
      expect(total).toBeCloseTo(best(w, rows, cols), 9);
    }
  });
});
