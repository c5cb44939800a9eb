import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { SamanticError } from '../../errors';
import { parseModelDescriptor } from '../descriptor-read';
import { resolveModel } from '../registry';
import { DECODER_FILE, ENCODER_DATA_FILE, SAM_B_DECODER_ENV } from '../sambshape/generate';
import { countTinyVitParameters, ensureMobileSamShape, mobileSamShapeDescriptor, renderTinyVitEncoder } from './generate';
import { MOBILE_SAM_TINYVIT, TINYVIT_INPUT, TINYVIT_OUTPUT, tinyVitGrid, type TinyVitConfig } from './tinyvit-encoder';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-mobilesamshape-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The same builder at a small size (128 x 128): stage 2's 16 x 16 grid pads to 21 for windows of 7,
 * stage 3's 8 x 8 grid is exactly one window (attended whole), stage 4 pads 8 to 14.
 */
const SMALL: TinyVitConfig = {
  imgSize: 128,
  embedDims: [16, 24, 32, 40],
  depths: [1, 1, 2, 1],
  numHeads: [1, 2, 4, 5],
  windowSizes: [7, 7, 8, 7],
  mlpRatio: 4,
  mbconvExpandRatio: 4,
  mergeStrides: [2, 2, 1],
  outChans: 32,
};

/**
 * tiny_vit_sam.py's TinyViT parameter count from its module sizes: every Conv2d_BN as PyTorch holds
 * it (bias-free conv + BatchNorm weight and bias), `withHead` adding the classifier build_sam_vit_t
 * also constructs (num_classes=1000: norm_head + head) but never runs. Returns the count and the
 * channels of all Conv2d_BN (folding BatchNorm saves one parameter per such channel).
 */
function torchTinyVit(c: TinyVitConfig, withHead: boolean): { params: number; bnChannels: number } {
  let params = 0;
  let bnChannels = 0;
  const convBn = (inC: number, outC: number, k: number, groups = 1) => {
    params += outC * (inC / groups) * k * k + 2 * outC;
    bnChannels += outC;
  };
  const [d0] = c.embedDims;
  convBn(3, d0 / 2, 3);
  convBn(d0 / 2, d0, 3);
  const hidden0 = d0 * c.mbconvExpandRatio;
  for (let i = 0; i < c.depths[0]; i++) {
    convBn(d0, hidden0, 1);
    convBn(hidden0, hidden0, 3, hidden0);
    convBn(hidden0, d0, 1);
  }
  for (let s = 1; s < c.embedDims.length; s++) {
    const [a, d] = [c.embedDims[s - 1], c.embedDims[s]];
    convBn(a, d, 1); // PatchMerging
    convBn(d, d, 3, d);
    convBn(d, d, 1);
    const hidden = d * c.mlpRatio;
    for (let i = 0; i < c.depths[s]; i++) {
      const attn = 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + c.numHeads[s] * c.windowSizes[s] ** 2;
      const mlp = 2 * d + (d * hidden + hidden) + (hidden * d + d);
      params += attn + mlp;
      convBn(d, d, 3, d); // local_conv
    }
  }
  const last = c.embedDims[c.embedDims.length - 1];
  params += c.outChans * last + 2 * c.outChans + c.outChans * c.outChans * 9 + 2 * c.outChans;
  if (withHead) params += 2 * last + (last * 1000 + 1000);
  return { params, bnChannels };
}

