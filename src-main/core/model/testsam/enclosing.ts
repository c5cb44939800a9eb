// The enclosing object: a click inside a small hole (the cheese showing through an olive ring, a
// vein of a basil leaf) asks SAM for the hole, and its widest output is the thing around it, hole
// included. Here: when the plain region of a click is small and the cells just around it share one
// colour, grow that colour a few cells outwards from there; the hole, the mixed cells around it and
// that ring are the enclosing object. test-sam's widest token returns it instead of its usual region.

import { squaredDistances } from './colour';
import { growLoop } from './growth';
import { edgeMaps } from './logits';
import { GraphBuilder } from './onnx-builder';
import {
  DISTANCE_CLIP,
  ENCLOSING_ITERATIONS,
  FAR,
  ENCLOSING_SPREAD,
  ENCLOSING_WINDOW,
  GROWTH_CAP,
  HOLE_MAX_CELLS,
  LOW_RES,
} from './params';

const CELLS = LOW_RES * LOW_RES;
const W = ENCLOSING_WINDOW;
const POOL3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
const POOL5 = { kernel_shape: [5, 5], pads: [2, 2, 2, 2], strides: [1, 1] };

export interface EnclosingInputs {
  /** 3 x 256^2 cell colours in distance space and in RGB, and the same with norms (colour.ts withNorms). */
  flatN: string;
  rgbN: string;
  /** B x 1 x 256 x 256 minus the plain minimax distance from the click. */
  negPlain: string;
  /** B x 1 each: the first point's cell (column, row as floats) and its index (int64). */
  cx: string;
  cy: string;
  index: string;
  /** The tolerance that makes a cell part of the hole (the plain output's). */
  holeTolerance: number;
  /** The tolerance of the enclosing output (for its area). */
  tolerance: number;
  /** 256^2 cost added to cells outside the image (0 inside, large outside). */
  outsideCost: string;
}

export interface Enclosing {
  /** B x 1 x 256 x 256: minus the distance: 0 in the hole (and its mixed outline), minus the ring's minimax distance around it. */
  negDistance: string;
  /** B x 1 x 256 x 256: edgeMaps (logits.ts) against the ring's colour, the hole counting as that colour (0 away from the click). */
  edge: string;
  strength: string;
  /** B x 1 x 1 x 1 bool: the click was in a small hole with a uniform surround. */
  applies: string;
  /** B x 1: the object's area at `tolerance`, counted on 2 x 2 blocks (4 cells per block with any cell in). */
  area: string;
  /** B x 1 each: the hole's cells and the outline's colour spread (for tests and tuning). */
  holeArea: string;
  spread: string;
}

/**
 * All of it within a window of ENCLOSING_WINDOW^2 cells around the click (the object around a hole
 * small enough to count is small too): gathered from the full maps, worked on, scattered back.
 */
