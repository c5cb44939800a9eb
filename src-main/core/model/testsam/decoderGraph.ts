// test-sam's mask decoder with the official SAM decoder interface
// (segment_anything/utils/onnx.py SamOnnxModel, exported without --return-single-mask):
//   image_embeddings 1x256x64x64, point_coords BxNx2, point_labels BxN, mask_input Bx1x256x256,
//   has_mask_input [B], orig_im_size [2] (H, W)
//   -> masks Bx4xHxW (logits), iou_predictions Bx4, low_res_masks Bx4x256x256.
// The official flavour fixes B = 1; the batched flavour leaves it dynamic. A positive click selects
// the connected region of similar colour around it at three tolerances; see params.ts.

import type onnxProto from 'onnx-proto';
import { GraphBuilder } from './onnxBuilder';
import {
  CHANNELS,
  COARSE_ITERATIONS,
  DISTANCE_CLIP,
  FAR,
  FINE_ITERATIONS,
  GROWTH_CAP,
  FRAME,
  GAIN,
  GRID,
  IOU_HALF_SIZE_CELLS,
  IOU_MARGIN,
  LOW_RES,
  MASK_INPUT_WEIGHT,
  REFERENCE_SIGMA,
  NEGATIVE_PENALTY,
  STEPS_PER_ITERATION,
  SUB,
  SUBCELL_SCALE,
  TOKEN_KINDS,
  TOKEN_TOLERANCES,
  distanceTransform,
} from './params';

/**
 * A Loop that repeats g <- min(negCost, maxpool3x3(g)) (g = minus the minimax distance) for
 * `iterations` * STEPS_PER_ITERATION steps; with `untilStable` it stops as soon as nothing changes
 * (worth its extra passes only when many iterations may be skipped). Returns the final g.
 */
function growLoop(g: GraphBuilder, start: string, negCost: string, iterations: number, tag: string, untilStable: boolean): string {
  const body = new GraphBuilder(`${tag}_`);
  body.input(`${tag}_i`, 'int64', []);
  const condIn = body.input(`${tag}_cond_in`, 'bool', []);
  const gin = body.input(`${tag}_g_in`, 'float');
  let cur = gin;
  for (let s = 0; s < STEPS_PER_ITERATION; s++) {
    const pooled = body.op('MaxPool', [cur], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] });
    cur = body.op('Min', [pooled, negCost]);
  }
  const going = untilStable ? body.op('Greater', [body.op('ReduceMax', [body.op('Abs', [body.sub(cur, gin)])], { keepdims: 0 }), body.scalar(0)]) : condIn;
  body.output(going, `${tag}_cond_out`, 'bool', []);
  body.output(cur, `${tag}_g_out`, 'float');
  return g.op('Loop', [g.ints([iterations], [], 'trip'), g.bool(true), start], { body: body.graph(`${tag}_body`) });
}

