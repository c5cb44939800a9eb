// models/<id>/model.json: what a model's ONNX files are and how to drive them. The runtime never
// guesses from file names; everything it needs (flavours, I/O names, mask tokens) is declared here
// and checked against the sessions when they load. descriptor-read.ts validates model.json into these types.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DESCRIPTOR_FILE = 'model.json';

export const DESCRIPTOR_FORMAT = 'samantic-model/1';

/**
 * 'nchw-normalized': input 1x3xFxF, the caller resizes (longest side F, bilinear), normalises with
 * pixelMean/pixelStd and zero-pads bottom/right (SAM's own preprocessing; samexporter without
 * --use-preprocess). 'hwc-raw': input HxWx3 float 0-255 after the caller's resize; the graph
 * normalises and pads (samexporter --use-preprocess).
 */
export type EncoderFlavour = 'nchw-normalized' | 'hwc-raw';
export const ENCODER_FLAVOURS: readonly EncoderFlavour[] = ['nchw-normalized', 'hwc-raw'];

/**
 * How the caller resizes an image into the encoder's square frame. 'longest-side': SAM 1 (longest
 * side to the frame, aspect kept, zero padding bottom/right). 'stretch': SAM 2 (both sides to the
 * frame, aspect not kept, no padding; samexporter's sam2_onnx.py resizes with cv2.resize).
 */
export type EncoderResize = 'longest-side' | 'stretch';
export const ENCODER_RESIZES: readonly EncoderResize[] = ['longest-side', 'stretch'];

/**
 * Decoder contracts (decoder-contract.ts drives each). 'sam-official': SAM's official ONNX decoder
 * (segment_anything/utils/onnx.py). 'sam2-image': SAM 2 / 2.1 image decoders as samexporter's
 * export_sam2.py writes them (image_embed + high_res_feats_0/1 in, low-res masks out, the graph
 * appends SAM's padding point itself, no orig_im_size). 'sam-points': SAM 1's decoder reduced to
 * image_embeddings, point_coords and point_labels (no mask_input, has_mask_input, orig_im_size),
 * returning the four low-res mask tokens and their scores: EdgeSAM's scripts/export_onnx_model.py
 * and EfficientViT-SAM's deployment/onnx/export_decoder.py; the caller pads as for SAM 1.
 */
export type DecoderIo = 'sam-official' | 'sam2-image' | 'sam-points';
export const DECODER_IOS: readonly DecoderIo[] = ['sam-official', 'sam2-image', 'sam-points'];

/**
 * A model family: models of one family share encoder outputs. 'sam1': one 256 x 64 x 64 embedding,
 * decoders 'sam-official' or 'sam-points'; 'sam2': image_embed plus high-resolution maps, 'sam2-image'.
 */
export type ModelFamily = 'sam1' | 'sam2';
export const MODEL_FAMILIES: readonly ModelFamily[] = ['sam1', 'sam2'];

/** How fast a model's encoder is on a laptop CPU, relative to SAM ViT-B ('medium'). */
export type SpeedClass = 'fast' | 'medium' | 'slow' | 'very-slow';
export const SPEED_CLASSES: readonly SpeedClass[] = ['fast', 'medium', 'slow', 'very-slow'];

export type Dim = number | string;

export interface TensorSpec {
  name: string;
  dtype: 'float32';
  /** Numbers are fixed sizes, strings symbolic (dynamic) dimensions. */
  shape: Dim[];
}

export interface EncoderSpec {
  file: string;
  /** Files the ONNX file references as external data (e.g. samexporter's vit_h `<name>_data.bin`). */
  externalData: string[];
  flavour: EncoderFlavour;
  input: TensorSpec;
  output: TensorSpec;
  /** Further encoder outputs the decoder takes as inputs of the same names (SAM 2's high_res_feats_0/1). */
  extraOutputs: TensorSpec[];
  resize: EncoderResize;
  pixelMean: [number, number, number];
  pixelStd: [number, number, number];
}

