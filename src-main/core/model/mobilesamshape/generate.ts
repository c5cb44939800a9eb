// models/mobile-sam-shape/: MobileSAM's exact image encoder (TinyViT-5M at 1024 x 1024) with
// seeded pseudo-random weights (encoder.onnx + its external data, ~23 MB, written on first use,
// never committed), and SAM's prompt encoder + mask decoder, which MobileSAM uses unchanged: the
// same shared file as sam-b-shape (../shared/models/sam-b-random/decoder.onnx, linked, never
// copied). Its masks are meaningless; its cost is MobileSAM's, the model CPU users should run.

import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { defaultModelsDir, DESCRIPTOR_FILE, DESCRIPTOR_FORMAT, type ModelDescriptor } from '../descriptor';
import { installGenerated, officialSamDecoder } from '../generated';
import { encodeModel, GraphBuilder } from '../testsam/onnx-builder';
import {
  DECODER_FILE,
  ENCODER_DATA_FILE,
  ENCODER_FILE,
  isLinkedShapeCurrent,
  PIXEL_MEAN,
  PIXEL_STD,
  requireSharedDecoder,
  type RenderedEncoder,
} from '../sambshape/generate';
import { closeWeights, openWeights, WeightStore } from '../sambshape/weights';
import { buildTinyVitEncoder, MOBILE_SAM_TINYVIT, TINYVIT_INPUT, TINYVIT_OUTPUT, tinyVitGrid, type TinyVitConfig } from './tinyvit-encoder';

export const MOBILE_SAM_SHAPE_ID = 'mobile-sam-shape';
/** Bump when the generated encoder changes meaning (the fingerprint catches graph changes anyway). */
export const MOBILE_SAM_SHAPE_VERSION = 1;
export const MOBILE_SAM_SHAPE_SEED = 0x70b1;

/**
 * The encoder graph for `config`; its weights are written to `dataPath` when given, else only
 * counted (the graph bytes are the same either way: offsets do not depend on the values).
 */
export function renderTinyVitEncoder(config: TinyVitConfig, dataPath: string | null, seed = MOBILE_SAM_SHAPE_SEED): RenderedEncoder {
  const g = new GraphBuilder();
  const fd = dataPath === null ? null : openWeights(dataPath);
  const weights = new WeightStore(g, { fd, location: ENCODER_DATA_FILE }, seed);
  try {
    buildTinyVitEncoder(g, weights, config);
  } finally {
    if (fd !== null) closeWeights(fd, weights.bytes);
  }
  const doc = `MobileSAM image encoder architecture (TinyViT ${config.embedDims.join('-')}), seeded random weights`;
  const bytes = encodeModel(g.graph('mobile_sam_image_encoder'), doc, String(MOBILE_SAM_SHAPE_VERSION), 'samantic-mobile-sam-shape');
  return { bytes, parameterCount: weights.parameterCount, dataBytes: weights.bytes };
}

/** Parameters of an encoder built with `config`, without generating any weight. */
export function countTinyVitParameters(config: TinyVitConfig): number {
  return renderTinyVitEncoder(config, null).parameterCount;
}

/** SHA-256 of the encoder graph (weights are a function of the graph and the seed). */
export function mobileSamShapeFingerprint(): string {
  const h = createHash('sha256');
  h.update(renderTinyVitEncoder(MOBILE_SAM_TINYVIT, null).bytes);
  h.update(String(MOBILE_SAM_SHAPE_SEED));
  return h.digest('hex');
}

export function mobileSamShapeDescriptor(fingerprint?: string): ModelDescriptor {
  const c = MOBILE_SAM_TINYVIT;
  const grid = tinyVitGrid(c);
  return {
    format: DESCRIPTOR_FORMAT,
    id: MOBILE_SAM_SHAPE_ID,
    name: 'mobile-sam-shape (MobileSAM cost, random weights)',
    description:
      "MobileSAM's exact image encoder architecture (TinyViT-5M at 1024x1024) with seeded pseudo-random weights (generated), " +
      "and SAM's real prompt encoder + mask decoder with random weights, which MobileSAM uses unchanged, linked from " +
      "../shared/models/sam-b-random/decoder.onnx (not copied, not committed). Masks are meaningless; the cost is MobileSAM's. " +
      'For benchmarks only.',
    license: 'Apache-2.0',
    family: 'sam1',
    paramsMillions: 9.8,
    speedClass: 'fast',
    notes:
      "Encoder: 5,738,964 parameters, MobileSAM's TinyViT with each BatchNorm folded into its convolution (the PyTorch module: " +
      '5,743,892 on the forward path); decoder: the shared sam-b-random export (4,064,560).',
    generator: { name: MOBILE_SAM_SHAPE_ID, version: MOBILE_SAM_SHAPE_VERSION, ...(fingerprint ? { fingerprint } : {}) },
    frameSize: c.imgSize,
    embedding: { channels: c.outChans, gridH: grid, gridW: grid },
    encoder: {
      file: ENCODER_FILE,
      externalData: [ENCODER_DATA_FILE],
      flavour: 'nchw-normalized',
      input: { name: TINYVIT_INPUT, dtype: 'float32', shape: [1, 3, c.imgSize, c.imgSize] },
      output: { name: TINYVIT_OUTPUT, dtype: 'float32', shape: [1, c.outChans, grid, grid] },
      pixelMean: [...PIXEL_MEAN],
      pixelStd: [...PIXEL_STD],
      extraOutputs: [],
      resize: 'longest-side',
    },
    decoders: [officialSamDecoder('official', DECODER_FILE, false, 256)],
    download: null,
  };
}

/** True when `dir` holds the current generated encoder and a decoder link to `decoder` that resolves. */
export function isMobileSamShapeCurrent(dir: string, decoder: string): boolean {
  return isLinkedShapeCurrent(dir, decoder, MOBILE_SAM_SHAPE_VERSION, mobileSamShapeFingerprint);
}

/**
 * Makes sure `<modelsDir>/mobile-sam-shape` holds the current model; returns its folder. Written
 * into a temporary folder renamed into place, as sam-b-shape, so nothing is ever half-written.
 */
export function ensureMobileSamShape(modelsDir: string = defaultModelsDir()): string {
  const decoder = requireSharedDecoder(modelsDir, MOBILE_SAM_SHAPE_ID);
  return installGenerated(
    modelsDir,
    MOBILE_SAM_SHAPE_ID,
    (dir) => isMobileSamShapeCurrent(dir, decoder),
    (dir) => {
      const encoder = renderTinyVitEncoder(MOBILE_SAM_TINYVIT, join(dir, ENCODER_DATA_FILE));
      writeFileSync(join(dir, ENCODER_FILE), encoder.bytes);
      symlinkSync(decoder, join(dir, DECODER_FILE));
      writeFileSync(join(dir, DESCRIPTOR_FILE), `${JSON.stringify(mobileSamShapeDescriptor(mobileSamShapeFingerprint()), null, 2)}\n`);
    },
  );
}
