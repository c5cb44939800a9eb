import { describe, expect, it } from 'vitest';
import type { MaskPredictor } from '../../types';
import { generateMasks } from '../generator';
import { DenseLogits } from '../logits';
import { LowResLogits, tileLayout, type LowResMaskPredictor } from './index';
import { sparseKernel } from './kernel-host';
import { expectDenseAnswers, labelScene, LowResLabelPredictor, raggedMap, rng } from './maps.testing';
import { axisTable, upsampleGeometry, upsampleLowRes } from '../upsample';

/** A smooth random low-res map: a few bumps over a negative floor, some plateaus exactly at cutoffs. */
function blobMap(n: number, rand: () => number): Float32Array {
  const bumps = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => ({
    x: rand() * n,
    y: rand() * n,
    r: 2 + rand() * n * 0.3,
    a: 4 + rand() * 12,
  }));
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let v = -10;
      for (const b of bumps) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
      out[y * n + x] = v;
    }
  }
  // Single cells and 4x4 plateaus exactly at the cutoffs (-1, 0, 1), where strict comparisons matter.
  for (let i = 0; i < out.length; i += 97) out[i] = [-1, 0, 1][i % 3];
  for (let k = 0; k < 6; k++) {
    const x0 = Math.floor(rand() * (n - 4));
    const y0 = Math.floor(rand() * (n - 4));
    const v = [-1, 0, 1][k % 3];
    for (let y = y0; y < y0 + 4; y++) out.fill(v, y * n + x0, y * n + x0 + 4);
  }
  return out;
}

describe('low-res upsampling (Sam.postprocess_masks)', () => {
  it("uses torch's align_corners=False source indices", () => {
    const t = axisTable(256, 1024);
    // dst 0 -> src max(0.125 - 0.5, 0) = 0; dst 2 -> 0.625 - 0.5 = 0.125; last -> 255.375 -> lo 255 = hi.
    expect([t.lo[0], t.hi[0], t.wHi[0]]).toEqual([0, 1, 0]);
    expect([t.lo[2], t.hi[2], t.wHi[2]]).toEqual([0, 1, 0.125]);
    expect([t.lo[1023], t.hi[1023]]).toEqual([255, 255]);
  });

  it('resizes the long side to the frame as ResizeLongestSide', () => {
    const g = upsampleGeometry(256, 1024, 300, 360);
    expect([g.resizedW, g.resizedH]).toEqual([853, 1024]);
    const h = upsampleGeometry(256, 1024, 1500, 999);
    expect([h.resizedW, h.resizedH]).toEqual([1024, 682]);
  });

  it('keeps constants constant and stays within the range of the cells it reads', () => {
    const g = upsampleGeometry(16, 64, 50, 30);
    expect(new Set(upsampleLowRes(new Float32Array(256).fill(2.5), g))).toEqual(new Set([2.5]));
    const low = blobMap(16, rng(1));
    const up = upsampleLowRes(low, g);
    const lowMin = Math.min(...low);
    const lowMax = Math.max(...low);
    expect(Math.min(...up)).toBeGreaterThanOrEqual(lowMin);
    expect(Math.max(...up)).toBeLessThanOrEqual(lowMax);
  });
});

