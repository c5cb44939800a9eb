// test-sam's image encoder: SAM's official encoder interface (1x3x1024x1024 normalised ->
// image_embeddings 1x256x64x64), computed from colour and texture statistics instead of a ViT.

import type onnxProto from 'onnx-proto';
import { GraphBuilder } from './onnx-builder';
import {
  CHANNELS,
  CHROMA_SCALE,
  CONSTANT,
  EXPANSION_SEED,
  FRAME,
  GRID,
  HISTOGRAM_BINS,
  HISTOGRAM_LEVELS,
  HISTOGRAM_SCALE,
  HISTOGRAM_SIGMA,
  LOW_RES,
  MEAN_SCALE,
  PIXEL_MEAN,
  PIXEL_STD,
  REST_CHANNELS,
  REST_FEATURES,
  STAT_FEATURES,
  SUB,
  SUBCELL_SCALE,
  TEXTURE_SCALE,
  orthonormalColumns,
} from './params';

export const ENCODER_INPUT = 'input_image';
export const ENCODER_OUTPUT = 'image_embeddings';

/**
 * SAM 2.1's image encoder interface as samexporter's export_sam2.py names it: input `image`
 * 1x3x1024x1024, outputs image_embed 1x256x64x64 and the two high-resolution feature maps.
 */
export const SAM2_ENCODER_INPUT = 'image';
export const SAM2_ENCODER_OUTPUT = 'image_embed';
export const SAM2_HIGH_RES = [
  { name: 'high_res_feats_0', channels: 32, side: 256 },
  { name: 'high_res_feats_1', channels: 64, side: 128 },
] as const;

/**
 * The 9 patch statistics as an affine map of [mean r, g, b, std r, g, b] (9 x 6 weights + 9 biases):
 * centred mean colour, two opponent chroma axes (red-green, yellow-blue), texture, a constant.
 */
function patchStatistics(): { a: number[][]; bias: number[] } {
  const s2 = Math.SQRT2;
  const s6 = Math.sqrt(6);
  const a = [
    [MEAN_SCALE, 0, 0, 0, 0, 0],
    [0, MEAN_SCALE, 0, 0, 0, 0],
    [0, 0, MEAN_SCALE, 0, 0, 0],
    [CHROMA_SCALE / s2, -CHROMA_SCALE / s2, 0, 0, 0, 0],
    [CHROMA_SCALE / s6, CHROMA_SCALE / s6, (-2 * CHROMA_SCALE) / s6, 0, 0, 0],
    [0, 0, 0, TEXTURE_SCALE, 0, 0],
    [0, 0, 0, 0, TEXTURE_SCALE, 0],
    [0, 0, 0, 0, 0, TEXTURE_SCALE],
    [0, 0, 0, 0, 0, 0],
  ];
  const bias = [-0.5 * MEAN_SCALE, -0.5 * MEAN_SCALE, -0.5 * MEAN_SCALE, 0, 0, 0, 0, 0, CONSTANT];
  return { a, bias };
}

/** The histogram's prototype colours (HISTOGRAM_BINS x 3, 0-1), red slowest. */
export function histogramPrototypes(): number[][] {
  const out: number[][] = [];
  for (const r of HISTOGRAM_LEVELS) for (const g of HISTOGRAM_LEVELS) for (const b of HISTOGRAM_LEVELS) out.push([r, g, b]);
  return out;
}

/** Number of inputs of the dense expansion: mean (3), std (3), histogram (HISTOGRAM_BINS). */
export const DENSE_INPUTS = 6 + HISTOGRAM_BINS;

/**
 * Conv weight (REST_CHANNELS x DENSE_INPUTS x 1 x 1) and bias of Q * [A x + a0; HISTOGRAM_SCALE h],
 * Q with orthonormal columns (so dot products of the features are kept exactly).
 */
export function denseExpansion(): { weight: Float64Array; bias: Float64Array } {
  const q = orthonormalColumns(REST_CHANNELS, REST_FEATURES, EXPANSION_SEED);
  const { a, bias } = patchStatistics();
  const weight = new Float64Array(REST_CHANNELS * DENSE_INPUTS);
  const b = new Float64Array(REST_CHANNELS);
  for (let r = 0; r < REST_CHANNELS; r++) {
    for (let f = 0; f < STAT_FEATURES; f++) {
      const qrf = q[r * REST_FEATURES + f];
      for (let i = 0; i < 6; i++) weight[r * DENSE_INPUTS + i] += qrf * a[f][i];
      b[r] += qrf * bias[f];
    }
    for (let k = 0; k < HISTOGRAM_BINS; k++) weight[r * DENSE_INPUTS + 6 + k] = q[r * REST_FEATURES + STAT_FEATURES + k] * HISTOGRAM_SCALE;
  }
  return { weight, bias: b };
}

