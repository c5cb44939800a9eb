// test-sam's mask decoder with the official SAM decoder interface
// (segment_anything/utils/onnx.py SamOnnxModel, exported without --return-single-mask):
//   image_embeddings 1x256x64x64, point_coords BxNx2, point_labels BxN, mask_input Bx1x256x256,
//   has_mask_input [B], orig_im_size [2] (H, W)
//   -> masks Bx4xHxW (logits), iou_predictions Bx4, low_res_masks Bx4x256x256.
// The official flavour fixes B = 1; the batched flavour leaves it dynamic. A positive click selects
// the connected region of similar colour around it: colour.ts (colour space, reference colour of a
// click), growth.ts (region growing), scores.ts (which region each output returns, iou_predictions),
// enclosing.ts (the object around a hole), logits.ts; every constant is in params.ts.
// With `sam2` the same decoder has SAM 2.1's interface instead (samexporter's export_sam2.py):
//   image_embed 1x256x64x64, high_res_feats_0 1x32x256x256, high_res_feats_1 1x64x128x128,
//   point_coords, point_labels, mask_input, has_mask_input (dimension 0 = num_labels)
//   -> masks num_labels x 3 x 256 x 256 (low-res logits, clamped to +-32), iou_predictions num_labels x 3.
// The image fills the whole frame (SAM 2 stretches it), so every cell can be in a mask.
// With `pointsOnly` it has EdgeSAM's decoder interface (scripts/export_onnx_model.py, SamCoreMLModel):
//   image_embeddings 1x256x64x64, point_coords 1xNx2, point_labels 1xN -> scores 1x4, masks 1x4x256x256
//   (low-res logits of all four tokens); no mask_input, has_mask_input or orig_im_size. Without the
//   original size the graph cannot tell the frame's padding from the image (nor can EdgeSAM's), so every
//   cell can be in a mask; the runtime crops the padding away when it upsamples.

import type onnxProto from 'onnx-proto';
import { colourFeatures, referenceColours, squaredDistances, withNorms } from './colour';
import { boxPrompts } from './box';
import { enclosingObject } from './enclosing';
import { growRegions } from './growth';
import { tokenLogits } from './logits';
import { GraphBuilder } from './onnx-builder';
import {
  CHANNELS,
  DISTANCE_CLIP,
  ENCLOSING_OUTPUT,
  FAR,
  FRAME,
  GRID,
  LOW_RES,
  MASK_INPUT_WEIGHT,
  NEGATIVE_PENALTY,
  SINGLE_MASK_OUTPUT,
  SUB,
  SUBCELL_SCALE,
  TOKEN_TOLERANCES,
} from './params';
import { iouPredictions, tokenRegions } from './scores';
import { SAM2_ENCODER_OUTPUT, SAM2_HIGH_RES } from './encoder-graph';

/** The multimask outputs (tokens 1-3); token 0 repeats one of them. */
const M = TOKEN_TOLERANCES.length;

/** test-sam2: how strongly a high_res_feats_1 that disagrees with high_res_feats_0 shifts the colours. */
const HIGH_RES_CHECK = 10;

/**
 * `factors` adds outputs iou_edges, iou_size and iou_neck (B x 4, the factors of iou_predictions,
 * scores.ts), opened_share and opened_area (B x 4, scores.ts tokenRegions), hole_area and
 * hole_spread (B x 1, enclosing.ts) for tests and tuning; the generated
 * model files never have them.
 */
