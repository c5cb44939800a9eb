// The WASM kernel against the JS path it replaces: the same counts, box and cut (array for array,
// once trimmed to the box's block rows as the kernel's is) on ragged maps; a map's box and cut are
// re-read after another map has been classified; layouts it cannot take are handed back; the
// committed build is current.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyMap } from './classify';
import { KERNEL_MAX_BLOCK_WIDTH, newSparseKernel, sparseKernel, type SparseKernel } from './kernel-host';
import { blockBands, tileLayout, type TileLayout } from './layout';
import { bitOffsets, cutBox, cutRleInFrame, trimCut } from './rle';
import { DenseLogits } from '../logits';
import { LowResLogits } from './index';
import { expectDenseAnswers, raggedMap as raggedShape, rng } from './maps.testing';
import { upsampleGeometry, upsampleLowRes } from '../upsample';

/** Denser than sparse.test.ts's maps: more, larger rectangles nearer the cutoffs, no salt. */
const raggedMap = (n: number, rand: () => number) =>
  raggedShape(n, rand, { floor: -30, rects: 16, side: 0.4, levels: [12, 1, 0, -1, 0.3, -0.7, 3], jitter: [0.3, 4], salt: 0 });

function jsCuts(low: Float32Array, layout: ReturnType<typeof tileLayout>, lo: number, hi: number, t: number) {
  blockBands(low, layout, lo, t, hi, layout.bands);
  return classifyMap(low, layout, layout.bands, lo, hi, t);
}

/**
 * The kernel's answers for a map against the JS path's: counts, box, the cut's RLE, and with
 * `sameCut` the trimmed cut itself, array for array.
 */
function expectSameAsJs(
  kernel: SparseKernel,
  low: Float32Array,
  layout: TileLayout,
  lo: number,
  hi: number,
  t: number,
  sameCut = true,
): void {
  const want = jsCuts(low, layout, lo, hi, t);
  const got = kernel.classify(low, layout, lo, hi, t);
  expect(got).not.toBeNull();
  expect(got!.inter).toBe(want.inter);
  expect(got!.union).toBe(want.union);
  const box = kernel.box();
  expect(box).toEqual(cutBox(want.cut, layout));
  const cut = kernel.takeCut(box);
  if (sameCut) expect(cut).toEqual(trimCut({ ...want.cut, at: bitOffsets(want.cut, layout) }, layout, box));
  if (box[2] > 0 || box[3] > 0) {
    const { outW, outH } = layout.geometry;
    expect(cutRleInFrame(cut, layout, box, 3, 2, outW + 5, outH + 4)).toEqual(
      cutRleInFrame(want.cut, layout, box, 3, 2, outW + 5, outH + 4),
    );
  }
}

describe('sparse WASM kernel', () => {
  it('is available under Node (WebAssembly SIMD)', () => {
    expect(sparseKernel()).not.toBeNull();
  });

  const sizes: [number, number, number, number][] = [
    [256, 1024, 800, 534],
    [256, 1024, 534, 800],
    [256, 1024, 2250, 1500],
    [64, 256, 301, 97],
    [32, 128, 61, 47],
  ];
  for (const [lowSize, frame, w, h] of sizes) {
    it(`gives the JS path's counts, box and cut at ${lowSize}->${frame}->${w}x${h}`, () => {
      const kernel = sparseKernel()!;
      const layout = tileLayout(upsampleGeometry(lowSize, frame, w, h));
      const rand = rng(w * 31 + h);
      for (let k = 0; k < 6; k++) {
        const low = raggedMap(lowSize, rand);
        for (const [lo, hi, t] of [
          [-1, 1, 0],
          [0, 0, 0],
          [-0.5, 2, 0.5],
        ])
          expectSameAsJs(kernel, low, layout, lo, hi, t);
      }
    });
  }

  it('answers maps with NaN and infinite cells as the JS path does', () => {
    const layout = tileLayout(upsampleGeometry(256, 1024, 800, 534));
    const low = raggedMap(256, rng(5));
    low[100 * 256 + 40] = NaN;
    low[7] = Infinity;
    expectSameAsJs(sparseKernel()!, low, layout, -1, 1, 0);
    // -Infinity: the JS path evaluates only the blocks that read it exactly (an infinite margin
    // there), the kernel every block (its one map-wide margin is infinite), so their cuts' block
    // states differ while every answer agrees.
    low[7] = -Infinity;
    low[100 * 256 + 40] = 0;
    expectSameAsJs(sparseKernel()!, low, layout, -1, 1, 0, false);
  });

  it("reads a map's box again after another map took the kernel", () => {
    const layout = tileLayout(upsampleGeometry(256, 1024, 800, 534));
    const rand = rng(12);
    const maps = [raggedMap(256, rand), raggedMap(256, rand)];
    const sparse = maps.map((low) => new LowResLogits(low, layout));
    const dense = maps.map((low) => new DenseLogits(upsampleLowRes(low, layout.geometry), 800, 534));
    // Both stabilities first, as SAM's batch-wide filters would ask: the first map's cut has left
    // the kernel by the time its box is asked for.
    expect(sparse.map((s) => s.stability(0, 1))).toEqual(dense.map((d) => d.stability(0, 1)));
    for (let i = 0; i < 2; i++) {
      const box = sparse[i].box(0);
      expect(box).toEqual(dense[i].box(0));
      expect(sparse[i].rleInFrame(0, box, 0, 0, 800, 534)).toEqual(dense[i].rleInFrame(0, box, 0, 0, 800, 534));
    }
  });

  it(`hands back a layout whose blocks are wider than ${KERNEL_MAX_BLOCK_WIDTH} pixels`, () => {
    // 4 low-res cells of a 256-cell map across 6000 pixels: ~94 pixels per block.
    const layout = tileLayout(upsampleGeometry(256, 1024, 6000, 200));
    const low = raggedMap(256, rng(4));
    expect(sparseKernel()!.classify(low, layout, -1, 1, 0)).toBeNull();
    // LowResLogits then answers from the JS path, as the dense path does.
    const dense = new DenseLogits(upsampleLowRes(low, layout.geometry), 6000, 200);
    expectDenseAnswers(new LowResLogits(low, layout), dense, 0, 1, { x0: 0, y0: 0, w: 6000, h: 200 });
  });

  it('hands back a layout whose block column reads more than 8 low-res cells', () => {
    // No real geometry does this (a block column's taps span at most 6 cells): one pixel's taps are
    // moved 6 cells right by hand, past what the horizontal pass loads.
    const layout = tileLayout(upsampleGeometry(256, 1024, 800, 534));
    const low = raggedMap(256, rng(8));
    expect(newSparseKernel()!.classify(low, layout, -1, 1, 0)).not.toBeNull();
    const moved = tileLayout(upsampleGeometry(256, 1024, 800, 534));
    moved.taps.cols.first[moved.cols.blockPix[3] + 1] += 6;
    expect(newSparseKernel()!.classify(low, moved, -1, 1, 0)).toBeNull();
  });

  it('is built from the current source (npm run build:kernel)', async () => {
    // @ts-expect-error: a plain ES module script without type declarations.
    const build = (await import('../../../../resources/scripts/build-kernel.mjs')) as {
      renderKernelModule(): Promise<string>;
      KERNEL_MODULE: string;
    };
    expect(await build.renderKernelModule()).toBe(readFileSync(build.KERNEL_MODULE, 'utf8'));
  }, 60_000);
});