/**
 * `sam2`: SAM 2.1's names, plus high_res_feats_0 (the centred sub-cell colours in channels 0-2 at
 * 256 x 256, the rest zero) and high_res_feats_1 (the same colours averaged over 2 x 2 sub-cells at
 * 128 x 128); test-sam2's decoder reads colours from them and from image_embed together.
 * `inputName`: the input's name (EdgeSAM's export calls SAM 1's input_image `image`).
 * `frame`: the input's side; a 512 input (EfficientViT-SAM-L's) gives the same 64 x 64 grid.
 */
export function buildEncoderGraph(
  sam2 = false,
  inputName = sam2 ? SAM2_ENCODER_INPUT : ENCODER_INPUT,
  frame = FRAME,
): onnxProto.onnx.IGraphProto {
  const g = new GraphBuilder();
  const x = g.input(inputName, 'float', [1, 3, frame, frame]);

  // Undo SAM's normalisation: colour in 0-1 (the zero padding becomes the mean grey, as in SAM).
  const scale = g.floats(
    PIXEL_STD.map((s) => s / 255),
    [1, 3, 1, 1],
    'std',
  );
  const shift = g.floats(
    PIXEL_MEAN.map((m) => m / 255),
    [1, 3, 1, 1],
    'mean',
  );
  const colour = g.add(g.mul(x, scale), shift);

  // 4 x 4 sub-cell colours (the decoder's 256 x 256 grid), then folded into 48 channels per patch.
  const cell = frame / LOW_RES; // 4 frame pixels (2 in a 512 input)
  const subCells = g.op('AveragePool', [colour], { kernel_shape: [cell, cell], strides: [cell, cell] });
  const centred = g.sub(subCells, g.scalar(0.5));
  const folded = g.op('SpaceToDepth', [centred], { blocksize: SUB });
  const subFeatures = g.mul(folded, g.scalar(SUBCELL_SCALE));

  // Patch mean and per-channel standard deviation over the 16 x 16 pixels (texture).
  const patch = frame / GRID;
  const mean = g.op('AveragePool', [subCells], { kernel_shape: [SUB, SUB], strides: [SUB, SUB] });
  const meanSq = g.op('AveragePool', [g.mul(colour, colour)], { kernel_shape: [patch, patch], strides: [patch, patch] });
  const variance = g.op('Relu', [g.sub(meanSq, g.mul(mean, mean))]);
  const std = g.op('Sqrt', [g.add(variance, g.scalar(1e-6))]);

  // Soft colour histogram (params.ts): squared distance of each sub-cell to each prototype as
  // |x|^2 - 2 p.x + |p|^2 (one 1 x 1 Conv), Gaussian weights normalised per sub-cell, patch mean.
  const protos = histogramPrototypes();
  const crossW = protos.flatMap((p) => p.map((v) => -2 * v));
  const crossB = protos.map((p) => p.reduce((s, v) => s + v * v, 0));
  const cross = g.op('Conv', [
    subCells,
    g.floats(crossW, [HISTOGRAM_BINS, 3, 1, 1], 'hist_w'),
    g.floats(crossB, [HISTOGRAM_BINS], 'hist_b'),
  ]);
  const sq = g.op('ReduceSum', [g.mul(subCells, subCells), g.ints([1])], { keepdims: 1 });
  const weights = g.op('Exp', [g.mul(g.add(cross, sq), g.scalar(-1 / (2 * HISTOGRAM_SIGMA ** 2)))]);
  const soft = g.div(weights, g.op('ReduceSum', [weights, g.ints([1])], { keepdims: 1 }));
  const histogram = g.op('AveragePool', [soft], { kernel_shape: [SUB, SUB], strides: [SUB, SUB] });

  const { weight, bias } = denseExpansion();
  const stats = g.op('Concat', [mean, std, histogram], { axis: 1 });
  const dense = g.op('Conv', [
    stats,
    g.floats(weight, [REST_CHANNELS, DENSE_INPUTS, 1, 1], 'expand_w'),
    g.floats(bias, [REST_CHANNELS], 'expand_b'),
  ]);

  const embedding = g.op('Concat', [subFeatures, dense], { axis: 1 });
  if (!sam2) {
    g.output(embedding, ENCODER_OUTPUT, 'float', [1, CHANNELS, GRID, GRID]);
    return g.graph('test_sam_encoder');
  }
  const halved = g.op('AveragePool', [centred], { kernel_shape: [2, 2], strides: [2, 2] });
  SAM2_HIGH_RES.forEach(({ name, channels, side }, i) => {
    const padded = g.op('Pad', [i === 0 ? centred : halved, g.ints([0, 0, 0, 0, 0, channels - 3, 0, 0])]);
    g.output(padded, name, 'float', [1, channels, side, side]);
  });
  g.output(embedding, SAM2_ENCODER_OUTPUT, 'float', [1, CHANNELS, GRID, GRID]);
  return g.graph('test_sam2_encoder');
}
