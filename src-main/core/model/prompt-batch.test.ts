// Batches of prompts on SAM ViT-B's real decoder (exported for one prompt a call): the freed prompt
// dimension gives the masks and scores of one prompt a call, and a decoder that refuses a batch
// is sent one prompt a call with a warning.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import type { ImageEmbedding } from '../types';
import { DecoderRunner, pruneOutputs, type PointPrompt } from './decode';
import { officialSamDecoder } from './generated';
import { computeFrameTransform } from './preprocess';
import { PROMPT_DIM, relaxPromptBatch } from './prompt-batch';
import { sharedDecoderPath } from './sambshape/generate';

const SHARED_DECODER = sharedDecoderPath(resolve(dirname(fileURLToPath(import.meta.url)), '../../../models'));
const SPEC = officialSamDecoder('official', 'decoder.onnx', false, 256);
const EMBEDDING_SHAPE = { channels: 256, gridH: 64, gridW: 64 };

function promptDims(bytes: Uint8Array) {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  return ['point_coords', 'point_labels'].map((n) => {
    const d = model.graph!.input!.find((v) => v.name === n)!.type!.tensorType!.shape!.dim![0];
    return d.dimParam || Number(d.dimValue);
  });
}

describe.skipIf(!existsSync(SHARED_DECODER))('prompt batches on a one-prompt export (../shared/models/sam-b-random)', () => {
  const pruned = () => pruneOutputs(readFileSync(SHARED_DECODER), ['iou_predictions', 'low_res_masks']).bytes;

  it('frees dimension 0 of the prompt inputs only where it is fixed at 1', () => {
    const bytes = pruned();
    expect(promptDims(bytes)).toEqual([1, 1]);
    const once = relaxPromptBatch(bytes, ['point_coords', 'point_labels']);
    expect(once.relaxed).toBe(true);
    expect(promptDims(once.bytes)).toEqual([PROMPT_DIM, PROMPT_DIM]);
    const twice = relaxPromptBatch(once.bytes, ['point_coords', 'point_labels']);
    expect(twice.relaxed).toBe(false);
    expect(relaxPromptBatch(bytes, ['point_coords', 'no_such_input']).relaxed).toBe(false);
  });

  it('gives the masks and scores of one prompt a call, and refused batches fall back with a warning', async () => {
    const rnd = mulberry32(7);
    const transform = computeFrameTransform(800, 534);
    const embedding: ImageEmbedding = {
      data: Float32Array.from({ length: 256 * 64 * 64 }, () => rnd() * 2 - 1),
      ...EMBEDDING_SHAPE,
      transform,
    };
    const prompts: PointPrompt[] = Array.from({ length: 20 }, () => ({ points: [[rnd() * 800, rnd() * 534]] }));
    const opts = { intraOpNumThreads: 2, logSeverityLevel: 3 as const };
    const oneByOne = new DecoderRunner(await ort.InferenceSession.create(pruned(), opts), SPEC, EMBEDDING_SHAPE);
    const freed = relaxPromptBatch(pruned(), ['point_coords', 'point_labels']).bytes;
    const batched = new DecoderRunner(await ort.InferenceSession.create(freed, opts), SPEC, EMBEDDING_SHAPE, 8);
    const want = await oneByOne.decode(embedding, prompts, { tokens: 'multimask', fullResolution: false });
    const got = await batched.decode(embedding, prompts, { tokens: 'multimask', fullResolution: false });
    expect(got.tokens).toEqual(want.tokens);
    let worst = 0;
    for (let i = 0; i < want.lowRes.length; i++) worst = Math.max(worst, Math.abs(got.lowRes[i] - want.lowRes[i]));
    expect(worst).toBeLessThan(1e-4);
    for (let i = 0; i < want.iou.length; i++) expect(got.iou[i]).toBeCloseTo(want.iou[i], 5);
    expect(batched.promptsPerCall).toBe(8);

    // The declared size refuses 8 prompts: one a call from then on, the same results, one warning.
    const warnings: string[] = [];
    const refusing = new DecoderRunner(await ort.InferenceSession.create(pruned(), opts), SPEC, EMBEDDING_SHAPE, 8, (m) =>
      warnings.push(m),
    );
    const fallback = await refusing.decode(embedding, prompts.slice(0, 4), { tokens: 'multimask', fullResolution: false });
    expect(Array.from(fallback.iou)).toEqual(Array.from(want.iou.subarray(0, 4 * 3)));
    expect(refusing.promptsPerCall).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/refused 8 prompts a call.*one prompt a call/);
  }, 120_000);
});
