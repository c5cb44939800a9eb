// Box prompts for test-sam's decoder: SAM's exported decoder takes a box as two points labelled 2
// (top-left) and 3 (bottom-right). A colour model has no notion of objectness, so the box is read
// as "the object fills this box": the midpoints of its four sides (moved slightly inwards) become
// positive points, put in front of the prompt's own points, and cells outside the box become
// unreachable. Both steps run in If branches, so prompts without a box (every AMG batch) cost
// exactly what they did.

import { GraphBuilder } from './onnx-builder';
import { BOX_EDGE_INSET, FAR, FRAME, LOW_RES } from './params';

/** Larger than any frame coordinate: masks the rows of other labels out of a min/max. */
const NOT_A_CORNER = 1e6;

export interface BoxPrompt {
  /** B x N' x 2 and B x N': the prompt with the box's side points in front (N' = N + 4 when any prompt has a box). */
  coords: string;
  labels: string;
  /** Adds FAR to the B x cells cost of cells outside each prompt's box (identity without a box). */
  restrict: (cost: string) => string;
}

export function boxPrompts(g: GraphBuilder, coords: string, labels: string): BoxPrompt {
  const c = (v: number) => g.scalar(v);
  const isLabel = (v: number) => g.op('Cast', [g.op('Equal', [labels, c(v)])], { to: 1 }); // B x N
  const isTopLeft = isLabel(2);
  const isBottomRight = isLabel(3);
  const hasBox = g.op('ReduceMax', [isTopLeft], { axes: [1], keepdims: 1 }); // B x 1
  const anyBox = g.op('Greater', [g.op('ReduceMax', [hasBox], { keepdims: 0 }), c(0)]);
  const axis = (i: number) => g.op('Squeeze', [g.op('Slice', [coords, g.ints([i]), g.ints([i + 1]), g.ints([2])]), g.ints([2])]); // B x N
  const xs = axis(0);
  const ys = axis(1);
  const notCorner = (is: string) => g.mul(g.sub(c(1), is), c(NOT_A_CORNER));
  const lowest = (v: string, is: string) => g.op('ReduceMin', [g.add(v, notCorner(is))], { axes: [1], keepdims: 1 }); // B x 1
  const highest = (v: string, is: string) => g.op('ReduceMax', [g.sub(v, notCorner(is))], { axes: [1], keepdims: 1 });
  const x0 = lowest(xs, isTopLeft);
  const y0 = lowest(ys, isTopLeft);
  const x1 = highest(xs, isBottomRight);
  const y1 = highest(ys, isBottomRight);

  // The side points and their labels (1 with a box, -1 = padding for the prompts of a batch without one).
  const withSides = new GraphBuilder('box_');
  const b = withSides;
  const half = b.scalar(0.5);
  const midX = b.mul(b.add(x0, x1), half);
  const midY = b.mul(b.add(y0, y1), half);
  const dx = b.mul(b.sub(x1, x0), b.scalar(BOX_EDGE_INSET));
  const dy = b.mul(b.sub(y1, y0), b.scalar(BOX_EDGE_INSET));
  const sideX = b.op('Concat', [midX, midX, b.add(x0, dx), b.sub(x1, dx)], { axis: 1 }); // B x 4
  const sideY = b.op('Concat', [b.add(y0, dy), b.sub(y1, dy), midY, midY], { axis: 1 });
  const sides = b.op('Concat', [b.op('Unsqueeze', [sideX, b.ints([2])]), b.op('Unsqueeze', [sideY, b.ints([2])])], { axis: 2 });
  const sideLabels = b.sub(b.mul(b.op('Mul', [hasBox, b.floats([1, 1, 1, 1], [1, 4], 'four')]), b.scalar(2)), b.scalar(1));
  b.output(b.op('Concat', [sides, coords], { axis: 1 }), 'box_coords_out', 'float');
  b.output(b.op('Concat', [sideLabels, labels], { axis: 1 }), 'box_labels_out', 'float');
  const asIs = new GraphBuilder('no_box_');
  asIs.output(asIs.op('Identity', [coords]), 'no_box_coords_out', 'float');
  asIs.output(asIs.op('Identity', [labels]), 'no_box_labels_out', 'float');
  const [outCoords, outLabels] = g.opN('If', [anyBox], 2, {
    then_branch: withSides.graph('with_box'),
    else_branch: asIs.graph('without_box'),
  });

  const restrict = (cost: string): string => {
    const inside = new GraphBuilder('inbox_');
    const k = inside;
    // Cell centres in frame pixels; a cell is inside when its centre is.
    const centres = k.floats(
      Array.from({ length: LOW_RES }, (_, i) => (i + 0.5) * (FRAME / LOW_RES)),
      [1, LOW_RES],
      'cell_centre',
    );
    const between = (lo: string, hi: string) =>
      k.mul(
        k.op('Cast', [k.op('GreaterOrEqual', [centres, lo])], { to: 1 }),
        k.op('Cast', [k.op('LessOrEqual', [centres, hi])], { to: 1 }),
      ); // B x LOW_RES
    const inX = k.op('Unsqueeze', [between(x0, x1), k.ints([1])]); // B x 1 x L
    const inY = k.op('Unsqueeze', [between(y0, y1), k.ints([2])]); // B x L x 1
    const inBox = k.op('Reshape', [k.mul(inY, inX), k.ints([-1, LOW_RES * LOW_RES])]);
    const outside = k.mul(k.mul(k.sub(k.scalar(1), inBox), hasBox), k.scalar(FAR));
    k.output(k.add(cost, outside), 'inbox_out', 'float');
    const plain = new GraphBuilder('anywhere_');
    plain.output(plain.op('Identity', [cost]), 'anywhere_out', 'float');
    return g.op('If', [anyBox], { then_branch: inside.graph('inside_box'), else_branch: plain.graph('anywhere') });
  };
  return { coords: outCoords, labels: outLabels, restrict };
}
