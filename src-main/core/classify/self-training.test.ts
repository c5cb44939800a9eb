import { describe, expect, it } from 'vitest';
import { BACKGROUND_LABEL, UNSURE_LABEL } from './knn';
import { classifyInPasses } from './self-training';

// Unit vectors in the plane at the given angles (degrees).
function at(...degrees: number[]): Float32Array {
  return new Float32Array(degrees.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));
}

describe('classifyInPasses', () => {
  // Class 7 around 0 degrees, background at 90. minSimilarity 0.9 = within about 25.8 degrees.
  const refs = at(-2, 0, 2, 90);
  const refLabels = [7, 7, 7, BACKGROUND_LABEL];
  const options = { k: 3, minSimilarity: 0.9, minConfidence: 0.6 };
  // A batch drifting away from the references: each is near the one before it.
  const queries = at(15, 33, 37, 55, 84, 160);

  it('settles a drifting batch pass by pass through its own sure members', () => {
    const r = classifyInPasses(refs, refLabels, queries, 2, options);
    expect(Array.from(r.labels)).toEqual([7, 7, 7, 7, BACKGROUND_LABEL, UNSURE_LABEL]);
    expect(Array.from(r.pass)).toEqual([0, 1, 1, 2, 0, -1]);
    // The first pass is the references alone: 33 degrees is too far from every one of them.
    expect(r.first.labels[1]).toBe(UNSURE_LABEL);
  });

  it('is plain kNN with no further pass', () => {
    const r = classifyInPasses(refs, refLabels, queries, 2, options, () => true, 0);
    expect(Array.from(r.labels)).toEqual([7, UNSURE_LABEL, UNSURE_LABEL, UNSURE_LABEL, BACKGROUND_LABEL, UNSURE_LABEL]);
  });

  it('never uses a refused placement as a reference, nor asks about it again', () => {
    const asked: number[] = [];
    const r = classifyInPasses(refs, refLabels, queries, 2, options, (q) => {
      asked.push(q);
      return q !== 0;
    });
    // Without the 15-degree segment nothing links the rest of the chain to the class.
    expect(Array.from(r.labels)).toEqual([UNSURE_LABEL, UNSURE_LABEL, UNSURE_LABEL, UNSURE_LABEL, BACKGROUND_LABEL, UNSURE_LABEL]);
    expect(asked.filter((q) => q === 0)).toHaveLength(1);
  });

  it('keeps every placement of the first pass: later passes only settle the unsure', () => {
    // Pseudo-random references of three labels and queries scattered over the whole circle.
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const refAngles = Array.from({ length: 30 }, (_, i) => (i % 3) * 120 + rand() * 30);
    const labels = refAngles.map((_, i) => [7, 9, BACKGROUND_LABEL][i % 3]);
    const q = at(...Array.from({ length: 200 }, () => rand() * 360));
    const r = classifyInPasses(at(...refAngles), labels, q, 2, options);
    let later = 0;
    for (let i = 0; i < 200; i++) {
      if (r.first.labels[i] !== UNSURE_LABEL) expect([r.labels[i], r.pass[i]]).toEqual([r.first.labels[i], 0]);
      else if (r.pass[i] > 0) later++;
    }
    expect(later).toBeGreaterThan(0);
  });
});
