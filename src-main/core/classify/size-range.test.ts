import { describe, expect, it } from 'vitest';
import { BACKGROUND_LABEL } from './knn';
import { fitsSize, learnSizeRanges } from './size-range';

describe('learnSizeRanges', () => {
  it("widens each class's range by what leaving out its extremes asks for", () => {
    // Class 4: 400..500 with the smallest 10 % below the next, the largest 4 % above the one before.
    const labels = [4, 4, 4, 4, 4, 4, 7, 7, 7, BACKGROUND_LABEL, BACKGROUND_LABEL, BACKGROUND_LABEL, BACKGROUND_LABEL, BACKGROUND_LABEL];
    const areas = [400, 440, 450, 470, 480, 500, 10, 20, 30, 1, 2, 3, 4, 5];
    const r = learnSizeRanges(labels, areas);
    const olive = r.get(4)!;
    expect(olive.min).toBeCloseTo(400 / 1.1, 6);
    expect(olive.max).toBeCloseTo(500 * 1.1, 6);
    // Too few references (3 < 5) and background: no range, every size passes.
    expect(r.has(7)).toBe(false);
    expect(r.has(BACKGROUND_LABEL)).toBe(false);
    expect(fitsSize(r, 7, 1e9)).toBe(true);
  });

  it('rejects a fragment and a combination that leaving out any reference never would', () => {
    const labels = [2, 2, 2, 2, 2, 2, 2, 2];
    const areas = [900, 950, 1000, 1020, 1100, 1150, 1200, 1300];
    const r = learnSizeRanges(labels, areas);
    // Every reference passes against the range of the others.
    for (let i = 0; i < areas.length; i++) {
      const others = learnSizeRanges(
        labels.filter((_, j) => j !== i),
        areas.filter((_, j) => j !== i),
      );
      expect(areas[i] >= others.get(2)!.min / 1.2 && areas[i] <= others.get(2)!.max * 1.2).toBe(true);
      expect(fitsSize(r, 2, areas[i])).toBe(true);
    }
    expect(fitsSize(r, 2, 600)).toBe(false); // a fragment: 2/3 of the smallest
    expect(fitsSize(r, 2, 2400)).toBe(false); // two glued together
    expect(fitsSize(r, 2, 860)).toBe(true);
  });
});
