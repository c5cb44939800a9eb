// The models folder: which models exist (models/<id>/model.json), which are present on disk, and
// how `--model <id|dir>` resolves. test-sam is generated on first use, so it is always available;
// sam-b-shape and mobile-sam-shape (SAM ViT-B's and MobileSAM's cost, for benchmarks) are generated
// on first use when asked for by id.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { SamanticError } from '../errors';
import { defaultModelsDir, DESCRIPTOR_FILE, type ModelDescriptor } from './descriptor';
import { readModelDescriptor } from './descriptor-read';
import { ensureMobileSamShape, MOBILE_SAM_SHAPE_ID } from './mobilesamshape/generate';
import { ensureSamBShape, SAM_B_SHAPE_ID } from './sambshape/generate';
import { ensureTestModel, isGeneratedModelId, TEST_MODEL_ID, testModelDescriptor } from './testsam/generate';
import { TEST_SAM2_ID, testSam2Descriptor } from './testsam/generate-sam2';
import { TEST_EDGESAM_ID, testEdgeSamDescriptor } from './testsam/generate-edgesam';

export interface ModelFileStatus {
  file: string;
  /** Size on disk, or null when missing. */
  bytes: number | null;
  /** Expected size from the download list, when known. */
  expectedBytes: number | null;
  /** SHA-256 recorded in model.json (downloads can be verified). */
  verified: boolean;
}

export interface ModelListing {
  id: string;
  name: string;
  dir: string;
  /** Every file the model needs is on disk (test-sam: always, it is generated on demand). */
  present: boolean;
  generated: boolean;
  descriptor: ModelDescriptor | null;
  files: ModelFileStatus[];
  /** Set when model.json is unreadable or invalid: what is wrong. */
  error: string | null;
}

/** Every file a descriptor's model needs in its folder. */
export function requiredFiles(d: ModelDescriptor): string[] {
  const files = [d.encoder.file, ...d.encoder.externalData, ...d.decoders.map((x) => x.file)];
  return [...new Set(files)];
}

function fileSize(path: string): number | null {
  try {
    const s = statSync(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

function listing(id: string, dir: string, descriptor: ModelDescriptor, generated: boolean): ModelListing {
  const downloads = new Map((descriptor.download?.files ?? []).map((f) => [f.file, f]));
  const files = requiredFiles(descriptor).map((file) => ({
    file,
    bytes: fileSize(join(dir, file)),
    expectedBytes: downloads.get(file)?.bytes ?? null,
    verified: Boolean(downloads.get(file)?.sha256),
  }));
  const present = generated || files.every((f) => f.bytes !== null);
  return { id, name: descriptor.name, dir, present, generated, descriptor, files, error: null };
}

/** A model's size: on disk when every file is there, else the expected download size when model.json records every file's. */
export function listingBytes(m: ModelListing): number | null {
  if (m.files.length > 0 && m.files.every((f) => f.bytes !== null)) return m.files.reduce((a, f) => a + (f.bytes ?? 0), 0);
  if (m.files.length > 0 && m.files.every((f) => f.expectedBytes !== null)) return m.files.reduce((a, f) => a + (f.expectedBytes ?? 0), 0);
  return null;
}

/** All models under `modelsDir`, sorted by id, test-sam included even before it is generated. */
export function listModels(modelsDir: string = defaultModelsDir()): ModelListing[] {
  const out = new Map<string, ModelListing>();
  const names = existsSync(modelsDir) ? readdirSync(modelsDir) : [];
  for (const name of names) {
    const dir = join(modelsDir, name);
    if (name.startsWith('.') || !statSync(dir).isDirectory() || !existsSync(join(dir, DESCRIPTOR_FILE))) continue;
    try {
      const d = readModelDescriptor(dir);
      out.set(name, listing(name, dir, d, d.generator !== null));
    } catch (err) {
      out.set(name, { id: name, name, dir, present: false, generated: false, descriptor: null, files: [], error: (err as Error).message });
    }
  }
  if (!out.has(TEST_MODEL_ID)) out.set(TEST_MODEL_ID, listing(TEST_MODEL_ID, join(modelsDir, TEST_MODEL_ID), testModelDescriptor(), true));
  if (!out.has(TEST_SAM2_ID)) out.set(TEST_SAM2_ID, listing(TEST_SAM2_ID, join(modelsDir, TEST_SAM2_ID), testSam2Descriptor(), true));
  if (!out.has(TEST_EDGESAM_ID))
    out.set(TEST_EDGESAM_ID, listing(TEST_EDGESAM_ID, join(modelsDir, TEST_EDGESAM_ID), testEdgeSamDescriptor(), true));
  return [...out.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * `--model <id|dir>`: a path to a folder with a model.json, or the id of a folder under
 * `modelsDir`. test-sam is generated (or regenerated when stale) on the way.
 */
export function resolveModel(dirOrId: string, modelsDir: string = defaultModelsDir()): { dir: string; descriptor: ModelDescriptor } {
  if (typeof dirOrId !== 'string' || dirOrId.trim() === '') {
    throw new SamanticError('invalid-argument', 'model must be a model id (see "samantic models list") or a model folder path.');
  }
  const looksLikePath = isAbsolute(dirOrId) || dirOrId.includes('/') || dirOrId.includes('\\') || dirOrId.startsWith('.');
  if (looksLikePath) {
    const dir = resolve(dirOrId);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new SamanticError('model-missing', `model folder ${dir} does not exist. Give a folder holding a model.json, or a model id.`);
    }
    return { dir, descriptor: readModelDescriptor(dir) };
  }
  if (isGeneratedModelId(dirOrId)) {
    const dir = ensureTestModel(modelsDir, dirOrId);
    return { dir, descriptor: readModelDescriptor(dir) };
  }
  if (dirOrId === SAM_B_SHAPE_ID) {
    // Generated on first use (~360 MB, a few seconds); its decoder is linked from ../shared.
    const dir = ensureSamBShape(modelsDir);
    return { dir, descriptor: readModelDescriptor(dir) };
  }
  if (dirOrId === MOBILE_SAM_SHAPE_ID) {
    // Generated on first use (~23 MB, under a second); the same shared decoder, linked.
    const dir = ensureMobileSamShape(modelsDir);
    return { dir, descriptor: readModelDescriptor(dir) };
  }
  const dir = join(modelsDir, dirOrId);
  if (!existsSync(join(dir, DESCRIPTOR_FILE))) {
    const known = listModels(modelsDir).map((m) => m.id);
    throw new SamanticError(
      'model-missing',
      `unknown model "${dirOrId}": there is no ${join(dir, DESCRIPTOR_FILE)}. Known models: ${known.join(', ')}. ` +
        'Run "samantic models list", or pass the path of a model folder.',
    );
  }
  return { dir, descriptor: readModelDescriptor(dir) };
}

/** The best model that is ready to use: the first present real model, else test-sam. */
export function defaultModelId(modelsDir: string = defaultModelsDir()): string {
  const real = listModels(modelsDir).find((m) => m.present && !m.generated && m.error === null);
  return real ? real.id : TEST_MODEL_ID;
}
