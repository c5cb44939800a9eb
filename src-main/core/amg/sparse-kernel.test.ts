// The WASM kernel against the JS path it replaces: the same counts and the same cut, array for
// array, on ragged maps; layouts it cannot take are handed back; the committed build is current.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyMap } from './sparse-classify';
import { KERNEL_MAX_BLOCK_WIDTH, newSparseKernel, sparseKernel } from './sparse-kernel';
import { blockBands, tileLayout } from './sparse-layout';
import { DenseLogits } from './logits';
import { LowResLogits } from './sparse';
import { expectDenseAnswers, raggedMap as raggedShape, rng } from './sparse-testing';
import { upsampleGeometry, upsampleLowRes } from './upsample';

/** Denser than sparse.test.ts's maps: more, larger rectangles nearer the cutoffs, no salt. */
const raggedMap = (n: number, rand: () => number) =>
  raggedShape(n, rand, { floor: -30, rects: 16, side: 0.4, levels: [12, 1, 0, -1, 0.3, -0.7, 3], jitter: [0.3, 4], salt: 0 });

function jsCuts(low: Float32Array, layout: ReturnType<typeof tileLayout>, lo: number, hi: number, t: number) {
  blockBands(low, layout, lo, t, hi, layout.bands);
  return classifyMap(low, layout, layout.bands, lo, hi, t);
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
    it(`gives the JS path's counts and cut, array for array, at ${lowSize}->${frame}->${w}x${h}`, () => {
      const kernel = sparseKernel()!;
      const layout = tileLayout(upsampleGeometry(lowSize, frame, w, h));
      const rand = rng(w * 31 + h);
      for (let k = 0; k < 6; k++) {
        const low = raggedMap(lowSize, rand);
        for (const [lo, hi, t] of [[-1, 1, 0], [0, 0, 0], [-0.5, 2, 0.5]]) {
          const want = jsCuts(low, layout, lo, hi, t);
          const got = kernel.classify(low, layout, lo, hi, t);
          expect(got).not.toBeNull();
          expect(got!.inter).toBe(want.inter);
          expect(got!.union).toBe(want.union);
          expect(got!.cut.state).toEqual(want.cut.state);
          expect(got!.cut.offset).toEqual(want.cut.offset);
          expect(got!.cut.colEdge).toEqual(want.cut.colEdge);
          expect(got!.cut.edges).toEqual(want.cut.edges);
        }
      }
    });
  }

  it('answers maps with NaN and infinite cells as the JS path does', () => {
    const layout = tileLayout(upsampleGeometry(256, 1024, 800, 534));
    const low = raggedMap(256, rng(5));
    low[100 * 256 + 40] = NaN;
    low[7] = Infinity;
    const want = jsCuts(low, layout, -1, 1, 0);
    const got = sparseKernel()!.classify(low, layout, -1, 1, 0)!;
    expect([got.inter, got.union]).toEqual([want.inter, want.union]);
    expect(got.cut.edges).toEqual(want.cut.edges);
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

  it('hands back a map whose cut has more edges than it has room for', () => {
    const layout = tileLayout(upsampleGeometry(256, 1024, 800, 534));
    const low = raggedMap(256, rng(9));
    const want = jsCuts(low, layout, -1, 1, 0);
    expect(want.cut.edges.length).toBeGreaterThan(10);
    expect(newSparseKernel({ maxEdges: want.cut.edges.length - 1 })!.classify(low, layout, -1, 1, 0)).toBeNull();
    const exact = newSparseKernel({ maxEdges: want.cut.edges.length })!.classify(low, layout, -1, 1, 0);
    expect(exact!.cut.edges).toEqual(want.cut.edges);
  });

  it('is built from the current source (npm run build:kernel)', async () => {
    // @ts-expect-error: a plain ES module script without type declarations.
    const build = (await import('../../../resources/scripts/build-kernel.mjs')) as { renderKernelModule(): Promise<string>; KERNEL_MODULE: string };
    expect(await build.renderKernelModule()).toBe(readFileSync(build.KERNEL_MODULE, 'utf8'));
  }, 60_000);
});
