// Writes models/test-sam/ (encoder.onnx, decoder.onnx, decoder-batched.onnx, model.json) on first
// use. Deterministic: the same TEST_SAM_VERSION always produces the same bytes. Atomic: the files
// are written to a temporary folder beside the target, then the folder is renamed into place, so a
// crash or a second process never leaves a half-written model behind.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { defaultModelsDir, DESCRIPTOR_FILE, DESCRIPTOR_FORMAT, type DecoderSpec, type ModelDescriptor } from '../descriptor';
import { encodeModel } from './onnx-builder';
import { buildEncoderGraph, ENCODER_INPUT, ENCODER_OUTPUT } from './encoder-graph';
import { buildDecoderGraph } from './decoder-graph';
import { CHANNELS, FRAME, GRID, LOW_RES, PIXEL_MEAN, PIXEL_STD, TEST_SAM_VERSION } from './params';

export const TEST_MODEL_ID = 'test-sam';
export const TEST_MODEL_FILES = ['encoder.onnx', 'decoder.onnx', 'decoder-batched.onnx', DESCRIPTOR_FILE] as const;

function decoderSpec(id: string, file: string, batched: boolean): DecoderSpec {
  return {
    id,
    file,
    io: 'sam-official',
    batched,
    inputs: {
      imageEmbeddings: 'image_embeddings',
      pointCoords: 'point_coords',
      pointLabels: 'point_labels',
      maskInput: 'mask_input',
      hasMaskInput: 'has_mask_input',
      origImSize: 'orig_im_size',
    },
    outputs: { masks: 'masks', iouPredictions: 'iou_predictions', lowResMasks: 'low_res_masks' },
    maskCount: 4,
    singleMaskIndex: 0,
    multimaskIndices: [1, 2, 3],
    lowResSize: LOW_RES,
  };
}

export function testModelDescriptor(fingerprint?: string): ModelDescriptor {
  return {
    format: DESCRIPTOR_FORMAT,
    id: TEST_MODEL_ID,
    name: 'test-sam (generated stand-in)',
    description:
      'A generated, colour-and-texture based stand-in for SAM with the exact official ONNX interface. ' +
      'No learned weights: it segments connected regions of similar colour. For tests, demos and CI.',
    license: 'Apache-2.0',
    generator: { name: TEST_MODEL_ID, version: TEST_SAM_VERSION, ...(fingerprint ? { fingerprint } : {}) },
    frameSize: FRAME,
    embedding: { channels: CHANNELS, gridH: GRID, gridW: GRID },
    encoder: {
      file: 'encoder.onnx',
      externalData: [],
      flavour: 'nchw-normalized',
      input: { name: ENCODER_INPUT, dtype: 'float32', shape: [1, 3, FRAME, FRAME] },
      output: { name: ENCODER_OUTPUT, dtype: 'float32', shape: [1, CHANNELS, GRID, GRID] },
      pixelMean: [...PIXEL_MEAN],
      pixelStd: [...PIXEL_STD],
    },
    decoders: [decoderSpec('batched', 'decoder-batched.onnx', true), decoderSpec('official', 'decoder.onnx', false)],
    download: null,
  };
}

let built: { files: Map<string, Uint8Array>; fingerprint: string } | null = null;

/** Builds the four files of test-sam from scratch, and the fingerprint of the three ONNX ones. */
export function renderTestModel(): { files: Map<string, Uint8Array>; fingerprint: string } {
  const version = String(TEST_SAM_VERSION);
  const files = new Map<string, Uint8Array>();
  files.set('encoder.onnx', encodeModel(buildEncoderGraph(), 'test-sam encoder: colour/texture statistics, SAM interface', version));
  files.set('decoder.onnx', encodeModel(buildDecoderGraph(false), 'test-sam decoder, official SAM interface (batch 1)', version));
  files.set('decoder-batched.onnx', encodeModel(buildDecoderGraph(true), 'test-sam decoder, batched prompts', version));
  const hash = createHash('sha256');
  for (const bytes of files.values()) hash.update(bytes);
  const fingerprint = hash.digest('hex');
  files.set(DESCRIPTOR_FILE, new TextEncoder().encode(`${JSON.stringify(testModelDescriptor(fingerprint), null, 2)}\n`));
  return { files, fingerprint };
}

/** renderTestModel(), once per process. */
export function buildTestModelFiles(): { files: Map<string, Uint8Array>; fingerprint: string } {
  built ??= renderTestModel();
  return built;
}

/** True when `dir` holds every file, written by the current generator. */
export function isTestModelCurrent(dir: string): boolean {
  if (!TEST_MODEL_FILES.every((f) => existsSync(join(dir, f)))) return false;
  try {
    const json = JSON.parse(readFileSync(join(dir, DESCRIPTOR_FILE), 'utf8')) as { generator?: { version?: unknown; fingerprint?: unknown } };
    // The fingerprint catches generator changes even when nobody bumped TEST_SAM_VERSION.
    return json.generator?.version === TEST_SAM_VERSION && json.generator?.fingerprint === buildTestModelFiles().fingerprint;
  } catch {
    return false;
  }
}

/**
 * Makes sure `<modelsDir>/test-sam` holds the current generated model; returns its folder.
 * Regenerates a missing, incomplete or stale copy (a different generator version).
 */
export function ensureTestModel(modelsDir: string = defaultModelsDir()): string {
  const target = join(modelsDir, TEST_MODEL_ID);
  if (isTestModelCurrent(target)) return target;
  mkdirSync(modelsDir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(modelsDir, `.${TEST_MODEL_ID}.tmp-${tag}`);
  const old = join(modelsDir, `.${TEST_MODEL_ID}.old-${tag}`);
  mkdirSync(temp);
  try {
    for (const [name, bytes] of buildTestModelFiles().files) writeFileSync(join(temp, name), bytes);
    if (existsSync(target)) {
      // Another process may have just written a current copy: keep it.
      if (isTestModelCurrent(target)) return target;
      renameSync(target, old);
    }
    try {
      renameSync(temp, target);
    } catch (err) {
      // Lost a race with another process: fine if what it wrote is current.
      if (isTestModelCurrent(target)) return target;
      throw err;
    }
    return target;
  } finally {
    rmSync(temp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}
