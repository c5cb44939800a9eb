// Colours in test-sam's decoder: the space its colour distances are measured in, and the reference
// colour of a click (the colour of the material under it, found by mean shift over a window of cells
// around it, so that where exactly one clicks on an object (a dark speckle, the darker rim of a
// pepperoni, a shaded side) changes the reference little).

import { GraphBuilder } from './onnx-builder';
import { CHROMA_EPSILON, CHROMA_WEIGHT, LOG_LUMINANCE_WEIGHT, LOW_RES, REFERENCE_STEPS, REFERENCE_WINDOW } from './params';

/**
 * `rgb` is 1 x 3 x H x W in 0-1. Returns 1 x 3 x H x W: two opponent chromaticity axes (red-green,
 * yellow-blue of rgb / (r + g + b)) times CHROMA_WEIGHT, and the log of the brightness times
 * LOG_LUMINANCE_WEIGHT. Shading multiplies a colour (a curled rim, a dome, a shadow, the light
 * falling off across the board): that leaves chromaticity alone and shifts the log brightness by a
 * constant, so a material's shades lie close together while different materials stay apart.
 */
export function colourFeatures(g: GraphBuilder, rgb: string): string {
  const eps = g.scalar(CHROMA_EPSILON);
  const sum = g.add(g.op('ReduceSum', [rgb, g.ints([1])], { keepdims: 1 }), g.scalar(3 * CHROMA_EPSILON));
  const chroma = g.div(g.add(rgb, eps), sum);
  const w = CHROMA_WEIGHT;
  const opponent = [w / Math.SQRT2, -w / Math.SQRT2, 0, w / Math.sqrt(6), w / Math.sqrt(6), (-2 * w) / Math.sqrt(6)];
  const axes = g.op('Conv', [chroma, g.floats(opponent, [2, 3, 1, 1], 'opponent')]);
  const light = g.mul(g.op('Log', [g.mul(sum, g.scalar(1 / 3))]), g.scalar(LOG_LUMINANCE_WEIGHT));
  return g.op('Concat', [axes, light], { axis: 1 });
}

/**
 * `flat` is C x 256^2: colours in distance space (first 3 channels), then any others to average
 * with the same weights (test-sam passes RGB too); `cx`/`cy` the clicked cells (B x N x 1 floats).
 * Returns B x N x C: starting from the clicked cell's colour, one mean-shift step per entry of
 * REFERENCE_STEPS over the REFERENCE_WINDOW^2 cells around the click, each cell weighted by its
 * colour's similarity to the current estimate and by its nearness to the click (two Gaussians, of
 * the step's widths). The first step, wide in colour but over the nearest cells only, settles a
 * click on an in-between cell (a 4 px cell across an edge mixes two colours) on the material that
 * covers most of it; the later ones, narrow in colour but over more cells, settle in the middle of
 * that material's shades, ignoring other materials in the window.
 */
export function referenceColours(g: GraphBuilder, flat: string, cx: string, cy: string): string {
  const r = (REFERENCE_WINDOW - 1) / 2;
  const dx: number[] = [];
  const dy: number[] = [];
  for (let j = -r; j <= r; j++) {
    for (let i = -r; i <= r; i++) {
      dx.push(i);
      dy.push(j);
    }
  }
  const n = dx.length;
  const clip = (v: string) => g.op('Clip', [v, g.scalar(0), g.scalar(LOW_RES - 1)]);
  const nx = clip(g.add(cx, g.floats(dx, [n], 'win_dx')));
  const ny = clip(g.add(cy, g.floats(dy, [n], 'win_dy')));
  const index = g.op('Cast', [g.add(g.mul(ny, g.scalar(LOW_RES)), nx)], { to: 7 }); // B x N x n
  const hood = g.op('Transpose', [g.op('Gather', [flat, index], { axis: 1 })], { perm: [1, 2, 3, 0] }); // B x N x n x C
  const centre = (n - 1) / 2;
  let ref = g.op('Slice', [hood, g.ints([centre]), g.ints([centre + 1]), g.ints([2])]); // B x N x 1 x C
  for (const { colour, space } of REFERENCE_STEPS) {
    const near = dx.map((x, k) => Math.exp(-(x * x + dy[k] * dy[k]) / (2 * space ** 2)));
    const diff = g.op('Slice', [g.sub(hood, ref), g.ints([0]), g.ints([3]), g.ints([3])]);
    const gap = g.op('ReduceSum', [g.mul(diff, diff), g.ints([3])], { keepdims: 1 }); // B x N x n x 1
    const w = g.mul(g.op('Exp', [g.mul(gap, g.scalar(-1 / (2 * colour ** 2)))]), g.floats(near, [n, 1], 'win_near'));
    const sumW = g.op('ReduceSum', [w, g.ints([2])], { keepdims: 1 });
    ref = g.div(g.op('ReduceSum', [g.mul(hood, w), g.ints([2])], { keepdims: 1 }), sumW);
  }
  return g.op('Squeeze', [ref, g.ints([2])]); // B x N x C
}

/**
 * `flat` (C x 256^2) with its squared column norms appended as a last row: (C + 1) x 256^2. With
 * it one MatMul gives |x|^2 - 2 x.r (see squaredDistances), no separate full-size Add.
 */
export function withNorms(g: GraphBuilder, flat: string): string {
  return g.op('Concat', [flat, g.op('ReduceSum', [g.mul(flat, flat), g.ints([0])], { keepdims: 1 })], { axis: 0 });
}

/**
 * Squared Euclidean distances of every cell of `flatN` (from withNorms) to every row of `ref`
 * (... x N x C or ... x C), plus `extra` (same shape as the rows' norms, e.g. a large number for
 * rows to ignore): [-2 r, 1] . [x, |x|^2] + |r|^2 + extra. Returns ... x N x 256^2 (or ... x 256^2).
 */
export function squaredDistances(g: GraphBuilder, flatN: string, ref: string, extra?: string): string {
  const r2 = g.op('ReduceSum', [g.mul(ref, ref), g.ints([-1])], { keepdims: 1 });
  const ones = g.op('Add', [g.op('Mul', [r2, g.scalar(0)]), g.scalar(1)]); // same shape as r2
  const cross = g.op('MatMul', [g.op('Concat', [g.mul(ref, g.scalar(-2)), ones], { axis: -1 }), flatN]);
  return g.add(cross, extra ? g.add(r2, extra) : r2);
}

/** Euclidean distances as above. */
export function distances(g: GraphBuilder, flatN: string, ref: string): string {
  return g.op('Sqrt', [g.op('Relu', [squaredDistances(g, flatN, ref)])]);
}
