import { describe, expect, it } from 'vitest';
import { BACKGROUND_LABEL, UNSURE_LABEL, classifyKnn } from './knn';

// Unit vectors in 3-d around three directions: x = class 7, y = class 9, z = background.
const dirs: Record<string, number[]> = { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] };
function near(axis: string, wobble: number[]): number[] {
  const v = dirs[axis].map((c, i) => c + wobble[i]);
  const n = Math.hypot(...v);
  return v.map((c) => c / n);
}

describe('classifyKnn', () => {
  const refs = [
    near('x', [0, 0.05, 0]),
    near('x', [0, 0, 0.05]),
    near('x', [0, 0.02, 0.02]),
    near('y', [0.05, 0, 0]),
    near('y', [0, 0, 0.05]),
    near('z', [0.05, 0, 0]),
  ];
  const refLabels = [7, 7, 7, 9, 9, BACKGROUND_LABEL];
  const flat = new Float32Array(refs.flat());

  it('labels queries by their neighbours, background included, with confidence and similarity', () => {
    const queries = new Float32Array([...near('x', [0, 0.03, 0.01]), ...near('y', [0.01, 0, 0.02]), ...near('z', [0, 0.04, 0])]);
    const r = classifyKnn(flat, refLabels, queries, 3, { k: 3, minSimilarity: 0.9, minConfidence: 0.6 });
    expect(Array.from(r.labels)).toEqual([7, 9, BACKGROUND_LABEL]);
    expect(r.confidence[0]).toBeCloseTo(1, 5);
    expect(r.similarity[0]).toBeGreaterThan(0.99);
    // The y query's third neighbour is an x or z reference: confidence is about two thirds.
    expect(r.confidence[1]).toBeGreaterThan(0.6);
    expect(r.confidence[1]).toBeLessThan(0.99);
    expect(r.neighbours[0].length).toBe(3);
    expect(refLabels[r.neighbours[0][0]]).toBe(7);
  });

  it('leaves novel and contested queries unsure, but still reports the best guess', () => {
    const between = near('x', [0, 1, 0]); // half way between class 7 and class 9
    const novel = [-1, 0, 0]; // unlike anything labelled
    const r = classifyKnn(flat, refLabels, new Float32Array([...between, ...novel]), 3, { k: 5, minSimilarity: 0.9, minConfidence: 0.6 });
    expect(Array.from(r.labels)).toEqual([UNSURE_LABEL, UNSURE_LABEL]);
    expect([7, 9]).toContain(r.best[0]);
    expect(r.similarity[1]).toBeLessThan(0.1);
    // Lower thresholds accept the contested one.
    const loose = classifyKnn(flat, refLabels, new Float32Array(between), 3, { k: 1, minSimilarity: 0.5, minConfidence: 0.5 });
    expect(loose.labels[0]).toBe(loose.best[0]);
  });

  it('without references everything is unsure; bad options are refused clearly', () => {
    const r = classifyKnn(new Float32Array(0), [], new Float32Array([1, 0, 0]), 3);
    expect(Array.from(r.labels)).toEqual([UNSURE_LABEL]);
    expect(() => classifyKnn(flat, refLabels, new Float32Array(3), 3, { k: 0 })).toThrow(/k must be/);
    expect(() => classifyKnn(flat, [7], new Float32Array(3), 3)).toThrow(/1 reference labels but 6/);
  });
});
