// The sparse low-res path (amg/sparse.ts, fed by predictLowRes) against the full-resolution path
// (the runtime upsamples every multimask map to the image size, model/postprocess.ts) on real
// photos through the real ONNX runtime with test-sam: the two implementations of SAM's upsampling
// are independent, so agreement here checks both.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateMasks } from '../amg/generator';
import type { AmgOptions } from '../amg/options';
import { loadImage } from '../image/load';
import { rleIou } from '../mask';
import type { AmgMask } from '../types';
import { lowResPredictor } from './low-res-predictor';
import { OnnxPredictor } from './predictor';
import { useTestSam } from './test-model.testing';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../..');
const photos = resolve(repoRoot, '../shared/photos');
const testSam = useTestSam('lowres');

interface Pairing {
  minIou: number;
  unmatched: number;
}

/**
 * Pairs each sparse mask with the full-path mask of the same prompt point and crop that overlaps it
 * most (a point keeps up to three masks, so the point alone is not a key); one to one.
 */
function pair(sparse: AmgMask[], full: AmgMask[]): Pairing {
  const used = new Set<number>();
  let minIou = 1;
  let unmatched = 0;
  for (const s of sparse) {
    let best = -1;
    let bestIou = -1;
    full.forEach((f, j) => {
      if (used.has(j) || f.point[0] !== s.point[0] || f.point[1] !== s.point[1]) return;
      if (f.cropBox.join() !== s.cropBox.join()) return;
      const iou = rleIou(s.rle, f.rle);
      if (iou > bestIou) [best, bestIou] = [j, iou];
    });
    if (best < 0) unmatched++;
    else {
      used.add(best);
      minIou = Math.min(minIou, bestIou);
    }
  }
  return { minIou, unmatched };
}

async function both(file: string, options: Partial<AmgOptions>): Promise<{ sparse: AmgMask[]; full: AmgMask[] }> {
  const { image } = await loadImage(join(photos, file));
  const p = lowResPredictor(new OnnxPredictor(testSam()));
  const sparse = await generateMasks(image, p, { ...options, useLowResLogits: true });
  const full = await generateMasks(image, p, { ...options, useLowResLogits: false });
  return { sparse, full };
}

describe('sparse low-res AMG path equals the full-resolution path (test-sam, real photos)', () => {
  it.each([
    ['bulldog.jpg', { pointsPerSide: 8 }],
    ['dogs-beach.jpg', { pointsPerSide: 8 }],
    ['truck.jpg', { pointsPerSide: 4, cropNLayers: 1, cropNPointsDownscaleFactor: 1 }],
  ] as const)('%s %o', async (file, options) => {
    const { sparse, full } = await both(file, options);
    // An empty result on both sides would prove nothing.
    expect(full.length).toBeGreaterThan(0);
    expect(sparse.length).toBe(full.length);
    const { minIou, unmatched } = pair(sparse, full);
    expect(unmatched).toBe(0);
    expect(minIou).toBeGreaterThanOrEqual(0.99);
    // Same kept set: the same prompts with the same predicted IoUs survive the filters and NMS.
    const key = (m: AmgMask) => `${m.point.join(',')}|${m.cropBox.join(',')}|${m.predictedIou.toFixed(6)}`;
    expect(sparse.map(key).sort()).toEqual(full.map(key).sort());
    for (const s of sparse) {
      const f = full.find((x) => key(x) === key(s) && rleIou(x.rle, s.rle) >= 0.99) as AmgMask;
      expect(Math.abs(f.stabilityScore - s.stabilityScore)).toBeLessThan(0.01);
      expect(Math.abs(f.area - s.area) / Math.max(1, f.area)).toBeLessThan(0.01);
    }
  });
});
