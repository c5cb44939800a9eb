import { describe, expect, it } from 'vitest';
import { maskToRle, rleArea, rleBboxCoco } from '../mask';
import { findSameClassParts, type PartCandidate } from './parts';

const W = 40;
const H = 30;

/** A segment whose mask is the rectangle [x0, x1) x [y0, y1). */
function rect(x0: number, y0: number, x1: number, y1: number, extra: Partial<PartCandidate> = {}): PartCandidate {
  const data = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * W + x] = 1;
  const rle = maskToRle({ width: W, height: H, data });
  return { imageId: 1, label: 0, score: 0.9, user: false, bbox: rleBboxCoco(rle), area: rleArea(rle), rle, ...extra };
}

describe('findSameClassParts', () => {
  it('unassigns a part lying inside a better-rated whole of the same class', () => {
    const whole = rect(5, 5, 25, 25, { score: 0.98 });
    const half = rect(5, 5, 15, 25, { score: 0.9 });
    expect(findSameClassParts([half, whole])).toEqual([0]);
  });

  it('unassigns the whole when the part is rated higher (two objects glued together lose to one)', () => {
    const merged = rect(0, 0, 30, 10, { score: 0.93 });
    const left = rect(0, 0, 15, 10, { score: 0.99 });
    const right = rect(15, 0, 30, 10, { score: 0.98 });
    expect(findSameClassParts([merged, left, right])).toEqual([0]);
  });

  it('leaves alone touching neighbours, other classes, other images, unassigned segments', () => {
    const a = rect(0, 0, 10, 10);
    const touching = rect(9, 0, 20, 10); // shares one column: 10 of 110 pixels
    const otherClass = rect(2, 2, 8, 8, { label: 1 });
    const otherImage = rect(2, 2, 8, 8, { imageId: 2 });
    const noise = rect(2, 2, 8, 8, { label: -1 });
    expect(findSameClassParts([a, touching, otherClass, otherImage, noise])).toEqual([]);
  });

  it('never suppresses a segment the user drew, and can be turned off', () => {
    const user = rect(5, 5, 10, 10, { user: true, score: 0 });
    const amg = rect(0, 0, 20, 20, { score: 0.99 });
    expect(findSameClassParts([user, amg])).toEqual([1]);
    expect(findSameClassParts([user, amg], { minOverlap: 1.01 })).toEqual([]);
  });

  it('applies the overlap threshold to the smaller mask', () => {
    const big = rect(0, 0, 20, 20, { score: 0.99 });
    const mostlyIn = rect(15, 0, 24, 10, { score: 0.9 }); // 50 of 90 pixels inside: 0.56
    expect(findSameClassParts([big, mostlyIn])).toEqual([]);
    expect(findSameClassParts([big, mostlyIn], { minOverlap: 0.5 })).toEqual([1]);
    expect(() => findSameClassParts([big], { minOverlap: 0 })).toThrow(/minOverlap/);
  });
});
