// Test support (imported by *.test.ts only): the generated test-sam model, written into a fresh
// temporary models folder before the file's tests and released and removed after them, so test
// files never share or race on one models folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { loadModel, type SamModel } from './runtime';

/** Registers the hooks; call the returned function inside a test to get the loaded model. */
export function useTestSam(prefix: string): () => SamModel {
  const tmp = mkdtempSync(join(tmpdir(), `samantic-${prefix}-`));
  let model: SamModel | undefined;
  beforeAll(async () => {
    model = await loadModel('test-sam', { modelsDir: join(tmp, 'models'), device: 'cpu' });
  });
  afterAll(async () => {
    await model?.release();
    rmSync(tmp, { recursive: true, force: true });
  });
  return () => {
    if (!model) throw new Error('test-sam is not loaded yet: call the getter inside a test, not at module level');
    return model;
  };
}
