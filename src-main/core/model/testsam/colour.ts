// Colours in test-sam's decoder: the space its colour distances are measured in, and the reference
// colour of a click (the colour of the material under it, found by mean shift over a window of cells
// around it, so that where exactly one clicks on an object (a dark speckle, the darker rim of a
// pepperoni, a shaded side) changes the reference little).

import { GraphBuilder } from './onnxBuilder';
import {
  CHROMA_EPSILON,
  CHROMA_WEIGHT,
  LOG_LUMINANCE_WEIGHT,
  LOW_RES,
  REFERENCE_SIGMA,
  REFERENCE_SPATIAL_SIGMA,
  REFERENCE_STEPS,
  REFERENCE_WINDOW,
} from './params';

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
 * `flat` is 3 x 256^2 (colours in distance space), `cx`/`cy` the clicked cells (B x N x 1 floats).
 * Returns B x N x 3: starting from the clicked cell's colour, REFERENCE_STEPS mean-shift steps over
 * the REFERENCE_WINDOW^2 cells around the click, weighted by colour similarity to the current
 * estimate (Gaussian, REFERENCE_SIGMA) and by nearness to the click (Gaussian, REFERENCE_SPATIAL_SIGMA).
 * A kernel about as wide as the spread of one material's shades converges to the middle of that
 * material's colours, while other materials in the window (weights ~ exp(-4) and less) do not count.
 */
export function referenceColours(g: GraphBuilder, flat: string, cx: string, cy: string): string {
  const r = (REFERENCE_WINDOW - 1) / 2;
  const dx: number[] = [];
  const dy: number[] = [];
  const near: number[] = [];
  for (let j = -r; j <= r; j++) {
    for (let i = -r; i <= r; i++) {
      dx.push(i);
      dy.push(j);
      near.push(Math.exp(-(i * i + j * j) / (2 * REFERENCE_SPATIAL_SIGMA ** 2)));
    }
  }
  const n = dx.length;
  const clip = (v: string) => g.op('Clip', [v, g.scalar(0), g.scalar(LOW_RES - 1)]);
  const nx = clip(g.add(cx, g.floats(dx, [n], 'win_dx')));
  const ny = clip(g.add(cy, g.floats(dy, [n], 'win_dy')));
  const index = g.op('Cast', [g.add(g.mul(ny, g.scalar(LOW_RES)), nx)], { to: 7 }); // B x N x n
  const hood = g.op('Transpose', [g.op('Gather', [flat, index], { axis: 1 })], { perm: [1, 2, 3, 0] }); // B x N x n x 3
  const spatial = g.floats(near, [n, 1], 'win_near');
  const centre = (n - 1) / 2;
  let ref = g.op('Slice', [hood, g.ints([centre]), g.ints([centre + 1]), g.ints([2])]); // B x N x 1 x 3
  for (let s = 0; s < REFERENCE_STEPS; s++) {
    const diff = g.sub(hood, ref);
    const gap = g.op('ReduceSum', [g.mul(diff, diff), g.ints([3])], { keepdims: 1 }); // B x N x n x 1
    const w = g.mul(g.op('Exp', [g.mul(gap, g.scalar(-1 / (2 * REFERENCE_SIGMA ** 2)))]), spatial);
    const sumW = g.op('ReduceSum', [w, g.ints([2])], { keepdims: 1 });
    ref = g.div(g.op('ReduceSum', [g.mul(hood, w), g.ints([2])], { keepdims: 1 }), sumW);
  }
  return g.op('Squeeze', [ref, g.ints([2])]); // B x N x 3
}