describe('mobile-sam-shape encoder', () => {
  it("has MobileSAM's image encoder size (paper: 5.78M), BatchNorm folded, counted without generating weights", () => {
    const torch = torchTinyVit(MOBILE_SAM_TINYVIT, false);
    // What the PyTorch module runs; with the unused 1000-class head it holds 6,065,532.
    expect(torch.params).toBe(5_743_892);
    expect(torchTinyVit(MOBILE_SAM_TINYVIT, true).params).toBe(6_065_532);
    // Folding: BatchNorm's 2 parameters per channel become the convolution's 1 bias per channel.
    expect(torch.bnChannels).toBe(4_928);
    expect(countTinyVitParameters(MOBILE_SAM_TINYVIT)).toBe(5_743_892 - 4_928);
    // The paper's rounded 5.78M is within 1 % of what the module runs.
    expect(Math.abs(torch.params / 5.78e6 - 1)).toBeLessThan(0.01);
  });

  it('reaches a 64 x 64 grid only because the last merging keeps stride 1', () => {
    expect([1, 2, 3].map((s) => tinyVitGrid(MOBILE_SAM_TINYVIT, s))).toEqual([128, 64, 64]);
    expect(tinyVitGrid({ ...MOBILE_SAM_TINYVIT, mergeStrides: [2, 2, 2] })).toBe(32);
  });

  it('declares the official encoder I/O in its graph and descriptor', () => {
    const model = onnxProto.onnx.ModelProto.decode(renderTinyVitEncoder(MOBILE_SAM_TINYVIT, null).bytes);
    const dims = (v: onnxProto.onnx.IValueInfoProto) => v.type?.tensorType?.shape?.dim?.map((x) => Number(x.dimValue));
    expect(model.graph?.input?.map((i) => i.name)).toEqual([TINYVIT_INPUT]);
    expect(dims(model.graph!.input![0])).toEqual([1, 3, 1024, 1024]);
    expect(model.graph?.output?.map((i) => i.name)).toEqual([TINYVIT_OUTPUT]);
    expect(dims(model.graph!.output![0])).toEqual([1, 256, 64, 64]);
    expect(model.graph?.initializer?.filter((t) => t.dims!.length >= 2 && t.dataLocation !== 1 && t.dataType === 1)).toEqual([]);

    const d = parseModelDescriptor(JSON.parse(JSON.stringify(mobileSamShapeDescriptor('f'))), 'model.json');
    expect(d.encoder).toMatchObject({ flavour: 'nchw-normalized', externalData: [ENCODER_DATA_FILE] });
    expect(d.encoder.input).toEqual({ name: 'image', dtype: 'float32', shape: [1, 3, 1024, 1024] });
    expect(d.encoder.output).toEqual({ name: 'image_embeddings', dtype: 'float32', shape: [1, 256, 64, 64] });
    expect(d.encoder.pixelMean).toEqual([123.675, 116.28, 103.53]);
    expect(d.decoders[0]).toMatchObject({ batched: false, maskCount: 4, singleMaskIndex: 0, multimaskIndices: [1, 2, 3], lowResSize: 256 });
  });

  it('runs at a reduced size (stem, MBConv, merging, padded and whole windows, neck) and is deterministic', async () => {
    const a = join(tmp, 'a');
    const b = join(tmp, 'b');
    for (const dir of [a, b]) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const r = renderTinyVitEncoder(SMALL, join(dir, ENCODER_DATA_FILE));
      const torch = torchTinyVit(SMALL, false);
      expect(r.parameterCount).toBe(torch.params - torch.bnChannels);
      writeFileSync(join(dir, 'encoder.onnx'), r.bytes);
    }
    expect(Buffer.compare(readFileSync(join(a, ENCODER_DATA_FILE)), readFileSync(join(b, ENCODER_DATA_FILE)))).toBe(0);
    const session = await ort.InferenceSession.create(join(a, 'encoder.onnx'), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    try {
      const pixels = new Float32Array(3 * 128 * 128).map((_, i) => Math.sin(i * 0.01));
      const out = (await session.run({ [TINYVIT_INPUT]: new ort.Tensor('float32', pixels, [1, 3, 128, 128]) }))[TINYVIT_OUTPUT];
      expect(out.dims).toEqual([1, 32, 8, 8]);
      const data = out.data as Float32Array;
      expect(data.every(Number.isFinite)).toBe(true);
      // The neck ends in a LayerNorm over channels (scale 1, bias 0): every position has unit variance.
      let sq = 0;
      for (let c = 0; c < 32; c++) sq += data[c * 64 + 5 * 8 + 3] ** 2;
      expect(sq / 32).toBeCloseTo(1, 2);
    } finally {
      await session.release();
    }
  });

  it('is generated on first use by id, links the decoder, and is kept while current', () => {
    const models = join(tmp, 'models');
    const decoder = join(tmp, 'shared', 'decoder.onnx');
    mkdirSync(join(tmp, 'shared'), { recursive: true });
    writeFileSync(decoder, 'stand-in: only the link is checked here');
    const before = process.env[SAM_B_DECODER_ENV];
    process.env[SAM_B_DECODER_ENV] = decoder;
    try {
      const { dir, descriptor } = resolveModel('mobile-sam-shape', models);
      expect(descriptor.id).toBe('mobile-sam-shape');
      expect(readlinkSync(join(dir, DECODER_FILE))).toBe(decoder);
      // 5,738,964 float32 weights, each tensor aligned to 4 KiB.
      const written = statSync(join(dir, ENCODER_DATA_FILE));
      expect(written.size).toBeGreaterThanOrEqual(5_738_964 * 4);
      expect(written.size).toBeLessThan(5_738_964 * 4 + 4096 * 300);
      resolveModel('mobile-sam-shape', models);
      expect(statSync(join(dir, ENCODER_DATA_FILE)).mtimeMs).toBe(written.mtimeMs);
    } finally {
      if (before === undefined) delete process.env[SAM_B_DECODER_ENV];
      else process.env[SAM_B_DECODER_ENV] = before;
    }
  });

  it('refuses clearly when the shared decoder is missing, before writing anything', () => {
    const models = join(tmp, 'models-missing');
    const before = process.env[SAM_B_DECODER_ENV];
    process.env[SAM_B_DECODER_ENV] = join(tmp, 'nowhere', 'decoder.onnx');
    try {
      expect(() => ensureMobileSamShape(models)).toThrow(SamanticError);
      expect(() => ensureMobileSamShape(models)).toThrow(/mobile-sam-shape needs .*nowhere\/decoder\.onnx.*missing/);
      expect(existsSync(models)).toBe(false);
    } finally {
      if (before === undefined) delete process.env[SAM_B_DECODER_ENV];
      else process.env[SAM_B_DECODER_ENV] = before;
    }
  });
});
