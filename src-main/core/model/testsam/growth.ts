// Region growing of test-sam's decoder, as ONNX subgraphs: the minimax path distance from the clicks
// (the largest colour distance along the best path), on the 256 x 256 grid of 4 px cells, for two
// costs side by side (plain, and eroded for an opening by reconstruction). Computed by repeated 3x3
// min-pooling in Loops, first a few fine steps around the clicks, then on 64 x 64 patches (which
// crosses large regions in few steps), then a few fine steps again for the edges.

import { GraphBuilder } from './onnxBuilder';
import { COARSE_ITERATIONS, ERODED_SEED_RADIUS, FINE_ITERATIONS, GROWTH_CAP, LOW_RES, PRE_ITERATIONS, STEPS_PER_ITERATION, SUB } from './params';

const POOL3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
const BY_PATCH = { kernel_shape: [SUB, SUB], strides: [SUB, SUB] };

/**
 * A Loop that repeats g <- min(negCost, maxpool3x3(g)) (g = minus the minimax distance) for
 * `iterations` * STEPS_PER_ITERATION steps; with `untilStable` it stops as soon as nothing changes
 * (worth its extra passes only when many iterations may be skipped). Returns the final g.
 */
export function growLoop(g: GraphBuilder, start: string, negCost: string, iterations: number, tag: string, untilStable: boolean): string {
  const body = new GraphBuilder(`${tag}_`);
  body.input(`${tag}_i`, 'int64', []);
  const condIn = body.input(`${tag}_cond_in`, 'bool', []);
  const gin = body.input(`${tag}_g_in`, 'float');
  let cur = gin;
  for (let s = 0; s < STEPS_PER_ITERATION; s++) {
    const pooled = body.op('MaxPool', [cur], POOL3);
    cur = body.op('Min', [pooled, negCost]);
  }
  const going = untilStable ? body.op('Greater', [body.op('ReduceMax', [body.op('Abs', [body.sub(cur, gin)])], { keepdims: 0 }), body.scalar(0)]) : condIn;
  body.output(going, `${tag}_cond_out`, 'bool', []);
  body.output(cur, `${tag}_g_out`, 'float');
  return g.op('Loop', [g.ints([iterations], [], 'trip'), g.bool(true), start], { body: body.graph(`${tag}_body`) });
}

export interface GrownRegions {
  /** B x 1 x 256 x 256 minimax distance under the plain cost (values >= GROWTH_CAP: not reached). */
  plain: string;
  /** The same for the opening by reconstruction: eroded growth, dilated back, never below the cell's own cost. */
  opened: string;
  /** B x 1 x 256 x 256 capped cost, min(cost, GROWTH_CAP). */
  capped: string;
}

/**
 * Grows from the seed cells (B x 1 x 256 x 256 bool). `cost` is B x 256^2, the colour distance of each
 * cell to the prompt (>= 0). Growth works on min(cost, GROWTH_CAP), every cell starting at the cap
 * but the seeds, so the Loops converge as soon as the regions are grown.
 */
export function growRegions(g: GraphBuilder, cost: string, seedMap: string): GrownRegions {
  const img = g.ints([-1, 1, LOW_RES, LOW_RES]);
  const capped = g.op('Reshape', [g.op('Min', [cost, g.scalar(GROWTH_CAP)]), img]);
  // Plain cost, and the eroded one (a cell passes only when its whole 3 x 3 neighbourhood does)
  // whose region is dilated back afterwards: an opening by reconstruction, which cuts the thin necks
  // where touching objects of the same colour meet.
  const costs = g.op('Concat', [capped, g.op('MaxPool', [capped], POOL3)], { axis: 1 });
  const negCost = g.op('Neg', [costs]);
  const negCap = g.scalar(-GROWTH_CAP);

  // The eroded growth also starts from the cells near the click: a click close to an object's edge
  // has an eroded cost spoilt by the neighbour, while SAM still returns the object. A seed is only a
  // start: a cell of another colour there starts at its own (high) cost and spreads nothing.
  const k = 2 * ERODED_SEED_RADIUS + 1;
  const seedF = g.op('Cast', [seedMap], { to: 1 });
  const near = g.op('MaxPool', [seedF], { kernel_shape: [k, k], pads: Array(4).fill(ERODED_SEED_RADIUS), strides: [1, 1] });
  const seeds = g.op('Greater', [g.op('Concat', [seedF, near], { axis: 1 }), g.scalar(0.5)]);
  const pre = growLoop(g, g.op('Where', [seeds, negCost, negCap]), negCost, PRE_ITERATIONS, 'pre', false);

  // Coarse pass on 64 x 64 patches: a patch costs its worst sub-cell and starts from the worst
  // distance the fine steps found inside it, so every value stays an upper bound of the fine one
  // (all of a patch is reachable at its value). Large regions fill in a few dozen steps.
  const worstOf = (x: string) => g.op('Neg', [g.op('MaxPool', [g.op('Neg', [x])], BY_PATCH)]);
  const coarse = growLoop(g, worstOf(pre), g.op('Neg', [g.op('MaxPool', [costs], BY_PATCH)]), COARSE_ITERATIONS, 'coarse', true);
  const up = g.op('Resize', [coarse, '', g.floats([1, 1, SUB, SUB], [4], 'x4')], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  // Then fine steps again from the better of both, for the edges and narrow passages.
  const startFine = g.op('Max', [pre, g.op('Min', [negCost, up])]);
  const grown = g.op('Neg', [growLoop(g, startFine, negCost, FINE_ITERATIONS, 'fine', false)]); // B x 2 x 256 x 256
  const plain = g.op('Slice', [grown, g.ints([0]), g.ints([1]), g.ints([1])]);
  const eroded = g.op('Slice', [grown, g.ints([1]), g.ints([2]), g.ints([1])]);
  const dilated = g.op('Neg', [g.op('MaxPool', [g.op('Neg', [eroded])], POOL3)]);
  return { plain, opened: g.op('Max', [dilated, capped]), capped };
}
