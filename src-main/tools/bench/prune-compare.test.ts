import { describe, expect, it } from 'vitest';
import { maskToRle } from '../../core/mask/rle';
import type { AmgMask } from '../../core/types';
import { keptMaskAgreement } from './prune-compare';

/** A 20 x 10 image's mask covering columns [x0, x1). */
function band(x0: number, x1: number): AmgMask {
  const data = new Uint8Array(200);
  for (let y = 0; y < 10; y++) for (let x = x0; x < x1; x++) data[y * 20 + x] = 1;
  const rle = maskToRle({ width: 20, height: 10, data });
  return {
    rle,
    bbox: [x0, 0, x1 - 1 - x0, 9],
    area: (x1 - x0) * 10,
    predictedIou: 0.9,
    stabilityScore: 1,
    point: [x0, 0],
    cropBox: [0, 0, 20, 10],
  };
}

describe('kept-mask agreement', () => {
  it('counts a reference mask as kept when some other mask has IoU >= 0.9', () => {
    // IoU of [0,10) and [0,9): 0.9 exactly (kept); [0,10) and [0,8): 0.8 (not kept).
    expect(keptMaskAgreement([band(0, 10)], [band(0, 9)])).toBe(1);
    expect(keptMaskAgreement([band(0, 10)], [band(0, 8)])).toBe(0);
    expect(keptMaskAgreement([band(0, 10), band(10, 20)], [band(10, 20), band(0, 5)])).toBe(0.5);
    expect(keptMaskAgreement([], [band(0, 5)])).toBe(1);
    expect(keptMaskAgreement([band(0, 5)], [])).toBe(0);
  });
});
