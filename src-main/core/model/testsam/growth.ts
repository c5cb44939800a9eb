// Region growing of test-sam's decoder, as ONNX subgraphs: the minimax path distance from the clicks
// (the largest colour distance along the best path), on the 256 x 256 grid of 4 px cells, for two
// costs side by side (plain, and eroded for an opening by reconstruction). Computed by repeated 3x3
// min-pooling in Loops: a few fine steps around the clicks, a few on 128 x 128 blocks of 2 x 2
// cells, then on 64 x 64 patches (which crosses large regions in few steps), on blocks again
// (narrower ways), and a few fine steps for the edges.

import { GraphBuilder } from './onnx-builder';
import {
  COARSE_ITERATIONS,
  COARSE_STEPS_PER_ITERATION,
  ERODED_SEED_RADIUS,
  FINE_ITERATIONS,
  GROWTH_CAP,
  LOW_RES,
  MID0_ITERATIONS,
  MID_ITERATIONS,
  MID_STEPS_PER_ITERATION,
  OPENING_RADIUS,
  PRE_ITERATIONS,
  STEPS_PER_ITERATION,
} from './params';

const POOL3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
const OPEN_K = 2 * OPENING_RADIUS + 1;
const OPENING = { kernel_shape: [OPEN_K, OPEN_K], pads: Array(4).fill(OPENING_RADIUS), strides: [1, 1] };

/**
 * A Loop that repeats g <- min(negCost, maxpool3x3(g)) (g = minus the minimax distance) for
 * `iterations` * `steps` steps; with `untilStable` it stops as soon as nothing changes (worth its
 * extra passes only when many iterations may be skipped). Returns the final g.
 */
export function growLoop(
  g: GraphBuilder,
  start: string,
  negCost: string,
  iterations: number,
  tag: string,
  untilStable: boolean,
  steps = STEPS_PER_ITERATION,
): string {
  const body = new GraphBuilder(`${tag}_`);
  body.input(`${tag}_i`, 'int64', []);
  const condIn = body.input(`${tag}_cond_in`, 'bool', []);
  const gin = body.input(`${tag}_g_in`, 'float');
  let cur = gin;
  for (let s = 0; s < steps; s++) {
    const pooled = body.op('MaxPool', [cur], POOL3);
    // The last step writes the body's output directly (no Identity copy per iteration).
    cur = body.op('Min', [pooled, negCost], {}, s === steps - 1 ? `${tag}_g_out` : undefined);
  }
  const going = untilStable
    ? body.op('Greater', [body.op('ReduceMax', [body.op('Abs', [body.sub(cur, gin)])], { keepdims: 0 }), body.scalar(0)])
    : condIn;
  body.output(going, `${tag}_cond_out`, 'bool', []);
  body.output(cur, `${tag}_g_out`, 'float');
  return g.op('Loop', [g.ints([iterations], [], 'trip'), g.bool(true), start], { body: body.graph(`${tag}_body`) });
}

/**
 * Grows from the seed cells (B x 1 x 256 x 256, 1 at the clicked cells). `cost` is B x 256^2, the
 * colour distance of each cell to the prompt (>= 0). Returns B x 1 x 256 x 256 maps of minus the
 * minimax distance under the plain cost and for the opening by reconstruction (the eroded growth
 * dilated back, never below a cell's own cost); -GROWTH_CAP where not reached. Growth works on min(cost, GROWTH_CAP), every
 * cell starting at the cap but the seeds, so the Loops converge as soon as the regions are grown.
 * Every level keeps upper bounds of the fine distances (a block's value: all its cells are
 * reachable at it), so each level can start from the previous one's result.
 */
export function growRegions(g: GraphBuilder, cost: string, seedMap: string): { negPlain: string; negOpened: string } {
  const c = (v: number) => g.scalar(v);
  const img = g.ints([-1, 1, LOW_RES, LOW_RES]);
  const capped = g.op('Reshape', [g.op('Min', [cost, c(GROWTH_CAP)]), img]);
  const negCapped = g.op('Neg', [capped]);
  // Plain cost, and the eroded one (a cell passes only when its whole neighbourhood of OPENING_RADIUS
  // does) whose region is dilated back afterwards: an opening by reconstruction, which cuts the
  // necks where touching objects of the same colour meet.
  const costs = g.op('Concat', [capped, g.op('MaxPool', [capped], OPENING)], { axis: 1 });
  const negCost = g.op('Neg', [costs]);
  // A seed starts at its own cost, every other cell at the cap. The plain growth starts from the
  // clicked cells; the eroded one from the cells near the click too (a click close to an object's
  // edge has an eroded cost spoilt by the neighbour, while SAM still returns the object). A seed is
  // only a start: a cell of another colour there starts at its own high cost and spreads nothing.
  const k = 2 * ERODED_SEED_RADIUS + 1;
  const near = g.op('MaxPool', [seedMap], { kernel_shape: [k, k], pads: Array(4).fill(ERODED_SEED_RADIUS), strides: [1, 1] });
  const start = g.op('Min', [negCost, g.sub(g.mul(g.op('Concat', [seedMap, near], { axis: 1 }), c(2 * GROWTH_CAP)), c(GROWTH_CAP))]);
  // A few fine steps from there, enough to fill the 2 x 2 blocks around the seeds.
  const fineStart = growLoop(g, start, negCost, PRE_ITERATIONS, 'pre', false);

  // Blocks of 2 x 2 cells (128 x 128) and patches of 4 x 4 (64 x 64): a block costs its worst cell
  // and starts from the worst value found inside it.
  const halve = { kernel_shape: [2, 2], strides: [2, 2] };
  const worst = (x: string) => g.op('Neg', [g.op('MaxPool', [g.op('Neg', [x])], halve)]);
  const up = (x: string) =>
    g.op('Resize', [x, '', g.floats([1, 1, 2, 2], [4], 'x2')], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
  const midCost = g.op('MaxPool', [costs], halve);
  const negCostMid = g.op('Neg', [midCost]);
  const negCostCoarse = g.op('Neg', [g.op('MaxPool', [midCost], halve)]);
  // A few block steps around the click, for the coarse pass to start from whole patches.
  const mid0 = growLoop(g, worst(fineStart), negCostMid, MID0_ITERATIONS, 'mid0', false);
  // Coarse: large regions fill in a few dozen steps.
  const coarse = growLoop(g, worst(mid0), negCostCoarse, COARSE_ITERATIONS, 'coarse', true, COARSE_STEPS_PER_ITERATION);
  // Blocks again: the narrower ways (a pepperoni's crescent left between a basil leaf and an
  // olive) that whole patches do not pass.
  const mid = growLoop(
    g,
    g.op('Max', [mid0, g.op('Min', [negCostMid, up(coarse)])]),
    negCostMid,
    MID_ITERATIONS,
    'mid',
    true,
    MID_STEPS_PER_ITERATION,
  );
  // Fine steps last, for the edges and the narrowest passages.
  const grown = growLoop(g, g.op('Max', [fineStart, g.op('Min', [negCost, up(mid)])]), negCost, FINE_ITERATIONS, 'fine', false); // B x 2
  const channel = (t: string, i: number) => g.op('Slice', [t, g.ints([i]), g.ints([i + 1]), g.ints([1])]);
  // Opened: the eroded region dilated back (a max-pool of the negative distances), where the
  // cell's own cost allows.
  const opened = g.op('Min', [g.op('MaxPool', [channel(grown, 1)], OPENING), negCapped]);
  return { negPlain: channel(grown, 0), negOpened: opened };
}