export function buildDecoderGraph(batched: boolean): onnxProto.onnx.IGraphProto {
  const g = new GraphBuilder();
  const B: number | string = batched ? 'batch' : 1;
  const emb = g.input('image_embeddings', 'float', [1, CHANNELS, GRID, GRID]);
  const coords = g.input('point_coords', 'float', [B, 'num_points', 2]);
  const labels = g.input('point_labels', 'float', [B, 'num_points']);
  const maskInput = g.input('mask_input', 'float', [B, 1, LOW_RES, LOW_RES]);
  const hasMask = g.input('has_mask_input', 'float', [B]);
  const origSize = g.input('orig_im_size', 'float', [2]);
  const cells = LOW_RES * LOW_RES;
  const c = (v: number) => g.scalar(v);

  // Sub-cell colours back from embedding channels 0-47, unfolded to 3 x 256 x 256, then into the
  // distance space (brightness down-weighted).
  const folded = g.op('Slice', [emb, g.ints([0]), g.ints([3 * SUB * SUB]), g.ints([1])]);
  const colour = g.add(g.mul(folded, c(1 / SUBCELL_SCALE)), c(0.5));
  const grid = g.op('DepthToSpace', [colour], { blocksize: SUB, mode: 'DCR' });
  const dspace = g.op('Conv', [grid, g.floats(distanceTransform(), [3, 3, 1, 1], 'dist_m')]);
  const flat = g.op('Reshape', [dspace, g.ints([3, cells])]);

  // Clicked cells: like SAM's graph, +0.5 before use; 4 frame pixels per cell.
  const cellXY = g.op('Clip', [g.op('Floor', [g.mul(g.add(coords, c(0.5)), c(LOW_RES / FRAME))]), c(0), c(LOW_RES - 1)]);
  const cx = g.op('Slice', [cellXY, g.ints([0]), g.ints([1]), g.ints([2])]); // B x N x 1
  const cy = g.op('Slice', [cellXY, g.ints([1]), g.ints([2]), g.ints([2])]);
  const toIndex = (x: string, y: string) => g.op('Cast', [g.add(g.mul(y, c(LOW_RES)), x)], { to: 7 });
  const idx = g.op('Squeeze', [toIndex(cx, cy), g.ints([2])]); // B x N int64

  // A click's reference colour: the mean of its 3 x 3 cells weighted by their similarity to the
  // clicked cell (a bilateral filter), so noise averages out but a neighbouring material (the hole
  // of an olive ring, the edge of a topping) does not leak into the reference.
  const shift = (d: number[]) => g.floats(d, [9], 'offsets');
  const nx = g.op('Clip', [g.add(cx, shift([-1, 0, 1, -1, 0, 1, -1, 0, 1])), c(0), c(LOW_RES - 1)]);
  const ny = g.op('Clip', [g.add(cy, shift([-1, -1, -1, 0, 0, 0, 1, 1, 1])), c(0), c(LOW_RES - 1)]);
  const hood = g.op('Transpose', [g.op('Gather', [flat, toIndex(nx, ny)], { axis: 1 })], { perm: [1, 2, 3, 0] }); // B x N x 9 x 3
  const centre = g.op('Slice', [hood, g.ints([4]), g.ints([5]), g.ints([2])]);
  const gap = g.op('ReduceSum', [g.mul(g.sub(hood, centre), g.sub(hood, centre)), g.ints([3])], { keepdims: 1 });
  const weight = g.op('Exp', [g.mul(gap, c(-1 / REFERENCE_SIGMA ** 2))]); // B x N x 9 x 1
  const sumW = g.op('ReduceSum', [weight, g.ints([2])], { keepdims: 0 });
  const ref = g.div(g.op('ReduceSum', [g.mul(hood, weight), g.ints([2])], { keepdims: 0 }), sumW); // B x N x 3

  // Colour distance of every cell to every point's reference colour: |x|^2 - 2 x.r + |r|^2.
  const dot = g.op('MatMul', [ref, flat]); // B x N x cells
  const x2 = g.op('ReduceSum', [g.mul(flat, flat), g.ints([0])], { keepdims: 0 }); // cells
  const r2 = g.op('ReduceSum', [g.mul(ref, ref), g.ints([2])], { keepdims: 1 }); // B x N x 1
  const dist = g.op('Sqrt', [g.op('Relu', [g.add(g.sub(x2, g.mul(dot, c(2))), r2)])]);

  // Labels: 1 positive, 0 negative; -1 (padding) and 2/3 (box corners, unsupported here) are ignored.
  const isPos = g.op('Cast', [g.op('Equal', [labels, c(1)])], { to: 1 });
  const isNeg = g.op('Cast', [g.op('Equal', [labels, c(0)])], { to: 1 });
  const away = (is: string) => g.op('Unsqueeze', [g.mul(g.sub(c(1), is), c(FAR)), g.ints([2])]);
  const dPos = g.op('ReduceMin', [g.add(dist, away(isPos))], { axes: [1], keepdims: 0 }); // B x cells
  const dNeg = g.op('ReduceMin', [g.add(dist, away(isNeg))], { axes: [1], keepdims: 0 });
  let cost = g.add(dPos, g.mul(g.op('Relu', [g.sub(dPos, dNeg)]), c(NEGATIVE_PENALTY)));

  // Only the unpadded part of the frame can be in a mask: h' = int(H * s + 0.5) as in SAM's graph.
  const longest = g.op('ReduceMax', [origSize], { keepdims: 1 });
  const resized = g.op('Floor', [g.add(g.mul(origSize, g.div(c(FRAME), longest)), c(0.5))]); // [h', w']
  const starts = g.floats(Array.from({ length: LOW_RES }, (_, i) => i * (FRAME / LOW_RES)), [LOW_RES], 'cell_start');
  const inside = (i: number, shape: number[]) =>
    g.op('Cast', [g.op('Less', [g.op('Reshape', [starts, g.ints(shape)]), g.op('Slice', [resized, g.ints([i]), g.ints([i + 1]), g.ints([0])])])], { to: 1 });
  const valid = g.op('Reshape', [g.mul(inside(0, [LOW_RES, 1]), inside(1, [1, LOW_RES])), g.ints([cells])]);
  cost = g.op('Min', [g.add(cost, g.mul(g.sub(c(1), valid), c(FAR))), c(FAR)]);

  // Seeds: the positive points' cells (ScatterElements adds the point's positivity at its cell).
  const zeros = g.op('Mul', [dPos, c(0)]);
  const seed = g.op('ScatterElements', [zeros, idx, isPos], { axis: 1, reduction: 'add' });

  // Growth works on min(cost, cap), starting from the cap everywhere but the seeds. Two costs grow
  // side by side as channels: the plain one, and an eroded one (a cell passes only when its whole
  // 3 x 3 neighbourhood does) whose region is dilated back afterwards: an opening by reconstruction,
  // which cuts the thin necks where touching objects of the same colour meet.
  const img = g.ints([-1, 1, LOW_RES, LOW_RES]);
  const capped = g.op('Reshape', [g.op('Min', [cost, c(GROWTH_CAP)]), img]);
  const pool3 = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
  const costs = g.op('Concat', [capped, g.op('MaxPool', [capped], pool3)], { axis: 1 });
  const negCost = g.op('Neg', [costs]);
  const seedMap = g.op('Greater', [g.op('Reshape', [seed, img]), c(0.5)]);
  const negCap = c(-GROWTH_CAP);

  // Coarse pass on 64 x 64 patches (a patch costs its worst sub-cell), then the fine 256 x 256 pass
  // starting from that upper bound of the distance.
  const byPatch = { kernel_shape: [SUB, SUB], strides: [SUB, SUB] };
  const negCostCoarse = g.op('Neg', [g.op('MaxPool', [costs], byPatch)]);
  const seedCoarse = g.op('MaxPool', [g.op('Cast', [seedMap], { to: 1 })], byPatch);
  const startCoarse = g.op('Where', [g.op('Greater', [seedCoarse, c(0.5)]), negCostCoarse, negCap]);
  const coarse = growLoop(g, startCoarse, negCostCoarse, COARSE_ITERATIONS, 'coarse', true);
  const up = g.op('Resize', [coarse, '', g.floats([1, 1, SUB, SUB], [4], 'x4')], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  const startFine = g.op('Max', [g.op('Where', [seedMap, negCost, negCap]), g.op('Min', [negCost, up])]);
  const grown = g.op('Neg', [growLoop(g, startFine, negCost, FINE_ITERATIONS, 'fine', false)]); // B x 2 x 256 x 256
  const plain = g.op('Slice', [grown, g.ints([0]), g.ints([1]), g.ints([1])]);
  const eroded = g.op('Slice', [grown, g.ints([1]), g.ints([2]), g.ints([1])]);
  const dilated = g.op('Neg', [g.op('MaxPool', [g.op('Neg', [eroded])], pool3)]);
  const opened = g.op('Max', [dilated, capped]);
  // Cells the growth did not reach keep their own colour distance (at least the cap), so very
  // different colours get strongly negative logits and similar but unconnected ones mildly negative.
  const own = g.op('Max', [g.op('Reshape', [g.op('Min', [cost, c(DISTANCE_CLIP)]), img]), c(GROWTH_CAP)]);
  const both = g.op('Concat', [plain, opened], { axis: 1 });
  const reached = g.op('Where', [g.op('Less', [both, c(GROWTH_CAP)]), both, own]);
  const distance = g.op('Gather', [reached, g.ints(TOKEN_KINDS.map((k) => (k === 'opened' ? 1 : 0)), [4], 'token_kind')], { axis: 1 });

  // Logits: GAIN * (tolerance - distance), one map per token, plus the optional previous mask.
  const tol = g.floats(TOKEN_TOLERANCES, [1, 4, 1, 1], 'tolerances');
  const clipped = g.op('Min', [distance, c(DISTANCE_CLIP)]);
  let lowRes = g.mul(g.sub(tol, clipped), c(GAIN));
  const hasMaskB = g.op('Reshape', [hasMask, g.ints([-1, 1, 1, 1])]);
  lowRes = g.add(lowRes, g.mul(g.mul(hasMaskB, maskInput), c(MASK_INPUT_WEIGHT)));

  // iou_predictions: the square root of the contrast (area with a margin inside / area with a margin
  // outside) times a size factor that rates tiny fragments low.
  const dFlat = g.op('Reshape', [distance, g.ints([-1, 4, cells])]);
  const count = (thresholds: readonly number[]) =>
    g.op('ReduceSum', [g.op('Cast', [g.op('Less', [dFlat, g.floats(thresholds, [1, 4, 1], 'thr')])], { to: 1 }), g.ints([2])], { keepdims: 0 });
  const area = count(TOKEN_TOLERANCES);
  const inner = count(TOKEN_TOLERANCES.map((t) => t * (1 - IOU_MARGIN)));
  const outer = count(TOKEN_TOLERANCES.map((t) => t * (1 + IOU_MARGIN)));
  const contrast = g.div(inner, g.op('Max', [outer, c(1)]));
  const size = g.div(area, g.add(area, c(IOU_HALF_SIZE_CELLS)));
  const iou = g.mul(g.op('Sqrt', [contrast]), size);

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
  return g.graph(batched ? 'test_sam_decoder_batched' : 'test_sam_decoder');
}
