import { describe, expect, it } from 'vitest';
import { BACKGROUND_LABEL } from './knn';
import { fitsSize, learnSizeRanges } from './size-range';

describe('learnSizeRanges', () => {
  it("takes each class's log-areas as normal, widened where leaving out an extreme asks for more", () => {
    // Class 4: the smallest 47 % below the next (leave-one-out wins below), tight above (3 sigma wins).
    const labels = [4, 4, 4, 4, 4, 4, 7, 7, 7, BACKGROUND_LABEL, BACKGROUND_LABEL, BACKGROUND_LABEL, BACKGROUND_LABEL, BACKGROUND_LABEL];
    const areas = [300, 440, 450, 460, 470, 480, 10, 20, 30, 1, 2, 3, 4, 5];
    const logs = areas.slice(0, 6).map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / 6;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
    const r = learnSizeRanges(labels, areas);
    const c4 = r.get(4)!;
    expect(c4.min).toBeCloseTo(300 / (440 / 300), 6);
    expect(c4.max).toBeCloseTo(Math.exp(mean + 3 * sd), 6);
    expect(c4.max).toBeGreaterThan(480 * (440 / 300));
    // Too few references (3 < 5) and background: no range, every size passes.
    expect(r.has(7)).toBe(false);
    expect(r.has(BACKGROUND_LABEL)).toBe(false);
    expect(fitsSize(r, 7, 1e9)).toBe(true);
  });

  it('accepts a new object just beyond the largest reference, as its spread predicts', () => {
    // 24 olives whose two largest are close: the bare range (and leave-one-out) would refuse 719.
    const areas = [312, 347, 379, 381, 389, 394, 408, 410, 427, 446, 496, 508, 513, 518, 518, 520, 521, 522, 532, 537, 566, 587, 599, 628];
    const r = learnSizeRanges(
      areas.map(() => 7),
      areas,
    );
    expect(628 * Math.max(347 / 312, 628 / 599)).toBeLessThan(719);
    expect(fitsSize(r, 7, 719)).toBe(true);
    expect(fitsSize(r, 7, 628 * 2)).toBe(false); // two of the largest glued together
    expect(fitsSize(r, 7, 480 / 2)).toBe(false); // half an olive of the mean size
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
