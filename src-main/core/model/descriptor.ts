// models/<id>/model.json: what a model's ONNX files are and how to drive them. The runtime never
// guesses from file names; everything it needs (flavours, I/O names, mask tokens) is declared here
// and checked against the sessions when they load.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SamanticError } from '../errors';
import { parseModelDescriptor } from './descriptor-parse';
import { DESCRIPTOR_FILE, type ModelDescriptor } from './descriptor-types';

export * from './descriptor-types';
export { parseModelDescriptor } from './descriptor-parse';

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

/** Reads and validates `<dir>/model.json`. Missing file: 'model-missing'; bad JSON or fields: 'model-invalid'. */
export function readModelDescriptor(dir: string): ModelDescriptor {
  const file = join(dir, DESCRIPTOR_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SamanticError(
      'model-missing',
      `${file}: cannot read the model descriptor (${code ?? String(err)}). A model folder needs a model.json; ` +
        `run "samantic models list" to see the known models.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SamanticError(
      'model-invalid',
      `${file}: not valid JSON (${(err as Error).message}). Fix the file or restore it from the repository.`,
    );
  }
  return parseModelDescriptor(json, file);
}

/**
 * The embedding cache's preprocessing version for a model: anything in the descriptor can change
 * the encoder's output (files, preprocessing, generator version of test-sam), so it is a digest of
 * all of it. Every reader and writer of the cache uses this one key.
 */
export function embeddingCacheVersion(descriptor: ModelDescriptor): string {
  return createHash('sha256').update(JSON.stringify(descriptor)).digest('hex').slice(0, 16);
}
