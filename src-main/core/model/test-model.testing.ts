// Test support (imported by *.test.ts only): the generated test-sam model, written into a fresh
// temporary models folder before the file's tests and released and removed after them, so test
// files never share or race on one models folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { BinaryMask } from '../types';
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

/** IoU of the mask `logits > 0` (one mask starting at `offset`, same size as gt) with a ground truth mask. */
export function logitsIou(logits: Float32Array, offset: number, gt: BinaryMask): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < gt.data.length; i++) {
    const a = logits[offset + i] > 0;
    const b = gt.data[i] === 1;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union === 0 ? 0 : inter / union;
}
