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

/** What a generated encoder's graph is named and stamped with, and the seed of its weights. */
export interface EncoderStamp {
  graphName: string;
  doc: string;
  version: number;
  producer: string;
  seed: number;
}

/**
 * A generated encoder graph: `build` adds its nodes; its weights are written to `dataPath` when
 * given, else only counted (the graph bytes are the same either way: offsets do not depend on the
 * values).
 */
export function renderEncoder(
  build: (g: GraphBuilder, w: WeightStore) => void,
  dataPath: string | null,
  stamp: EncoderStamp,
): RenderedEncoder {
  const g = new GraphBuilder();
  const fd = dataPath === null ? null : openWeights(dataPath);
  const weights = new WeightStore(g, { fd, location: ENCODER_DATA_FILE }, stamp.seed);
  try {
    build(g, weights);
  } finally {
    if (fd !== null) closeWeights(fd, weights.bytes);
  }
  const bytes = encodeModel(g.graph(stamp.graphName), stamp.doc, String(stamp.version), stamp.producer);
  return { bytes, parameterCount: weights.parameterCount, dataBytes: weights.bytes };
}

/** SHA-256 of an encoder graph and its seed (the weights are a function of both). */
export function encoderFingerprint(graph: Uint8Array, seed: number): string {
  const h = createHash('sha256');
  h.update(graph);
  h.update(String(seed));
  return h.digest('hex');
}

/** The encoder graph for `config`, weights to `dataPath` or only counted (renderEncoder). */
export function renderVitEncoder(config: VitConfig, dataPath: string | null, seed = SAM_B_SHAPE_SEED): RenderedEncoder {
  return renderEncoder((g, w) => buildVitEncoder(g, w, config), dataPath, {
    graphName: 'sam_image_encoder',
    doc: `SAM image encoder architecture (ImageEncoderViT ${config.embedDim}x${config.depth}), seeded random weights`,
    version: SAM_B_SHAPE_VERSION,
    producer: 'samantic-sam-b-shape',
    seed,
  });
}

/** Parameters of an encoder built with `config`, without generating any weight. */
export function countVitParameters(config: VitConfig): number {
  return renderVitEncoder(config, null).parameterCount;
}

/** SHA-256 of the encoder graph (weights are a function of the graph and the seed). */
export function samBShapeFingerprint(): string {
  return encoderFingerprint(renderVitEncoder(VIT_B, null).bytes, SAM_B_SHAPE_SEED);
}

/** Where the shared SAM ViT-B decoder is: SAMANTIC_SAM_B_DECODER, else ../shared beside the repository. */
export function sharedDecoderPath(modelsDir: string = defaultModelsDir()): string {
  const fromEnv = process.env[SAM_B_DECODER_ENV];
  if (fromEnv) return resolve(fromEnv);
  return resolve(dirname(resolve(modelsDir)), '..', 'shared', 'models', 'sam-b-random', DECODER_FILE);
}

/** What differs between the generated shapes that link the shared SAM decoder. */
export interface LinkedShapeSpec {
  id: string;
  name: string;
  description: string;
  paramsMillions: number;
  speedClass: ModelDescriptor['speedClass'];
  notes: string;
  version: number;
  imgSize: number;
  outChans: number;
  grid: number;
  inputName: string;
  outputName: string;
}

/** The model.json of a generated encoder beside the linked shared SAM decoder. */
export function linkedShapeDescriptor(spec: LinkedShapeSpec, fingerprint?: string): ModelDescriptor {
  const { imgSize, outChans, grid } = spec;
  return {
    format: DESCRIPTOR_FORMAT,
    id: spec.id,
    name: spec.name,
    description: spec.description,
    license: 'Apache-2.0',
    family: 'sam1',
    paramsMillions: spec.paramsMillions,
    speedClass: spec.speedClass,
    notes: spec.notes,
    generator: { name: spec.id, version: spec.version, ...(fingerprint ? { fingerprint } : {}) },
    frameSize: imgSize,
    embedding: { channels: outChans, gridH: grid, gridW: grid },
    encoder: {
      file: ENCODER_FILE,
      externalData: [ENCODER_DATA_FILE],
      flavour: 'nchw-normalized',
      input: { name: spec.inputName, dtype: 'float32', shape: [1, 3, imgSize, imgSize] },
      output: { name: spec.outputName, dtype: 'float32', shape: [1, outChans, grid, grid] },
      pixelMean: [...PIXEL_MEAN],
      pixelStd: [...PIXEL_STD],
      extraOutputs: [],
      resize: 'longest-side',
    },
    decoders: [officialSamDecoder('official', DECODER_FILE, false, 256)],
    download: null,
  };
}

export function samBShapeDescriptor(fingerprint?: string): ModelDescriptor {
  return linkedShapeDescriptor(
    {
      id: SAM_B_SHAPE_ID,
      name: 'sam-b-shape (SAM ViT-B cost, random weights)',
      description:
        "SAM ViT-B's exact image encoder architecture with seeded pseudo-random weights (generated), and SAM ViT-B's " +
        'real prompt encoder + mask decoder with random weights, linked from ../shared/models/sam-b-random/decoder.onnx ' +
        "(not copied, not committed). Masks are meaningless; the cost is SAM ViT-B's. For benchmarks only.",
      paramsMillions: 93.7,
      speedClass: 'medium',
      notes: 'Encoder: 89,670,912 parameters as SAM ViT-B (generated, random); decoder: the shared sam-b-random export (4,064,560).',
      version: SAM_B_SHAPE_VERSION,
      imgSize: VIT_B.imgSize,
      outChans: VIT_B.outChans,
      grid: vitGrid(VIT_B),
      inputName: VIT_INPUT,
      outputName: VIT_OUTPUT,
    },
    fingerprint,
  );
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

/**
 * Makes sure `<modelsDir>/<id>` holds the current generated shape (`renderTo` writes the encoder's
 * weights to the path it gets and returns its graph); returns its folder. Writes into a temporary
 * folder and renames it into place, so an interrupted run leaves nothing half-written.
 */
export function ensureLinkedShape(
  modelsDir: string,
  id: string,
  version: number,
  fingerprint: () => string,
  renderTo: (dataPath: string) => Uint8Array,
  descriptor: (fingerprint: string) => ModelDescriptor,
): string {
  const decoder = requireSharedDecoder(modelsDir, id);
  return installGenerated(
    modelsDir,
    id,
    (dir) => isLinkedShapeCurrent(dir, decoder, version, fingerprint),
    (dir) => {
      writeFileSync(join(dir, ENCODER_FILE), renderTo(join(dir, ENCODER_DATA_FILE)));
      symlinkSync(decoder, join(dir, DECODER_FILE));
      writeFileSync(join(dir, DESCRIPTOR_FILE), `${JSON.stringify(descriptor(fingerprint()), null, 2)}\n`);
    },
  );
}

/** Makes sure `<modelsDir>/sam-b-shape` holds the current model; returns its folder. */
export function ensureSamBShape(modelsDir: string = defaultModelsDir()): string {
  return ensureLinkedShape(
    modelsDir,
    SAM_B_SHAPE_ID,
    SAM_B_SHAPE_VERSION,
    samBShapeFingerprint,
    (dataPath) => renderVitEncoder(VIT_B, dataPath).bytes,
    samBShapeDescriptor,
  );
}
