// test-sam's decoder on small hand-drawn scenes where the right answer is known exactly: whole
// objects whatever the click, thin rings, the object around a hole, and scores that rate whole
// objects above regions cut off inside a material. Through the real ONNX runtime.

import { describe, expect, it } from 'vitest';
import type { BinaryMask, RgbImage } from '../../types';
import type { DecodeResult } from '../runtime';
import { useTestSam } from '../test-model.testing';

const testSam = useTestSam('behaviour');

type Rgb = readonly [number, number, number];
// The size of the synthetic pizzas (synth/pizza.ts), with objects of their sizes: a pepperoni's
// radius is 22-34 px, an olive's 11-15 px with a hole of 4-6 px.
const W = 768;
const H = 576;
const CREAM: Rgb = [247, 226, 156];
const RED: Rgb = [182, 38, 32];
const BLACK: Rgb = [36, 33, 36];

/** A scene painted pixel by pixel, with the seed-free +/-3 level ripple of a sensor. */
function paint(colour: (x: number, y: number) => Rgb): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = colour(x + 0.5, y + 0.5);
      const ripple = ((x * 7 + y * 13) % 7) - 3;
      for (let k = 0; k < 3; k++) data[(y * W + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(c[k] + ripple)));
    }
  }
  return { width: W, height: H, data };
}

function maskOf(inside: (x: number, y: number) => boolean): BinaryMask {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = inside(x + 0.5, y + 0.5) ? 1 : 0;
  return { width: W, height: H, data };
}

const scale = (c: Rgb, f: number): Rgb => [c[0] * f, c[1] * f, c[2] * f];
const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

/** Mask of output j of prompt i (logit > 0), its IoU with `gt`, and the AMG's default filters. */
function output(r: DecodeResult, i: number, j: number) {
  const plane = r.width * r.height;
  const off = (i * r.m + j) * plane;
  const data = new Uint8Array(plane);
  let hi = 0;
  let lo = 0;
  for (let p = 0; p < plane; p++) {
    const v = r.masks![off + p];
    if (v > 0) data[p] = 1;
    if (v > 1) hi++;
    if (v > -1) lo++;
  }
  const stability = lo === 0 ? 0 : hi / lo;
  const predicted = r.iou[i * r.m + j];
  // SAM's defaults (automatic_mask_generator.py): pred_iou_thresh 0.88, stability_score_thresh 0.95.
  return {
    mask: { width: r.width, height: r.height, data } as BinaryMask,
    predicted,
    stability,
    kept: predicted > 0.88 && stability >= 0.95,
  };
}

