import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { SamanticError } from '../../errors';
import { parseModelDescriptor } from '../descriptor-read';
import {
  countVitParameters,
  ENCODER_DATA_FILE,
  ensureSamBShape,
  renderVitEncoder,
  SAM_B_DECODER_ENV,
  samBShapeDescriptor,
  sharedDecoderPath,
} from './generate';
import { VIT_B, VIT_INPUT, VIT_OUTPUT, type VitConfig } from './vit-encoder';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-sambshape-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** ../shared beside the repository, where the reference decoder lives when this machine has it. */
const SHARED_DECODER = sharedDecoderPath(resolve(dirname(fileURLToPath(import.meta.url)), '../../../../models'));

/**
 * The same builder at a small size: a 20 x 20 grid, so windows of 14 need padding to 28 and
 * partitioning into four; one windowed and one global block.
 */
const SMALL: VitConfig = {
  imgSize: 320,
  patchSize: 16,
  embedDim: 64,
  depth: 2,
  numHeads: 4,
  mlpRatio: 4,
  windowSize: 14,
  globalAttnIndexes: [1],
  outChans: 32,
};

/** segment_anything's ImageEncoderViT parameter count, from its module sizes. */
function expectedVitParameters(c: VitConfig): number {
  const d = c.embedDim;
  const grid = c.imgSize / c.patchSize;
  const hidden = d * c.mlpRatio;
  const patch = d * 3 * c.patchSize ** 2 + d;
  const pos = grid * grid * d;
  const block = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + 2 * d + (d * hidden + hidden) + (hidden * d + d);
  const hd = d / c.numHeads;
  const rel = (s: number) => 2 * (2 * s - 1) * hd;
  let rels = 0;
  for (let i = 0; i < c.depth; i++) rels += rel(c.globalAttnIndexes.includes(i) ? grid : c.windowSize);
  const neck = c.outChans * d + 2 * c.outChans + c.outChans * c.outChans * 9 + 2 * c.outChans;
  return patch + pos + c.depth * block + rels + neck;
}

describe('sam-b-shape encoder', () => {
  it("has SAM ViT-B's parameter count (89,670,912, the published ~91M with the neck), counted without generating weights", () => {
    expect(expectedVitParameters(VIT_B)).toBe(89_670_912);
    expect(countVitParameters(VIT_B)).toBe(89_670_912);
    expect(countVitParameters({ ...VIT_B, globalAttnIndexes: [] })).toBeLessThan(89_670_912);
  });

  it('declares the official encoder I/O in its graph and descriptor', () => {
    const model = onnxProto.onnx.ModelProto.decode(renderVitEncoder(VIT_B, null).bytes);
    const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((x) => Number(x.dimValue));
    expect(model.graph?.input?.map((i) => i.name)).toEqual([VIT_INPUT]);
    expect(dims(model.graph!.input![0])).toEqual([1, 3, 1024, 1024]);
    expect(model.graph?.output?.map((i) => i.name)).toEqual([VIT_OUTPUT]);
    expect(dims(model.graph!.output![0])).toEqual([1, 256, 64, 64]);
    // Every weight is external data, so the graph file itself stays small.
    expect(model.graph?.initializer?.filter((t) => t.dims!.length >= 2 && t.dataLocation !== 1 && t.dataType === 1)).toEqual([]);

    const d = parseModelDescriptor(JSON.parse(JSON.stringify(samBShapeDescriptor('f'))), 'model.json');
    expect(d.encoder).toMatchObject({ flavour: 'nchw-normalized', externalData: [ENCODER_DATA_FILE] });
    expect(d.encoder.input).toEqual({ name: 'image', dtype: 'float32', shape: [1, 3, 1024, 1024] });
    expect(d.encoder.output).toEqual({ name: 'image_embeddings', dtype: 'float32', shape: [1, 256, 64, 64] });
    expect(d.decoders[0]).toMatchObject({ batched: false, maskCount: 4, singleMaskIndex: 0, multimaskIndices: [1, 2, 3], lowResSize: 256 });
  });

  it('runs at a reduced size (padding, window partition, global block, neck) and is deterministic', async () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    for (const dir of [a, b]) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const r = renderVitEncoder(SMALL, join(dir, ENCODER_DATA_FILE));
      expect(r.parameterCount).toBe(expectedVitParameters(SMALL));
      writeFileSync(join(dir, 'encoder.onnx'), r.bytes);
    }
    expect(Buffer.compare(readFileSync(join(a, ENCODER_DATA_FILE)), readFileSync(join(b, ENCODER_DATA_FILE)))).toBe(0);
    const session = await ort.InferenceSession.create(join(a, 'encoder.onnx'), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    try {
      const pixels = new Float32Array(3 * 320 * 320).map((_, i) => Math.sin(i * 0.01));
      const out = (await session.run({ [VIT_INPUT]: new ort.Tensor('float32', pixels, [1, 3, 320, 320]) }))[VIT_OUTPUT];
      expect(out.dims).toEqual([1, 32, 20, 20]);
      const data = out.data as Float32Array;
      expect(data.every(Number.isFinite)).toBe(true);
      // The neck ends in a LayerNorm over channels (scale 1, bias 0): every position has unit variance.
      let sq = 0;
      for (let c = 0; c < 32; c++) sq += data[c * 400 + 7 * 20 + 3] ** 2;
      expect(sq / 32).toBeCloseTo(1, 2);
    } finally {
      await session.release();
    }
  });

  it('refuses clearly when the shared decoder is missing, before writing anything', () => {
    const models = join(tmp, 'models-missing');
    const before = process.env[SAM_B_DECODER_ENV];
    process.env[SAM_B_DECODER_ENV] = join(tmp, 'nowhere', 'decoder.onnx');
    try {
      expect(() => ensureSamBShape(models)).toThrow(SamanticError);
      expect(() => ensureSamBShape(models)).toThrow(/nowhere\/decoder\.onnx.*missing/);
      expect(existsSync(models)).toBe(false);
    } finally {
      if (before === undefined) delete process.env[SAM_B_DECODER_ENV];
      else process.env[SAM_B_DECODER_ENV] = before;
    }
  });
});

describe.skipIf(!existsSync(SHARED_DECODER))('sam-b-shape decoder (../shared/models/sam-b-random)', () => {
  it("is SAM ViT-B's prompt encoder + mask decoder with the official I/O (about 4.06M parameters)", async () => {
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(SHARED_DECODER));
    const count = (model.graph?.initializer ?? []).reduce((s, t) => s + (t.dims ?? []).reduce((a, b) => a * Number(b), 1), 0);
    expect(count).toBeGreaterThan(4_000_000);
    expect(count).toBeLessThan(4_150_000);
    const session = await ort.InferenceSession.create(SHARED_DECODER, { intraOpNumThreads: 1, logSeverityLevel: 3 });
    try {
      const d = samBShapeDescriptor().decoders[0];
      expect([...session.inputNames].sort()).toEqual(Object.values(d.inputs).sort());
      expect([...session.outputNames].sort()).toEqual(Object.values(d.outputs).sort());
      const emb = session.inputMetadata.find((m) => m.name === 'image_embeddings');
      expect(emb?.isTensor && emb.shape).toEqual([1, 256, 64, 64]);
    } finally {
      await session.release();
    }
  });
});
