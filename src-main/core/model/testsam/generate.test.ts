import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelDescriptor } from '../descriptor-read';
import { ensureTestModel, isTestModelCurrent, renderTestModel, TEST_MODEL_FILES } from './generate';
import { orthonormalColumns, TEST_SAM_VERSION } from './params';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-testsam-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('test-sam generator', () => {
  it('is deterministic: the same bytes every time', () => {
    const a = renderTestModel();
    const b = renderTestModel();
    expect([...a.files.keys()]).toEqual(['encoder.onnx', 'decoder.onnx', 'decoder-batched.onnx', 'model.json']);
    for (const [name, bytes] of a.files) expect(Buffer.compare(Buffer.from(bytes), Buffer.from(b.files.get(name)!))).toBe(0);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('stays far below 10 MB', () => {
    const total = [...renderTestModel().files.values()].reduce((s, f) => s + f.byteLength, 0);
    expect(total).toBeLessThan(10 * 1024 * 1024);
  });

  it('expands patch statistics with exactly orthonormal columns (dot products preserved)', () => {
    const rows = 208;
    const cols = 9;
    const q = orthonormalColumns(rows, cols, 7);
    for (let a = 0; a < cols; a++) {
      for (let b = 0; b < cols; b++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += q[r * cols + a] * q[r * cols + b];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
      }
    }
  });

  it('writes the model on first use, leaves a current copy alone, regenerates a stale one', () => {
    const models = join(tmp, 'models');
    const dir = ensureTestModel(models);
    expect(dir).toBe(join(models, 'test-sam'));
    expect(readdirSync(dir).sort()).toEqual([...TEST_MODEL_FILES].sort());
    const d = readModelDescriptor(dir);
    expect(d.generator?.fingerprint).toBe(renderTestModel().fingerprint);

    const before = statSync(join(dir, 'encoder.onnx')).mtimeMs;
    ensureTestModel(models);
    expect(statSync(join(dir, 'encoder.onnx')).mtimeMs).toBe(before);

    // A copy from another generator version, or whose files another generator wrote, is stale.
    for (const change of [(g: any) => (g.version = TEST_SAM_VERSION + 1), (g: any) => (g.fingerprint = '0'.repeat(64))]) {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      change(json.generator);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      expect(isTestModelCurrent(dir)).toBe(false);
      ensureTestModel(models);
      expect(isTestModelCurrent(dir)).toBe(true);
    }

    // So is an incomplete one.
    rmSync(join(dir, 'decoder.onnx'));
    ensureTestModel(models);
    expect(readdirSync(dir).sort()).toEqual([...TEST_MODEL_FILES].sort());
    // No temporary folders left behind.
    expect(readdirSync(models)).toEqual(['test-sam']);
  });

  it('loads in onnxruntime with the I/O names model.json declares', async () => {
    const dir = ensureTestModel(join(tmp, 'models'));
    const d = readModelDescriptor(dir);
    const enc = await ort.InferenceSession.create(join(dir, d.encoder.file));
    expect(enc.inputNames).toEqual([d.encoder.input.name]);
    expect(enc.outputNames).toEqual([d.encoder.output.name]);
    await enc.release();
    for (const spec of d.decoders) {
      const dec = await ort.InferenceSession.create(join(dir, spec.file));
      expect(dec.inputNames).toEqual(Object.values(spec.inputs));
      expect(dec.outputNames).toEqual(Object.values(spec.outputs));
      const coords = dec.inputMetadata.find((m) => m.name === 'point_coords');
      expect(coords && coords.isTensor ? coords.shape[0] : null).toBe(spec.batched ? 'batch' : 1);
      await dec.release();
    }
  });
});
