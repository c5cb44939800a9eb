// test-sam's mask decoder with the official SAM decoder interface
// (segment_anything/utils/onnx.py SamOnnxModel, exported without --return-single-mask):
//   image_embeddings 1x256x64x64, point_coords BxNx2, point_labels BxN, mask_input Bx1x256x256,
//   has_mask_input [B], orig_im_size [2] (H, W)
//   -> masks Bx4xHxW (logits), iou_predictions Bx4, low_res_masks Bx4x256x256.
// The official flavour fixes B = 1; the batched flavour leaves it dynamic. A positive click selects
// the connected region of similar colour around it at three tolerances; see params.ts.

import type onnxProto from 'onnx-proto';
import { colourFeatures, referenceColours } from './colour';
import { growRegions } from './growth';
import { GraphBuilder } from './onnxBuilder';
import {
  CHANNELS,
  DISTANCE_CLIP,
  FAR,
  GROWTH_CAP,
  FRAME,
  GAIN,
  GRID,
  IOU_HALF_SIZE_CELLS,
  IOU_MARGIN,
  LOW_RES,
  MASK_INPUT_WEIGHT,
  NEGATIVE_PENALTY,
  SUB,
  SUBCELL_SCALE,
  TOKEN_KINDS,
  TOKEN_TOLERANCES,
} from './params';

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
  // distance space (chromaticity and log brightness, colour.ts).
  const folded = g.op('Slice', [emb, g.ints([0]), g.ints([3 * SUB * SUB]), g.ints([1])]);
  const colour = g.add(g.mul(folded, c(1 / SUBCELL_SCALE)), c(0.5));
  const grid = g.op('DepthToSpace', [colour], { blocksize: SUB, mode: 'DCR' });
  const flat = g.op('Reshape', [colourFeatures(g, grid), g.ints([3, cells])]);

  // Clicked cells: like SAM's graph, +0.5 before use; 4 frame pixels per cell.
  const cellXY = g.op('Clip', [g.op('Floor', [g.mul(g.add(coords, c(0.5)), c(LOW_RES / FRAME))]), c(0), c(LOW_RES - 1)]);
  const cx = g.op('Slice', [cellXY, g.ints([0]), g.ints([1]), g.ints([2])]); // B x N x 1
  const cy = g.op('Slice', [cellXY, g.ints([1]), g.ints([2]), g.ints([2])]);
  const toIndex = (x: string, y: string) => g.op('Cast', [g.add(g.mul(y, c(LOW_RES)), x)], { to: 7 });
  const idx = g.op('Squeeze', [toIndex(cx, cy), g.ints([2])]); // B x N int64

  // A click's reference colour: the middle of the shades of the material under it (reference.ts).
  const ref = referenceColours(g, flat, cx, cy); // B x N x 3

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

  const { plain, opened } = growRegions(g, cost, g.op('Greater', [g.op('Reshape', [seed, g.ints([-1, 1, LOW_RES, LOW_RES])]), c(0.5)]));
  // Cells the growth did not reach keep their own colour distance (at least the cap), so very
  // different colours get strongly negative logits and similar but unconnected ones mildly negative.
  const img = g.ints([-1, 1, LOW_RES, LOW_RES]);
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
