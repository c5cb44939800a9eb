// Which region each of test-sam's multimask outputs returns, and their iou_predictions (its stand-in
// for SAM's IoU head). SAM rates a mask high when it is a whole object: its outline follows strong
// image edges, it is not a sliver, and it does not glue separate things together. The same three
// cues here, per output:
//   edges: how strongly the colour changes just outside the mask, averaged along its outline. A
//          region cut off inside a material (a blotch of the cheese, half a pepperoni behind a weak
//          shade) has a weak outline; a whole object's outline is a crisp edge nearly everywhere.
//   size:  a mask of a few cells is more likely noise than an object.
//   necks: for plain regions (thin parts kept), one that an opening would cut apart is likely two
//          objects touching; one that is thin all over (an olive ring) is left alone.

import { GraphBuilder } from './onnx-builder';
import {
  IOU_EDGE_WEIGHT,
  IOU_HALF_SIZE_CELLS,
  LOW_RES,
  NECK_FREE_SHARE,
  NECK_MIN_CELLS,
  NECK_SPAN,
  NECK_WEIGHT,
  OPENING_RADIUS,
  THIN_SHARE,
  TOKEN_KINDS,
  TOKEN_TOLERANCES,
} from './params';

const CELLS = LOW_RES * LOW_RES;
const M = TOKEN_TOLERANCES.length;

export interface TokenRegions {
  /** B x M float: 1 where the output returns the plain region, 0 where the opened one. */
  usePlain: string;
  /** B x M: the share of the plain region (at the output's tolerance) that the opened one keeps. */
  openedShare: string;
  /**
   * B x M: the number of cells of the plain and the opened region, and of the plain region's solid
   * core (its eroded cells), at the output's tolerance, 4 per 2 x 2 block with any cell in.
   */
  plainArea: string;
  openedArea: string;
  coreArea: string;
}

/**
 * `negPlain`, `negOpened` are B x 1 x 256 x 256 (minus the plain and opened distances). Each output takes its
 * kind's region, except that an opened output whose opening keeps less than THIN_SHARE of the plain
 * region (an olive ring, a thin stem: thin all over, nothing solid to keep) returns the plain
 * region: SAM returns thin objects from every output, not only from one. The areas are counted on
 * 2 x 2 blocks (a block counts when any of its cells is in): shares and sizes only, a quarter of
 * the work.
 */
export function tokenRegions(g: GraphBuilder, negPlain: string, negOpened: string): TokenRegions {
  const negTol = g.floats(
    TOKEN_TOLERANCES.map((t) => -t),
    [1, M, 1, 1],
    'region_neg_tol',
  );
  const count = (negD: string) => {
    const d = g.op('MaxPool', [negD], { kernel_shape: [2, 2], strides: [2, 2] }); // B x 1 x 128 x 128
    const inside = g.op('Cast', [g.op('Greater', [d, negTol])], { to: 1 });
    return g.mul(g.op('ReduceSum', [g.op('Reshape', [inside, g.ints([-1, M, CELLS / 4])]), g.ints([2])], { keepdims: 0 }), g.scalar(4));
  };
  const openedArea = count(negOpened);
  const plainArea = count(negPlain);
  // The plain region's solid core: its cells whose whole opening neighbourhood is in it too.
  const opening = { kernel_shape: [2 * OPENING_RADIUS + 1, 2 * OPENING_RADIUS + 1], pads: Array(4).fill(OPENING_RADIUS), strides: [1, 1] };
  const coreArea = count(g.op('Neg', [g.op('MaxPool', [g.op('Neg', [negPlain])], opening)]));
  const openedShare = g.div(openedArea, g.op('Max', [plainArea, g.scalar(1)]));
  const thin = g.op('Less', [openedShare, g.scalar(THIN_SHARE)]);
  const isPlain = g.op('Greater', [
    g.floats(
      TOKEN_KINDS.map((k) => (k === 'plain' ? 1 : 0)),
      [1, M],
      'is_plain_kind',
    ),
    g.scalar(0.5),
  ]);
  const usePlain = g.op('Cast', [g.op('Or', [thin, isPlain])], { to: 1 });
  return { usePlain, openedShare, plainArea, openedArea, coreArea };
}

export interface ScoreInputs {
  /** B x M from tokenRegions. */
  openedShare: string;
  coreArea: string;
  /** B x M float: 1 where the output returns the plain region. */
  usePlain: string;
  /** B x M: each output's area in cells (2 x 2 block counts, see tokenRegions). */
  area: string;
  /** B x M x 256 x 256 float from tokenLogits (logits.ts). */
  inside: string;
  nextTo: string;
  strength: string;
  weight: string;
}

/** iou_predictions (B x M) and its three factors (B x M each). */
export function iouPredictions(g: GraphBuilder, x: ScoreInputs): { iou: string; edges: string; size: string; neck: string } {
  const c = (v: number) => g.scalar(v);
  const sum = (t: string) => g.op('ReduceSum', [g.op('Reshape', [t, g.ints([-1, M, CELLS])]), g.ints([2])], { keepdims: 0 }); // B x M

  // Edges: the mean edge strength (logits.ts) along the outline, the cells next to the region but
  // outside it. Sums of what logits.ts has anyway (reading is cheaper than writing an outline map):
  // outline cells = next-to cells - inside cells; their strength = weight - inside * strength.
  const outlineCells = g.sub(sum(x.nextTo), sum(x.inside));
  const outlineStrength = g.sub(sum(x.weight), sum(g.mul(x.inside, x.strength)));
  const edges = g.div(outlineStrength, g.op('Max', [outlineCells, c(1)]));
  const edgeFactor = g.sub(c(1), g.mul(g.sub(c(1), edges), c(IOU_EDGE_WEIGHT)));

  // Size: a smooth step, 1/2 at IOU_HALF_SIZE_CELLS cells, 0.94 at 4 times that.
  const area2 = g.mul(x.area, x.area);
  const size = g.div(area2, g.add(area2, c(IOU_HALF_SIZE_CELLS ** 2)));

  // Necks: a plain region (output 1, or an opened output that fell back to it) with a solid core
  // (more than NECK_MIN_CELLS cells) of which the click's opened region misses a good share is
  // several things glued together: two touching slices (a half missed), or a thin part clicked on
  // (a slice's sliver left beside a basil leaf) that touches a solid one (all missed). The penalty
  // grows from 0 at NECK_FREE_SHARE missed to NECK_WEIGHT at NECK_FREE_SHARE + NECK_SPAN. A region
  // thin all over (an olive ring) has no core: no penalty.
  const missed = g.sub(c(1), x.openedShare);
  const glued = g.op('Cast', [g.op('Greater', [x.coreArea, c(NECK_MIN_CELLS)])], { to: 1 });
  const amount = g.op('Clip', [g.mul(g.sub(missed, c(NECK_FREE_SHARE)), c(1 / NECK_SPAN)), c(0), c(1)]);
  const neck = g.sub(c(1), g.mul(g.mul(g.mul(amount, c(NECK_WEIGHT)), x.usePlain), glued));

  return { iou: g.mul(g.mul(edgeFactor, size), neck), edges: edgeFactor, size, neck };
}