// Every answer is checked through the WASM kernel (the default where the runtime has one) and
// through the JS path it falls back to.
for (const [path, kernel] of [
  ['WASM kernel', true],
  ['JS', false],
] as const) {
  describe(path, () => {
    const k = () => (kernel ? sparseKernel() : null);
    /** Each case's maps through the sparse and the dense path: same stability, box, and RLE in a larger frame. */
    const sameAsDense = (
      cases: [number, number, number, number, number][],
      map: (lowSize: number, rand: () => number) => Float32Array,
      seed: (w: number, h: number) => number,
      cuts: number[][],
      frame: (w: number, h: number) => { x0: number; y0: number; w: number; h: number },
    ) => {
      for (const [lowSize, frameSize, w, h, maps] of cases) {
        it(`gives the dense answers for ${lowSize}->${frameSize}->${w}x${h}`, () => {
          const rand = rng(seed(w, h));
          const layout = tileLayout(upsampleGeometry(lowSize, frameSize, w, h));
          for (let t = 0; t < maps; t++) {
            const low = map(lowSize, rand);
            const sparse = new LowResLogits(low, layout, k());
            const dense = new DenseLogits(upsampleLowRes(low, layout.geometry), w, h);
            for (const [thr, off] of cuts) {
              expectDenseAnswers(sparse, dense, thr, off, frame(w, h));
              // Without stability() first, the map is cut at thr alone (the three cutoffs coincide).
              expect(new LowResLogits(low, layout, k()).box(thr)).toEqual(dense.box(thr));
            }
          }
        });
      }
    };

    describe(`sparse low-res path (${path})`, () => {
      sameAsDense(
        [
          [32, 128, 61, 47, 20],
          [32, 128, 200, 150, 20],
          [64, 256, 300, 360, 20],
          [256, 1024, 1500, 1000, 2],
        ],
        blobMap,
        (w, h) => w * 7 + h,
        [
          [0, 1],
          [0.5, 2],
          [-1, 0.25],
          [0.5, -0.75],
        ],
        (w, h) => ({ x0: 3, y0: 5, w: w + 10, h: h + 7 }),
      );
    });

    /**
     * A ragged random map: blobs of cells at very different levels (as decoders give along object
     * boundaries), noise straddling the cutoffs, and runs exactly at them, so that every block and tile
     * state occurs many times.
     */
    describe(`sparse low-res path on ragged maps (${path})`, () => {
      sameAsDense(
        [
          [256, 1024, 801, 533, 3],
          [256, 1024, 2250, 1500, 1],
          [256, 1024, 533, 801, 2],
          [64, 256, 97, 1000, 3],
          [32, 128, 17, 9, 20],
        ],
        raggedMap,
        (w, h) => w * 31 + h * 7,
        [
          [0, 1],
          [0.5, 2],
          [-1, 0.25],
          [0, 0],
        ],
        (w, h) => ({ x0: 2, y0: 1, w: w + 4, h: h + 3 }),
      );

      it('answers box and RLE at a threshold other than the last stability threshold', () => {
        const layout = tileLayout(upsampleGeometry(256, 1024, 801, 533));
        const low = raggedMap(256, rng(11));
        const sparse = new LowResLogits(low, layout, k());
        const dense = new DenseLogits(upsampleLowRes(low, layout.geometry), 801, 533);
        expect(sparse.stability(0, 1)).toEqual(dense.stability(0, 1));
        const box = dense.box(0.5);
        expect(sparse.box(0.5)).toEqual(box);
        expect(sparse.rleInFrame(0.5, box, 0, 0, 801, 533)).toEqual(dense.rleInFrame(0.5, box, 0, 0, 801, 533));
        // After an RLE the kept cut is released; asking again recomputes it.
        const box0 = dense.box(0);
        expect(sparse.box(0)).toEqual(box0);
        expect(sparse.rleInFrame(0, box0, 0, 0, 801, 533)).toEqual(dense.rleInFrame(0, box0, 0, 0, 801, 533));
      });

      it('does not depend on scratch left by another map of the same layout', () => {
        // Boxes of both maps first, then their RLEs in the other order, as the generator interleaves them.
        const layout = tileLayout(upsampleGeometry(256, 1024, 801, 533));
        const rand = rng(5);
        const a = raggedMap(256, rand);
        const b = raggedMap(256, rand);
        const sa = new LowResLogits(a, layout, k());
        const sb = new LowResLogits(b, layout, k());
        const boxA = sa.box(0);
        const boxB = sb.box(0);
        const rleB = sb.rleInFrame(0, boxB, 0, 0, 801, 533);
        const rleA = sa.rleInFrame(0, boxA, 0, 0, 801, 533);
        const dA = new DenseLogits(upsampleLowRes(a, layout.geometry), 801, 533);
        const dB = new DenseLogits(upsampleLowRes(b, layout.geometry), 801, 533);
        expect(rleA).toEqual(dA.rleInFrame(0, boxA, 0, 0, 801, 533));
        expect(rleB).toEqual(dB.rleInFrame(0, boxB, 0, 0, 801, 533));
      });

      it('answers as the dense path for maps with NaN and infinite cells', () => {
        const layout = tileLayout(upsampleGeometry(256, 1024, 801, 533));
        const rand = rng(21);
        const frame = { x0: 0, y0: 0, w: 801, h: 533 };
        const cases: [string, (m: Float32Array) => void][] = [
          // Inside a plateau far above every cutoff, where blocks are otherwise decided without pixels.
          [
            'NaN',
            (m) => {
              for (let y = 96; y < 120; y++) m.fill(5, y * 256 + 96, y * 256 + 120);
              m[108 * 256 + 108] = NaN;
              m[20000] = NaN;
            },
          ],
          ['+Infinity', (m) => m.fill(Infinity, 30000, 30010)],
          // At the map's corner the first frame rows and columns read cell 1 with weight 0: 0 * Infinity
          // makes those pixels NaN inside an otherwise decided plateau.
          [
            '+Infinity in a corner plateau',
            (m) => {
              for (let y = 0; y < 12; y++) m.fill(5, y * 256, y * 256 + 12);
              m[256 + 1] = Infinity;
            },
          ],
          [
            '-Infinity in a plateau',
            (m) => {
              for (let y = 96; y < 120; y++) m.fill(5, y * 256 + 96, y * 256 + 120);
              m[108 * 256 + 108] = -Infinity;
            },
          ],
          ['both infinities', (m) => (m.fill(Infinity, 100, 104), m.fill(-Infinity, 50000, 50004))],
        ];
        for (const [, poison] of cases) {
          const low = raggedMap(256, rand);
          poison(low);
          const dense = new DenseLogits(upsampleLowRes(low, layout.geometry), 801, 533);
          expectDenseAnswers(new LowResLogits(low, layout, k()), dense, 0, 1, frame);
          expectDenseAnswers(new LowResLogits(low, layout, k()), dense, 0.5, 2, frame);
        }
      });

      it('encodes a deferred RLE without the map: the batch buffer may be reused before it runs', () => {
        const layout = tileLayout(upsampleGeometry(256, 1024, 801, 533));
        const rand = rng(8);
        const a = raggedMap(256, rand);
        const empty = new Float32Array(256 * 256).fill(-5);
        const dA = new DenseLogits(upsampleLowRes(a, layout.geometry), 801, 533);
        const dE = new DenseLogits(upsampleLowRes(empty, layout.geometry), 801, 533);
        const sa = new LowResLogits(a, layout, k());
        const se = new LowResLogits(empty, layout, k());
        sa.stability(0, 1);
        const boxA = sa.box(0);
        const boxE = se.box(0);
        const laterA = sa.deferRleInFrame(0, boxA, 4, 2, 810, 540);
        const laterE = se.deferRleInFrame(0, boxE, 4, 2, 810, 540);
        // The next batch overwrites the buffer the maps were views of.
        a.set(raggedMap(256, rand));
        empty.fill(7);
        expect(laterA()).toEqual(dA.rleInFrame(0, boxA, 4, 2, 810, 540));
        expect(laterE()).toEqual(dE.rleInFrame(0, boxE, 4, 2, 810, 540));
      });
    });
  });
}

