// models/sam-b-shape/: SAM ViT-B's exact image encoder with seeded pseudo-random weights
// (encoder.onnx + its external data, ~358 MB, written on first use, never committed), and SAM
// ViT-B's real prompt encoder + mask decoder with random weights, read at run time from the shared
// reference folder (../shared/models/sam-b-random/decoder.onnx beside the repository; linked,
// never copied). Its masks are meaningless; its cost is SAM ViT-B's. For benchmarks.

import { existsSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { SamanticError } from '../../errors';
import { defaultModelsDir, DESCRIPTOR_FILE, DESCRIPTOR_FORMAT, type ModelDescriptor } from '../descriptor';
import { installGenerated, isGeneratedCurrent, officialSamDecoder } from '../generated';
import { encodeModel, GraphBuilder } from '../testsam/onnx-builder';
import { buildVitEncoder, VIT_B, VIT_INPUT, VIT_OUTPUT, vitGrid, type VitConfig } from './vit-encoder';
import { closeWeights, openWeights, WeightStore } from './weights';

export const SAM_B_SHAPE_ID = 'sam-b-shape';
/** Bump when the generated encoder changes meaning (the fingerprint catches graph changes anyway). */
export const SAM_B_SHAPE_VERSION = 1;
export const SAM_B_SHAPE_SEED = 0x5a3b;
export const ENCODER_FILE = 'encoder.onnx';
export const ENCODER_DATA_FILE = 'encoder.onnx.data';
export const DECODER_FILE = 'decoder.onnx';
/** Overrides where the shared SAM ViT-B decoder is read from. */
export const SAM_B_DECODER_ENV = 'SAMANTIC_SAM_B_DECODER';

/** SAM's pixel normalisation (MobileSAM keeps it). */
export const PIXEL_MEAN: [number, number, number] = [123.675, 116.28, 103.53];
export const PIXEL_STD: [number, number, number] = [58.395, 57.12, 57.375];

export interface RenderedEncoder {
  bytes: Uint8Array;
  parameterCount: number;
  dataBytes: number;
}

/**
 * The encoder graph for `config`; its weights are written to `dataPath` when given, else only
 * counted (the graph bytes are the same either way: offsets do not depend on the values).
 */
export function renderVitEncoder(config: VitConfig, dataPath: string | null, seed = SAM_B_SHAPE_SEED): RenderedEncoder {
  const g = new GraphBuilder();
  const fd = dataPath === null ? null : openWeights(dataPath);
  const weights = new WeightStore(g, { fd, location: ENCODER_DATA_FILE }, seed);
  try {
    buildVitEncoder(g, weights, config);
  } finally {
    if (fd !== null) closeWeights(fd, weights.bytes);
  }
  const doc = `SAM image encoder architecture (ImageEncoderViT ${config.embedDim}x${config.depth}), seeded random weights`;
  const bytes = encodeModel(g.graph('sam_image_encoder'), doc, String(SAM_B_SHAPE_VERSION), 'samantic-sam-b-shape');
  return { bytes, parameterCount: weights.parameterCount, dataBytes: weights.bytes };
}

/** Parameters of an encoder built with `config`, without generating any weight. */
export function countVitParameters(config: VitConfig): number {
  return renderVitEncoder(config, null).parameterCount;
}

/** SHA-256 of the encoder graph (weights are a function of the graph and the seed). */
export function samBShapeFingerprint(): string {
  const h = createHash('sha256');
  h.update(renderVitEncoder(VIT_B, null).bytes);
  h.update(String(SAM_B_SHAPE_SEED));
  return h.digest('hex');
}

/** Where the shared SAM ViT-B decoder is: SAMANTIC_SAM_B_DECODER, else ../shared beside the repository. */
export function sharedDecoderPath(modelsDir: string = defaultModelsDir()): string {
  const fromEnv = process.env[SAM_B_DECODER_ENV];
  if (fromEnv) return resolve(fromEnv);
  return resolve(dirname(resolve(modelsDir)), '..', 'shared', 'models', 'sam-b-random', DECODER_FILE);
}

export function samBShapeDescriptor(fingerprint?: string): ModelDescriptor {
  const grid = vitGrid(VIT_B);
  return {
    format: DESCRIPTOR_FORMAT,
    id: SAM_B_SHAPE_ID,
    name: 'sam-b-shape (SAM ViT-B cost, random weights)',
    description:
      "SAM ViT-B's exact image encoder architecture with seeded pseudo-random weights (generated), and SAM ViT-B's " +
      'real prompt encoder + mask decoder with random weights, linked from ../shared/models/sam-b-random/decoder.onnx ' +
      "(not copied, not committed). Masks are meaningless; the cost is SAM ViT-B's. For benchmarks only.",
    license: 'Apache-2.0',
    family: 'sam1',
    paramsMillions: 93.7,
    speedClass: 'medium',
    notes: 'Encoder: 89,670,912 parameters as SAM ViT-B (generated, random); decoder: the shared sam-b-random export (4,064,560).',
    generator: { name: SAM_B_SHAPE_ID, version: SAM_B_SHAPE_VERSION, ...(fingerprint ? { fingerprint } : {}) },
    frameSize: VIT_B.imgSize,
    embedding: { channels: VIT_B.outChans, gridH: grid, gridW: grid },
    encoder: {
      file: ENCODER_FILE,
      externalData: [ENCODER_DATA_FILE],
      flavour: 'nchw-normalized',
      input: { name: VIT_INPUT, dtype: 'float32', shape: [1, 3, VIT_B.imgSize, VIT_B.imgSize] },
      output: { name: VIT_OUTPUT, dtype: 'float32', shape: [1, VIT_B.outChans, grid, grid] },
      pixelMean: [...PIXEL_MEAN],
      pixelStd: [...PIXEL_STD],
      extraOutputs: [],
      resize: 'longest-side',
    },
    decoders: [officialSamDecoder('official', DECODER_FILE, false, 256)],
    download: null,
  };
}

/** The shared decoder's path for model `id` (sam-b-shape, mobile-sam-shape); refuses clearly when it is missing. */
export function requireSharedDecoder(modelsDir: string, id: string): string {
  const path = sharedDecoderPath(modelsDir);
  if (!existsSync(path)) {
    throw new SamanticError(
      'model-missing',
      `${id} needs SAM ViT-B's decoder at ${path}, which is missing. It is not generated: put the shared ` +
        `reference folder (models/sam-b-random/decoder.onnx, see its README) there, or point ${SAM_B_DECODER_ENV} at a decoder.onnx ` +
        'exported by segment-anything without --return-single-mask.',
    );
  }
  return path;
}

/**
 * True when `dir` holds a generated encoder of generator `version` with `fingerprint`, and a decoder
 * link to `decoder` that resolves (the layout sam-b-shape and mobile-sam-shape share).
 */
export function isLinkedShapeCurrent(dir: string, decoder: string, version: number, fingerprint: () => string): boolean {
  const files = [DESCRIPTOR_FILE, ENCODER_FILE, ENCODER_DATA_FILE, DECODER_FILE];
  try {
    if (!existsSync(join(dir, DECODER_FILE)) || readlinkSync(join(dir, DECODER_FILE)) !== decoder) return false;
  } catch {
    return false;
  }
  return isGeneratedCurrent(dir, files, version, fingerprint);
}

/** True when `dir` holds the current generated encoder and a decoder link to `decoder` that resolves. */
export function isSamBShapeCurrent(dir: string, decoder: string): boolean {
  return isLinkedShapeCurrent(dir, decoder, SAM_B_SHAPE_VERSION, samBShapeFingerprint);
}

/**
 * Makes sure `<modelsDir>/sam-b-shape` holds the current model; returns its folder. Writes into a
 * temporary folder and renames it into place, so an interrupted run leaves nothing half-written.
 */
export function ensureSamBShape(modelsDir: string = defaultModelsDir()): string {
  const decoder = requireSharedDecoder(modelsDir, SAM_B_SHAPE_ID);
  return installGenerated(
    modelsDir,
    SAM_B_SHAPE_ID,
    (dir) => isSamBShapeCurrent(dir, decoder),
    (dir) => {
      const encoder = renderVitEncoder(VIT_B, join(dir, ENCODER_DATA_FILE));
      writeFileSync(join(dir, ENCODER_FILE), encoder.bytes);
      symlinkSync(decoder, join(dir, DECODER_FILE));
      writeFileSync(join(dir, DESCRIPTOR_FILE), `${JSON.stringify(samBShapeDescriptor(samBShapeFingerprint()), null, 2)}\n`);
    },
  );
}