export interface DecoderSpec {
  /** Short name used to pick this decoder (e.g. 'official', 'batched'). */
  id: string;
  file: string;
  io: DecoderIo;
  /** true: dimension 0 of the prompt inputs is a batch of prompts; false: it is fixed at 1. */
  batched: boolean;
  inputs: {
    imageEmbeddings: string;
    pointCoords: string;
    pointLabels: string;
    /** null: the contract takes no previous mask ('sam-points'); refinement then re-decodes from the points alone. */
    maskInput: string | null;
    hasMaskInput: string | null;
    /** null: the contract has no original-size input (SAM 2). */
    origImSize: string | null;
  };
  /** masks: the full-size output, null when the decoder has none (SAM 2, 'sam-points' return low-res masks only). */
  outputs: { masks: string | null; iouPredictions: string; lowResMasks: string };
  /** Inputs fed from the encoder's extraOutputs of the same name (SAM 2: high_res_feats_0, high_res_feats_1). */
  highResInputs: string[];
  /** Mask tokens returned per prompt (4 for an export without --return-single-mask, 1 with it). */
  maskCount: number;
  /** Token of SAM's single-mask output (0 in the 4-token export); null when the decoder does not return it (SAM 2 multimask export). */
  singleMaskIndex: number | null;
  /** Tokens of the three multimask outputs the AMG uses (1, 2, 3 in the 4-token export); [] if none. */
  multimaskIndices: number[];
  /** Side of low_res_masks (256 in SAM). */
  lowResSize: number;
}

export interface DownloadFile {
  /** File name inside the model's folder. */
  file: string;
  url: string;
  /** Exact size in bytes, or null when it could not be verified. */
  bytes: number | null;
  /** Lower-case hex SHA-256, or null when it could not be verified (downloads then need --no-verify). */
  sha256: string | null;
  note?: string;
}

export interface ModelDescriptor {
  format: typeof DESCRIPTOR_FORMAT;
  id: string;
  /** Absent in model.json: 'sam1'. */
  family: ModelFamily;
  name: string;
  description: string;
  license: string;
  /** Parameters in millions (encoder + decoder), null when not known. */
  paramsMillions: number | null;
  speedClass: SpeedClass | null;
  /** Where the I/O facts and download details came from. */
  notes: string;
  /**
   * Set for generated models (test-sam): a different version or fingerprint (SHA-256 of the
   * generated ONNX files) than the generator produces now means the files are stale.
   */
  generator: { name: string; version: number; fingerprint?: string } | null;
  frameSize: number;
  embedding: { channels: number; gridH: number; gridW: number };
  encoder: EncoderSpec;
  /**
   * Segment embeddings average this encoder output (channels x gridH x gridW, SAM 1's
   * image_embeddings and SAM 2's image_embed are both 256 x 64 x 64).
   */
  decoders: DecoderSpec[];
  download: { files: DownloadFile[]; notes: string } | null;
}

// Where model folders live by default: SAMANTIC_MODELS_DIR, else the repository's models/ found by
// walking up from this file (works from src-main/ under tsx/vitest and from a bundled out/ folder).
export const MODELS_DIR_ENV = 'SAMANTIC_MODELS_DIR';

export function defaultModelsDir(): string {
  const fromEnv = process.env[MODELS_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models'))) return join(dir, 'models');
    const parent = dirname(dir);
    if (parent === dir) return resolve('models');
    dir = parent;
  }
}

/**
 * The side of the square the encoder takes its pixels in: the input's fixed height for an
 * 'nchw-normalized' encoder (EfficientViT-SAM-L encodes 512 x 512 while its prompts and masks stay
 * in the 1024 frame), else the frame (an 'hwc-raw' graph resizes and pads by itself).
 */
export function encoderInputSize(descriptor: Pick<ModelDescriptor, 'frameSize' | 'encoder'>): number {
  const h = descriptor.encoder.input.shape[2];
  return descriptor.encoder.flavour === 'nchw-normalized' && typeof h === 'number' ? h : descriptor.frameSize;
}

/**
 * The embedding cache's preprocessing version for a model: anything in the descriptor can change
 * the encoder's output (files, preprocessing, generator version of test-sam), so it is a digest of
 * all of it. Every reader and writer of the cache uses this one key.
 */
export function embeddingCacheVersion(descriptor: ModelDescriptor): string {
  return createHash('sha256').update(JSON.stringify(descriptor)).digest('hex').slice(0, 16);
}