export function buildDecoderGraph(batched: boolean, factors = false, sam2 = false, pointsOnly = false): onnxProto.onnx.IGraphProto {
  const g = new GraphBuilder();
  const B: number | string = sam2 ? 'num_labels' : batched ? 'batch' : 1;
  const emb = g.input(sam2 ? SAM2_ENCODER_OUTPUT : 'image_embeddings', 'float', [1, CHANNELS, GRID, GRID]);
  const highRes = sam2 ? SAM2_HIGH_RES.map(({ name, channels, side }) => g.input(name, 'float', [1, channels, side, side])) : [];
  const pointCoords = g.input('point_coords', 'float', [B, 'num_points', 2]);
  const pointLabels = g.input('point_labels', 'float', [B, 'num_points']);
  const maskInput = pointsOnly ? null : g.input('mask_input', 'float', [B, 1, LOW_RES, LOW_RES]);
  const hasMask = pointsOnly ? null : g.input('has_mask_input', 'float', [B]);
  const origSize = sam2 || pointsOnly ? null : g.input('orig_im_size', 'float', [2]);
  const cells = LOW_RES * LOW_RES;
  const c = (v: number) => g.scalar(v);
  // A box (labels 2/3) becomes positive points on its sides and a limit on where the mask may grow (box.ts).
  const box = boxPrompts(g, pointCoords, pointLabels);
  const { coords, labels } = box;

  // Sub-cell colours back from embedding channels 0-47, unfolded to 3 x 256 x 256, then into the
  // distance space (chromaticity and log brightness, colour.ts).
  const folded = g.op('Slice', [emb, g.ints([0]), g.ints([3 * SUB * SUB]), g.ints([1])]);
  let grid = g.op('DepthToSpace', [g.add(g.mul(folded, c(1 / SUBCELL_SCALE)), c(0.5))], { blocksize: SUB, mode: 'DCR' });
  if (sam2) {
    // The same colours from high_res_feats_0 (averaged with the embedding's), and high_res_feats_1
    // checked against them: its 2 x 2 averages have the same mean, so a wrong map shifts every
    // colour (by HIGH_RES_CHECK times the difference of the means).
    const rgbOf = (t: string) => g.op('Slice', [t, g.ints([0]), g.ints([3]), g.ints([1])]);
    const fine = g.add(rgbOf(highRes[0]), c(0.5));
    const meanOf = (t: string) => g.op('ReduceMean', [rgbOf(t)], { axes: [1, 2, 3], keepdims: 1 });
    const shift = g.sub(meanOf(highRes[1]), meanOf(highRes[0]));
    grid = g.add(g.mul(g.add(grid, fine), c(0.5)), g.mul(shift, c(HIGH_RES_CHECK)));
  }
  const flat = g.op('Reshape', [colourFeatures(g, grid), g.ints([3, cells])]);
  const rgb = g.op('Reshape', [grid, g.ints([3, cells])]);
  const flatN = withNorms(g, flat);
  const rgbN = withNorms(g, rgb);

  // Clicked cells: like SAM's graph, +0.5 before use; 4 frame pixels per cell.
  const cellXY = g.op('Clip', [g.op('Floor', [g.mul(g.add(coords, c(0.5)), c(LOW_RES / FRAME))]), c(0), c(LOW_RES - 1)]);
  const cx = g.op('Slice', [cellXY, g.ints([0]), g.ints([1]), g.ints([2])]); // B x N x 1
  const cy = g.op('Slice', [cellXY, g.ints([1]), g.ints([2]), g.ints([2])]);
  const idx = g.op('Squeeze', [g.op('Cast', [g.add(g.mul(cy, c(LOW_RES)), cx)], { to: 7 }), g.ints([2])]); // B x N int64

  // A click's reference colour: the middle of the shades of the material under it (colour.ts),
  // in distance space and in RGB (for the coverage of mixed cells, logits.ts).
  const refs = referenceColours(g, g.op('Concat', [flat, rgb], { axis: 0 }), cx, cy); // B x N x 6
  const ref = g.op('Slice', [refs, g.ints([0]), g.ints([3]), g.ints([2])]);
  const refRgb = g.op('Slice', [refs, g.ints([3]), g.ints([6]), g.ints([2])]);

  // Labels: 1 positive, 0 negative; -1 (padding) and 2/3 (box corners, already turned into side
  // points by boxPrompts) are ignored here.
  // Each cell's distance to the nearest positive (negative) point's reference: the other rows get
  // FAR^2 added before the minimum, so they never win.
  const isPos = g.op('Cast', [g.op('Equal', [labels, c(1)])], { to: 1 });
  const isNeg = g.op('Cast', [g.op('Equal', [labels, c(0)])], { to: 1 });
  const away = (is: string) => g.op('Unsqueeze', [g.mul(g.sub(c(1), is), c(FAR * FAR)), g.ints([2])]); // B x N x 1
  const nearest = (d2: string) => g.op('Sqrt', [g.op('Relu', [g.op('ReduceMin', [d2], { axes: [1], keepdims: 0 })])]); // B x cells
  const cross = squaredDistances(g, flatN, ref); // B x N x cells
  const dPos = nearest(g.add(cross, away(isPos)));
  const rgbPos = nearest(squaredDistances(g, rgbN, refRgb, away(isPos)));
  // Cells nearer a negative point's reference than to the positive ones cost more (an If skips
  // this when no prompt of the batch has a negative point, as in the automatic mask generator).
  const withNeg = new GraphBuilder('neg_');
  const nb = withNeg;
  const dNeg = nb.op('Sqrt', [nb.op('Relu', [nb.op('ReduceMin', [nb.add(cross, away(isNeg))], { axes: [1], keepdims: 0 })])]);
  nb.output(nb.add(dPos, nb.mul(nb.op('Relu', [nb.sub(dPos, dNeg)]), nb.scalar(NEGATIVE_PENALTY))), 'neg_out', 'float');
  const noNeg = new GraphBuilder('no_neg_');
  noNeg.output(noNeg.op('Identity', [dPos]), 'no_neg_out', 'float');
  const anyNeg = g.op('Greater', [g.op('ReduceMax', [isNeg], { keepdims: 0 }), c(0)]);
  let cost = g.op('If', [anyNeg], { then_branch: withNeg.graph('with_negatives'), else_branch: noNeg.graph('without_negatives') });

  // Only the unpadded part of the frame can be in a mask: h' = int(H * s + 0.5) as in SAM's graph.
  // SAM 2 fills the whole frame.
  let resized = '';
  let valid: string;
  if (origSize === null) {
    valid = g.floats(new Array<number>(cells).fill(1), [cells], 'all_cells');
  } else {
    const longest = g.op('ReduceMax', [origSize], { keepdims: 1 });
    resized = g.op('Floor', [g.add(g.mul(origSize, g.div(c(FRAME), longest)), c(0.5))]); // [h', w']
    const starts = g.floats(
      Array.from({ length: LOW_RES }, (_, i) => i * (FRAME / LOW_RES)),
      [LOW_RES],
      'cell_start',
    );
    const within = (i: number, shape: number[]) =>
      g.op(
        'Cast',
        [g.op('Less', [g.op('Reshape', [starts, g.ints(shape)]), g.op('Slice', [resized, g.ints([i]), g.ints([i + 1]), g.ints([0])])])],
        { to: 1 },
      );
    valid = g.op('Reshape', [g.mul(within(0, [LOW_RES, 1]), within(1, [1, LOW_RES])), g.ints([cells])]);
  }
  const outsideCost = g.mul(g.sub(c(1), valid), c(FAR)); // cells
  cost = g.op('Min', [box.restrict(g.add(cost, outsideCost)), c(FAR)]);

  // Seeds: the positive points' cells (ScatterElements adds the point's positivity at its cell).
  const zeros = g.op('Mul', [dPos, c(0)]);
  const seed = g.op('ScatterElements', [zeros, idx, isPos], { axis: 1, reduction: 'add' });
  const seeds = g.op('Greater', [g.op('Reshape', [seed, g.ints([-1, 1, LOW_RES, LOW_RES])]), c(0.5)]);

  // Minus the plain and opened minimax distances (B x 1 x 256 x 256 each; cells not reached: -GROWTH_CAP).
  const { negPlain, negOpened } = growRegions(g, cost, g.op('Cast', [seeds], { to: 1 }));
  const img = g.ints([-1, 1, LOW_RES, LOW_RES]);
  const regions = tokenRegions(g, negPlain, negOpened);
  // The widest output returns the object around a small hole the click fell in (enclosing.ts).
  const first = (t: string) => g.op('Reshape', [g.op('Slice', [t, g.ints([0]), g.ints([1]), g.ints([1])]), g.ints([-1, 1])]);
  const enclosing = enclosingObject(g, {
    flatN,
    rgbN,
    negPlain,
    cx: first(cx),
    cy: first(cy),
    index: first(idx),
    holeTolerance: TOKEN_TOLERANCES[0],
    tolerance: TOKEN_TOLERANCES[ENCLOSING_OUTPUT],
    outsideCost,
  });
  const isEnclosingOutput = g.floats(
    TOKEN_TOLERANCES.map((_, t) => (t === ENCLOSING_OUTPUT ? 1 : 0)),
    [1, M],
    'enclosing_output',
  );
  const useEnclosing = g.mul(g.op('Cast', [g.op('Reshape', [enclosing.applies, g.ints([-1, 1])])], { to: 1 }), isEnclosingOutput); // B x M

  // Each output's region: plain, opened or enclosing, as a B x M x 3 one-hot matrix (applied with
  // a MatMul in logits.ts: cheaper than a Where that broadcasts).
  const notEnclosing = g.sub(c(1), useEnclosing);
  const usePlain = g.mul(notEnclosing, regions.usePlain);
  const useOpened = g.mul(notEnclosing, g.sub(c(1), regions.usePlain));
  const unsq = (t: string) => g.op('Unsqueeze', [t, g.ints([2])]);
  const choice = g.op('Concat', [unsq(usePlain), unsq(useOpened), unsq(useEnclosing)], { axis: 2 });
  const negSources = g.op('Reshape', [g.op('Concat', [negPlain, negOpened, enclosing.negDistance], { axis: 1 }), g.ints([-1, 3, cells])]);
  const area = g.add(g.add(g.mul(usePlain, regions.plainArea), g.mul(useOpened, regions.openedArea)), g.mul(useEnclosing, enclosing.area));

  const logits = tokenLogits(g, {
    negSources,
    choice,
    ownClick: g.op('Reshape', [g.op('Min', [cost, c(DISTANCE_CLIP)]), img]),
    rgbClick: g.op('Reshape', [rgbPos, img]),
    valid: g.op('Reshape', [valid, g.ints([1, 1, LOW_RES, LOW_RES])]),
    edgeEnclosing: enclosing.edge,
    strengthEnclosing: enclosing.strength,
    useEnclosing,
  });
  const scores = iouPredictions(g, { ...regions, ...logits, area, usePlain });

  // Token 0, SAM's single-mask output, repeats one of the multimask outputs. A previous mask
  // (has_mask_input = 1) nudges every output; an If skips that work when no prompt of the batch
  // has one (the automatic mask generator never does).
  const withSingle = (b: GraphBuilder, t: string, axis: number) =>
    b.op('Concat', [b.op('Slice', [t, b.ints([SINGLE_MASK_OUTPUT]), b.ints([SINGLE_MASK_OUTPUT + 1]), b.ints([axis])]), t], { axis });
  const iou = withSingle(g, scores.iou, 1);
  if (hasMask === null || maskInput === null) {
    // EdgeSAM's export returns its outputs in this order: scores, then masks.
    g.output(iou, 'scores', 'float', [B, 4]);
    g.output(withSingle(g, logits.lowRes, 1), 'masks', 'float', [B, 4, LOW_RES, LOW_RES]);
    return g.graph('test_edgesam_decoder');
  }
  const nudged = new GraphBuilder('nudge_');
  const nudge = nudged.mul(
    nudged.mul(nudged.op('Reshape', [hasMask, nudged.ints([-1, 1, 1, 1])]), maskInput),
    nudged.scalar(MASK_INPUT_WEIGHT),
  );
  nudged.output(nudged.add(withSingle(nudged, logits.lowRes, 1), nudge), 'nudge_out', 'float');
  const asIs = new GraphBuilder('as_is_');
  asIs.output(withSingle(asIs, logits.lowRes, 1), 'as_is_out', 'float');
  const anyMask = g.op('Greater', [g.op('ReduceMax', [hasMask], { keepdims: 0 }), c(0)]);
  const lowRes = g.op('If', [anyMask], { then_branch: nudged.graph('with_mask_input'), else_branch: asIs.graph('without_mask_input') });
  if (origSize === null) {
    // SAM 2's multimask export returns tokens 1-3 only, clamped to +-32 (export_sam2.py).
    const multimask = (t: string) => g.op('Slice', [t, g.ints([1]), g.ints([4]), g.ints([1])]);
    g.output(g.op('Clip', [multimask(lowRes), c(-32), c(32)]), 'masks', 'float', [B, M, LOW_RES, LOW_RES]);
    g.output(multimask(iou), 'iou_predictions', 'float', [B, M]);
    return g.graph('test_sam2_decoder');
  }

  // masks: bilinear 256 -> 1024, crop to the unpadded h' x w', bilinear to (H, W): SAM's
  // mask_postprocessing (F.interpolate bilinear, align_corners=False == ONNX half_pixel).
  const batchAndTokens = g.op('Slice', [g.op('Shape', [lowRes]), g.ints([0]), g.ints([2])]);
  const linear = { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
  const frameSizes = g.op('Concat', [batchAndTokens, g.ints([FRAME, FRAME])], { axis: 0 });
  const upFrame = g.op('Resize', [lowRes, '', '', frameSizes], linear);
  const cropEnd = g.op('Cast', [resized], { to: 7 });
  const cropped = g.op('Slice', [upFrame, g.ints([0, 0]), cropEnd, g.ints([2, 3])]);
  const origSizes = g.op('Concat', [batchAndTokens, g.op('Cast', [origSize], { to: 7 })], { axis: 0 });
  const masks = g.op('Resize', [cropped, '', '', origSizes], linear);

  g.output(masks, 'masks', 'float', [B, 4, 'height', 'width']);
  g.output(iou, 'iou_predictions', 'float', [B, 4]);
  g.output(lowRes, 'low_res_masks', 'float', [B, 4, LOW_RES, LOW_RES]);
  if (factors) {
    for (const k of ['edges', 'size', 'neck'] as const) g.output(withSingle(g, scores[k], 1), `iou_${k}`, 'float', [B, 4]);
    g.output(withSingle(g, regions.openedShare, 1), 'opened_share', 'float', [B, 4]);
    g.output(withSingle(g, regions.openedArea, 1), 'opened_area', 'float', [B, 4]);
    g.output(enclosing.holeArea, 'hole_area', 'float', [B, 1]);
    g.output(enclosing.spread, 'hole_spread', 'float', [B, 1]);
  }
  return g.graph(batched ? 'test_sam_decoder_batched' : 'test_sam_decoder');
}