function iou(a: BinaryMask, b: BinaryMask): number {
  let inter = 0;
  let union = 0;
  for (let p = 0; p < a.data.length; p++) {
    if (a.data[p] && b.data[p]) inter++;
    if (a.data[p] || b.data[p]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

async function decode(image: RgbImage, clicks: [number, number][]): Promise<DecodeResult> {
  const embedding = await testSam().encode(image);
  return testSam().decode(
    embedding,
    clicks.map((p) => ({ points: [p] })),
    { tokens: 'multimask' },
  );
}

describe('test-sam decoder on hand-drawn scenes', () => {
  it('returns the whole slice wherever one clicks on it: centre, dark rim, dark speckle, near the edge', async () => {
    // A pepperoni-like disc: a darker curled rim (0.82, as synth/paint.ts) and dark speckles.
    const inSlice = disc(380, 280, 32);
    const image = paint((x, y) => {
      if (!inSlice(x, y)) return CREAM;
      const rel = Math.hypot(x - 380, y - 280) / 32;
      const speckle = (Math.floor(x / 3) * 3 + Math.floor(y / 3) * 5) % 11 === 0;
      return scale(RED, (rel > 0.86 ? 0.82 : 1) * (speckle ? 0.75 : 1));
    });
    const gt = maskOf(inSlice);
    const clicks: [number, number][] = [
      [380, 280],
      [380, 250],
      [352, 285],
      [400, 302],
      [371, 259],
    ];
    const r = await decode(image, clicks);
    const kept = clicks.map((_, i) => [0, 1, 2].map((j) => output(r, i, j)).filter((o) => o.kept));
    for (const outs of kept) {
      expect(outs.length).toBeGreaterThan(0);
      for (const o of outs) expect(iou(o.mask, gt)).toBeGreaterThan(0.9);
    }
    // ...so the different clicks agree with each other: one segment, not several partial ones.
    const first = kept[0][0].mask;
    for (const outs of kept.slice(1)) for (const o of outs) expect(iou(o.mask, first)).toBeGreaterThan(0.93);
  });

  it('returns a thin ring (an olive slice) from every output, and keeps it', async () => {
    const ring = (x: number, y: number) => disc(380, 280, 13)(x, y) && !disc(380, 280, 5)(x, y);
    const image = paint((x, y) => (ring(x, y) ? BLACK : CREAM));
    const gt = maskOf(ring);
    const r = await decode(image, [[380, 271]]);
    for (const j of [0, 1, 2]) {
      const o = output(r, 0, j);
      expect(iou(o.mask, gt)).toBeGreaterThan(0.75);
      expect(o.kept).toBe(true);
    }
  });

  it('answers a click in the hole of a ring with the whole ring, hole included, from the widest output', async () => {
    const outer = disc(380, 280, 13);
    const image = paint((x, y) => (outer(x, y) && !disc(380, 280, 5)(x, y) ? BLACK : CREAM));
    const r = await decode(image, [[380, 280]]);
    // The narrow outputs give the hole itself (cream, like the background, but enclosed)...
    const hole = maskOf(disc(380, 280, 5));
    expect(iou(output(r, 0, 0).mask, hole)).toBeGreaterThan(0.5);
    // ...the widest the object around it, as SAM's largest mask would.
    const whole = output(r, 0, 2);
    expect(iou(whole.mask, maskOf(outer))).toBeGreaterThan(0.85);
    expect(whole.kept).toBe(true);
  });

  it('rates a region cut off inside a smooth shading lower than a whole object with crisp edges', async () => {
    // Left: a red disc on cream. Right: a long ramp from cream to orange with no edge at all; a
    // click on it selects the part of the ramp within the tolerance, bounded by nothing real.
    const inDisc = disc(180, 280, 32);
    const ramp = (x: number): Rgb => {
      const t = Math.max(0, Math.min(1, (x - 400) / 360));
      return [247 - 20 * t, 226 - 120 * t, 156 - 120 * t];
    };
    const image = paint((x, y) => (x < 380 ? (inDisc(x, y) ? RED : CREAM) : ramp(x)));
    const r = await decode(image, [
      [180, 280],
      [580, 280],
    ]);
    const whole = [0, 1, 2].map((j) => output(r, 0, j));
    const cut = [0, 1, 2].map((j) => output(r, 1, j));
    for (const o of whole) expect(o.predicted).toBeGreaterThan(0.95);
    for (const o of cut) {
      // Whatever the ramp's region is, it has no crisp outline towards the orange end.
      expect(o.predicted).toBeLessThan(0.88);
      expect(o.kept).toBe(false);
    }
  });

  it('cuts two touching slices apart in its opened outputs and rates their merged plain region lower', async () => {
    // Overlapping by 2 px: joined by a neck a few cells wide, as touching pepperoni on the pizzas.
    const a = disc(330, 280, 30);
    const b = disc(388, 280, 30);
    const image = paint((x, y) => (a(x, y) || b(x, y) ? RED : CREAM));
    const r = await decode(image, [[320, 280]]);
    const merged = output(r, 0, 0); // plain: touching objects of one colour merge
    const single = output(r, 0, 1); // opened: the neck between them is cut
    expect(
      iou(
        merged.mask,
        maskOf((x, y) => a(x, y) || b(x, y)),
      ),
    ).toBeGreaterThan(0.9);
    expect(
      iou(
        single.mask,
        maskOf((x, y) => a(x, y) && x < 359),
      ),
    ).toBeGreaterThan(0.9);
    expect(single.kept).toBe(true);
    expect(merged.kept).toBe(false);
    expect(merged.predicted).toBeLessThan(single.predicted - 0.2);
  });
});
