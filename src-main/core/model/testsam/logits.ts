// test-sam's mask logits, for the three multimask outputs (token 0 repeats one of them, see
// decoder-graph.ts): GAIN * (tolerance - distance), except along crisp outlines, where the cells mix
// the region's colour with another (a 4 px cell across an edge): there the logit follows how much
// of the cell the region's colour covers, so the mask's edge lands on the object's edge rather than
// on a cell border (which shaves thin things such as olive rings away, or bulges bright ones out).

import { GraphBuilder } from './onnx-builder';
import { EDGE_CONTRAST, EDGE_COVERAGE, EDGE_GAIN, GAIN, LOW_RES, STRENGTH_TOLERANCE, TOKEN_TOLERANCES } from './params';

const POOL3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
const M = TOKEN_TOLERANCES.length;
const CELLS = LOW_RES * LOW_RES;

export interface LogitInputs {
  /**
   * B x S x 256^2 minus the distance maps the outputs choose from (S sources: plain, opened,
   * enclosing), and B x M x S the one-hot choice of each output.
   */
  negSources: string;
  choice: string;
  /**
   * B x 1 x 256 x 256: every cell's own colour distance to the click's reference, clipped to
   * DISTANCE_CLIP, and in RGB (0-1, unclipped: colours mix linearly there, so coverage is measured
   * there); 1 x 1 x 256 x 256 float: 1 for cells of the image, 0 for the padding of the frame.
   */
  ownClick: string;
  rgbClick: string;
  valid: string;
  /** B x 1 x 256 x 256: edgeMaps of the enclosing object (enclosing.ts). */
  edgeEnclosing: string;
  strengthEnclosing: string;
  /** B x M float: 1 where the output returns the enclosing object (measured against its ring colour). */
  useEnclosing: string;
}

export interface Logits {
  /** B x M x 256 x 256 low-res logits (without the mask_input term). */
  lowRes: string;
  /** B x M x 256 x 256 float: 1 inside the region; 1 where its 3 x 3 holds a cell of it. */
  inside: string;
  nextTo: string;
  /** B x M x 256 x 256: edge strength (0-1) of each cell's 3 x 3, 1 in the padding; and that next to the region. */
  strength: string;
  weight: string;
}

/**
 * For each cell, from its own distance to a reference colour (`own`, distance space, clipped) and in
 * RGB (`rgb`): `edge`, the coverage logit EDGE_GAIN * (coverage - EDGE_COVERAGE), coverage = 1 - its
 * RGB distance / the largest RGB distance around it (an RGB colour between two is a mix of them,
 * in proportion); `strength`, how far the farthest colour around (distance space) lies beyond
 * STRENGTH_TOLERANCE, in units of EDGE_CONTRAST times it, clipped to 0-1; 1 where not `valid` (the
 * border of the image is as crisp an edge as any; the logits there are cropped away).
 */
export function edgeMaps(g: GraphBuilder, own: string, rgb: string, valid: string): { edge: string; strength: string } {
  const c = (v: number) => g.scalar(v);
  const coverage = g.div(rgb, g.op('Max', [g.op('MaxPool', [rgb], POOL3), c(1e-6)])); // 1 - coverage
  const edge = g.add(g.mul(coverage, c(-EDGE_GAIN)), c(EDGE_GAIN * (1 - EDGE_COVERAGE)));
  const k = 1 / (EDGE_CONTRAST * STRENGTH_TOLERANCE);
  const far = g.op('MaxPool', [own], POOL3);
  return {
    edge,
    strength: g.op('Max', [g.op('Clip', [g.sub(g.mul(far, c(k)), c(k * STRENGTH_TOLERANCE)), c(0), c(1)]), g.sub(c(1), valid)]),
  };
}

export function tokenLogits(g: GraphBuilder, x: LogitInputs): Logits {
  const c = (v: number) => g.scalar(v);
  const maps = (t: string) => g.op('Reshape', [t, g.ints([-1, M, LOW_RES, LOW_RES])]);
  // GAIN * (tolerance - distance): the choice matrix carries GAIN, so one MatMul picks and scales.
  const scaled = g.op('MatMul', [g.mul(x.choice, c(GAIN)), x.negSources]); // B x M x cells
  const base = maps(
    g.add(
      scaled,
      g.floats(
        TOKEN_TOLERANCES.map((t) => t * GAIN),
        [1, M, 1],
        'gain_tol',
      ),
    ),
  );
  const inside = g.op('Cast', [g.op('Greater', [base, c(0)])], { to: 1 });
  const nextTo = g.op('MaxPool', [inside], POOL3); // 1 where the 3 x 3 holds a cell of the region

  // Per reference (the click's here, the enclosing ring's from enclosing.ts), then picked per
  // output by a B x M x 2 one-hot matrix.
  const click = edgeMaps(g, x.ownClick, x.rgbClick, x.valid);
  const pair = (a: string, b: string) => g.op('Concat', [a, b], { axis: 1 }); // B x 2 x 256 x 256
  const which = g.op(
    'Concat',
    [g.op('Unsqueeze', [g.sub(c(1), x.useEnclosing), g.ints([2])]), g.op('Unsqueeze', [x.useEnclosing, g.ints([2])])],
    { axis: 2 },
  );
  const pick = (t: string) => maps(g.op('MatMul', [which, g.op('Reshape', [t, g.ints([-1, 2, CELLS])])]));
  const strength = pick(pair(click.strength, x.strengthEnclosing));
  const edge = pick(pair(click.edge, x.edgeEnclosing));

  // Around the region, where the edge is crisp, the coverage logit takes over; where it is gradual
  // (a material's shades) the distance logit stays, so such outlines stay unstable, as SAM's are.
  // Cells away from any edge have strength 0; cells away from the region are not next to it.
  const weight = g.mul(nextTo, strength);
  const lowRes = g.add(base, g.mul(weight, g.sub(edge, base)));
  return { lowRes, inside, nextTo, strength, weight };
}
