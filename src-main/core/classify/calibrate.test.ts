import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { calibrateKnn, learnVoteShare, type LooPlacement } from './calibrate';
import { DEFAULT_KNN_OPTIONS } from './knn';

const DIM = 8;

/** Unit-ish vectors: `n` rows around `centre` (a mix of axes), with seeded noise of size `noise`. */
function around(rand: () => number, centre: number[], n: number, noise: number): number[][] {
  return Array.from({ length: n }, () => centre.map((c) => c + noise * (rand() - 0.5)));
}

const axis = (i: number) => Array.from({ length: DIM }, (_, d) => (d === i ? 1 : 0));
const mix = (a: number[], b: number[], t: number) => a.map((x, d) => (1 - t) * x + t * b[d]);

function calibrate(rows: number[][], labels: number[]) {
  // The novelty threshold is not what is learned here: let every look-alike count.
  return calibrateKnn(new Float32Array(rows.flat()), labels, DIM, { minSimilarity: -1 });
}

describe('calibrateKnn', () => {
  it('keeps the defaults with too few labels, or a single label', () => {
    const rand = mulberry32(1);
    const few = calibrate(around(rand, axis(0), 10, 0.1), Array(10).fill(3));
    expect(few.calibrated).toBe(false);
    expect(few.options).toMatchObject({ k: DEFAULT_KNN_OPTIONS.k, minConfidence: DEFAULT_KNN_OPTIONS.minConfidence });
    const one = calibrate(around(rand, axis(0), 60, 0.1), Array(60).fill(3));
    expect(one.calibrated).toBe(false);
  });

  it('labels that never disagree keep the default vote share', () => {
    const rand = mulberry32(2);
    const rows = [...around(rand, axis(0), 30, 0.2), ...around(rand, axis(1), 30, 0.2), ...around(rand, axis(2), 30, 0.2)];
    const labels = [...Array(30).fill(1), ...Array(30).fill(2), ...Array(30).fill(3)];
    const c = calibrate(rows, labels);
    expect(c.calibrated).toBe(true);
    expect(c.accuracy).toBe(1);
    expect(c.precision).toBe(1);
    expect(c.options.minConfidence).toBe(DEFAULT_KNN_OPTIONS.minConfidence);
  });

  it('a band where look-alikes disagree and are often wrong raises the vote share it needs', () => {
    const rand = mulberry32(3);
    // Two clean classes, and between them segments whose labels are a coin toss: their votes are
    // split and about half of them wrong, so a split vote must not place anything.
    const between = around(rand, mix(axis(0), axis(1), 0.5), 40, 0.3);
    const rows = [...around(rand, axis(0), 40, 0.2), ...around(rand, axis(1), 40, 0.2), ...between];
    const labels = [...Array(40).fill(1), ...Array(40).fill(2), ...between.map(() => (rand() < 0.5 ? 1 : 2))];
    const c = calibrate(rows, labels);
    expect(c.calibrated).toBe(true);
    expect(c.accuracy).toBeLessThan(0.95);
    expect(c.options.minConfidence).toBeGreaterThan(DEFAULT_KNN_OPTIONS.minConfidence);
    expect(c.precision).toBeGreaterThanOrEqual(0.9);
  });
});

describe('learnVoteShare', () => {
  const o = { targetPrecision: 0.9, window: 10, floor: 0.5 };
  const cases = (share: number, right: number, wrong: number): LooPlacement[] => [
    ...Array.from({ length: right }, () => ({ share, right: true })),
    ...Array.from({ length: wrong }, () => ({ share, right: false })),
  ];

  it('unanimous placements only: the fallback stands', () => {
    expect(learnVoteShare(cases(1, 50, 0), 0.6, o)).toEqual({ threshold: 0.6, precision: 1 });
  });

  it('split votes that were right lower the threshold down to the last of them, never below the floor', () => {
    const r = learnVoteShare([...cases(1, 50, 0), ...cases(0.8, 5, 0), ...cases(0.55, 5, 0), ...cases(0.4, 5, 0)], 0.6, o);
    expect(r).toEqual({ threshold: 0.55, precision: 1 });
  });

  it('split votes that were often wrong raise it above them, whatever the sure ones say', () => {
    // 200 right unanimous placements would keep the overall precision high; the margin decides.
    const r = learnVoteShare([...cases(1, 200, 0), ...cases(0.9, 9, 0), ...cases(0.7, 3, 4), ...cases(0.6, 2, 3)], 0.6, o);
    expect(r.threshold).toBe(0.9);
    expect(r.precision).toBe(1);
  });

  it('one miss among few split votes is enough to stop (the cautious side)', () => {
    expect(learnVoteShare([...cases(1, 30, 0), ...cases(0.7, 0, 1)], 0.6, o).threshold).toBe(1);
  });
});
