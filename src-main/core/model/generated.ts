// What the generated models (test-sam, test-sam2, test-edgesam, sam-b-shape, mobile-sam-shape) share: the official
// SAM 1 decoder I/O (those that have it), the generator stamp in model.json that says whether a
// folder is current, and the one way of putting a generated folder in place (a temporary folder
// beside the target, renamed into place), so a crash or a second process never leaves a
// half-written model behind.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DESCRIPTOR_FILE, type DecoderSpec, type ModelDescriptor } from './descriptor';

/** A generated model's files by name, and the fingerprint of its graphs. */
export interface RenderedModel {
  files: Map<string, Uint8Array>;
  fingerprint: string;
}

/** SAM 1's decoder as segment-anything's scripts/export_onnx_model.py names it (multimask outputs 1-3). */
export function officialSamDecoder(id: string, file: string, batched: boolean, lowResSize: number): DecoderSpec {
  return {
    id,
    file,
    io: 'sam-official',
    batched,
    highResInputs: [],
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
    lowResSize,
  };
}

/**
 * The rendered model: `graphs` as given, fingerprinted (SHA-256 over their bytes in order), plus the
 * model.json that `describe` writes for that fingerprint.
 */
export function withDescriptor(graphs: Map<string, Uint8Array>, describe: (fingerprint: string) => ModelDescriptor): RenderedModel {
  const hash = createHash('sha256');
  for (const bytes of graphs.values()) hash.update(bytes);
  const fingerprint = hash.digest('hex');
  const files = new Map(graphs);
  files.set(DESCRIPTOR_FILE, new TextEncoder().encode(`${JSON.stringify(describe(fingerprint), null, 2)}\n`));
  return { files, fingerprint };
}

/**
 * True when `dir` has every file of `files` and its model.json was written by generator `version`
 * with `fingerprint` (the fingerprint catches generator changes even when nobody bumped the version).
 */
export function isGeneratedCurrent(dir: string, files: readonly string[], version: number, fingerprint: () => string): boolean {
  if (!files.every((f) => existsSync(join(dir, f)))) return false;
  try {
    const json = JSON.parse(readFileSync(join(dir, DESCRIPTOR_FILE), 'utf8')) as {
      generator?: { version?: unknown; fingerprint?: unknown };
    };
    return json.generator?.version === version && json.generator?.fingerprint === fingerprint();
  } catch {
    return false;
  }
}

/**
 * Makes sure `<modelsDir>/<id>` is current; returns its folder. When it is not, `write` fills a
 * temporary folder beside it, which then replaces the old one in one rename.
 */
export function installGenerated(modelsDir: string, id: string, isCurrent: (dir: string) => boolean, write: (dir: string) => void): string {
  const target = join(modelsDir, id);
  if (isCurrent(target)) return target;
  mkdirSync(modelsDir, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(modelsDir, `.${id}.tmp-${tag}`);
  const old = join(modelsDir, `.${id}.old-${tag}`);
  mkdirSync(temp);
  try {
    write(temp);
    if (existsSync(target)) {
      // Another process may have just written a current copy: keep it.
      if (isCurrent(target)) return target;
      renameSync(target, old);
    }
    try {
      renameSync(temp, target);
    } catch (err) {
      // Lost a race with another process: fine if what it wrote is current.
      if (isCurrent(target)) return target;
      throw err;
    }
    return target;
  } finally {
    rmSync(temp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}