describe('generateMasks on low-res logits', () => {
  it('returns exactly what the full-resolution path returns, without asking for full maps', async () => {
    const options = { pointsPerSide: 10, pointsPerBatch: 16, cropNLayers: 1, minMaskRegionArea: 30, stabilityScoreThresh: 0.8 };
    const dense = new LowResLabelPredictor();
    const full = await generateMasks(labelScene(), dense, { ...options, useLowResLogits: false });
    const sparse = new LowResLabelPredictor();
    const fast = await generateMasks(labelScene(), sparse, options);
    expect(dense.denseCalls).toBeGreaterThan(0);
    expect(sparse.denseCalls).toBe(0);
    expect(full.length).toBeGreaterThan(3);
    expect(fast).toEqual(full);
    const js = await generateMasks(labelScene(), new LowResLabelPredictor(), { ...options, sparseKernel: false });
    expect(js).toEqual(full);
  });

  it('reports a predictor whose low-res maps have the wrong size', async () => {
    const p = new LowResLabelPredictor();
    const broken: MaskPredictor & LowResMaskPredictor = {
      setImage: (img) => p.setImage(img),
      predict: (pts) => p.predict(pts),
      predictLowRes: async (pts) => ({ ...(await p.predictLowRes(pts)), lowRes: new Float32Array(5) }),
    };
    await expect(generateMasks(labelScene(), broken, { pointsPerSide: 2 })).rejects.toMatchObject({ code: 'model-invalid' });
  });
});