export function enclosingObject(g: GraphBuilder, x: EnclosingInputs): Enclosing {
  const c = (v: number) => g.scalar(v);
  const win = g.ints([-1, 1, W, W]);
  const flatWin = g.ints([-1, W * W]);
  // The window's cells: its corner kept inside the grid, so no cell is taken twice.
  const corner = (v: string) => g.op('Clip', [g.sub(v, c(W / 2)), c(0), c(LOW_RES - W)]);
  const offsets = g.floats(
    Array.from({ length: W * W }, (_, k) => Math.floor(k / W) * LOW_RES + (k % W)),
    [1, W * W],
    'window_offsets',
  );
  const index = g.op('Cast', [g.add(g.add(g.mul(corner(x.cy), c(LOW_RES)), corner(x.cx)), offsets)], { to: 7 }); // B x W^2
  const take = (full: string) => g.op('GatherElements', [g.op('Reshape', [full, g.ints([-1, CELLS])]), index], { axis: 1 }); // B x W^2
  const takeColours = (flatN: string) => g.op('Transpose', [g.op('Gather', [flatN, index], { axis: 1 })], { perm: [1, 0, 2] }); // B x 4 x W^2

  // The hole: the plain region, and the clicked cell even when its colour is not the reference's
  // (a mixed cell in a tiny hole).
  const clicked = g.op('Equal', [index, x.index]);
  const hole = g.op('Reshape', [
    g.op('Cast', [g.op('Or', [g.op('Greater', [take(x.negPlain), c(-x.holeTolerance)]), clicked])], { to: 1 }),
    win,
  ]);
  const holeArea = g.op('ReduceSum', [g.op('Reshape', [hole, flatWin]), g.ints([1])], { keepdims: 1 }); // B x 1
  // The cells right around the hole mix its colour with the ring's; the next ones out are the ring's.
  const near = g.op('MaxPool', [hole], POOL3);
  const outline = g.sub(g.op('MaxPool', [hole], POOL5), near);
  const ring = g.op('Reshape', [outline, g.ints([-1, 1, W * W])]); // B x 1 x W^2
  const ringCells = g.op('Max', [g.op('ReduceSum', [ring, g.ints([2])], { keepdims: 1 }), c(1)]); // B x 1 x 1

  // The outline's mean colour and spread (root mean square distance to that mean).
  const colours = takeColours(x.flatN);
  const rgbColours = takeColours(x.rgbN);
  const meanOf = (cols: string) =>
    g.div(
      g.op('MatMul', [ring, g.op('Transpose', [g.op('Slice', [cols, g.ints([0]), g.ints([3]), g.ints([1])])], { perm: [0, 2, 1] })]),
      ringCells,
    ); // B x 1 x 3
  const d2 = g.op('Relu', [squaredDistances(g, colours, meanOf(colours))]); // B x 1 x W^2
  const spread = g.op('Reshape', [
    g.op('Sqrt', [g.div(g.op('ReduceSum', [g.mul(d2, ring), g.ints([2])], { keepdims: 1 }), ringCells)]),
    g.ints([-1, 1]),
  ]);
  const applies = g.op('Reshape', [
    g.op('And', [g.op('Less', [holeArea, c(HOLE_MAX_CELLS + 0.5)]), g.op('Less', [spread, c(ENCLOSING_SPREAD)])]),
    g.ints([-1, 1, 1, 1]),
  ]);

  // Grow the outline's colour from the outline, a few fine steps (rings around small holes are thin).
  const d = g.op('Sqrt', [d2]);
  const outside = g.op('Reshape', [g.op('Gather', [x.outsideCost, index], { axis: 0 }), g.ints([-1, 1, W * W])]);
  const negCost = g.op('Neg', [g.op('Reshape', [g.op('Min', [g.add(d, outside), c(GROWTH_CAP)]), win])]);
  const start = g.op('Where', [g.op('Greater', [outline, c(0.5)]), negCost, c(-GROWTH_CAP)]);
  const negGrown = growLoop(g, start, negCost, ENCLOSING_ITERATIONS, 'enclosing', false);
  const negDistance = g.op('Max', [negGrown, g.mul(g.sub(near, c(1)), c(GROWTH_CAP))]); // 0 in the hole and around it
  const blocks = g.op('MaxPool', [negDistance], { kernel_shape: [2, 2], strides: [2, 2] });
  const area = g.mul(
    g.op(
      'ReduceSum',
      [g.op('Cast', [g.op('Greater', [g.op('Reshape', [blocks, g.ints([-1, (W * W) / 4])]), c(-x.tolerance)])], { to: 1 }), g.ints([1])],
      { keepdims: 1 },
    ),
    c(4),
  );

  // The hole belongs to the object whatever its colour: it counts as the ring's colour there.
  const notHole = g.op('Reshape', [g.sub(c(1), near), g.ints([-1, 1, W * W])]);
  const own = g.op('Reshape', [g.mul(g.op('Min', [d, c(DISTANCE_CLIP)]), notHole), win]);
  const rgb = g.op('Reshape', [g.mul(g.op('Sqrt', [g.op('Relu', [squaredDistances(g, rgbColours, meanOf(rgbColours))])]), notHole), win]);
  const edges = edgeMaps(g, own, rgb, g.op('Reshape', [g.sub(c(1), g.mul(outside, c(1 / FAR))), win]));

  // Back into full maps: the window's values, elsewhere not reached (distance) or 0.
  const full = (value: number) =>
    g.op('Expand', [
      c(value),
      g.op('Concat', [g.op('Slice', [g.op('Shape', [index]), g.ints([0]), g.ints([1])]), g.ints([CELLS])], { axis: 0 }),
    ]);
  const put = (base: number, t: string) =>
    g.op('Reshape', [
      g.op('ScatterElements', [full(base), index, g.op('Reshape', [t, flatWin])], { axis: 1 }),
      g.ints([-1, 1, LOW_RES, LOW_RES]),
    ]);
  return {
    negDistance: put(-GROWTH_CAP, negDistance),
    edge: put(0, edges.edge),
    strength: put(0, edges.strength),
    applies,
    area,
    holeArea: g.op('Reshape', [holeArea, g.ints([-1, 1])]),
    spread,
  };
}
