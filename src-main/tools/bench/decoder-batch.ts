// `npm run bench -- --decoder-batch`: decoder time per prompt against prompts per call, on SAM
// ViT-B's real decoder (../shared/models/sam-b-random, exported for one prompt a call; the loader
// frees its prompt dimension, core/model/prompt-batch.ts). The AMG's prompts: one grid point each,
// no mask input, low-res outputs only. Batch sizes are interleaved round by round, so a change in
// the machine's load falls on all of them alike. It prints figures; it asserts nothing.
import { existsSync, readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { parseCommandArgs } from '../../core/util/args';
import { SamanticError } from '../../core/errors';
import { DecoderRunner, pruneOutputs, type PointPrompt } from '../../core/model/decode';
import { officialSamDecoder } from '../../core/model/generated';
import { computeFrameTransform } from '../../core/model/preprocess';
import { relaxPromptBatch } from '../../core/model/prompt-batch';
import { sharedDecoderPath } from '../../core/model/sambshape/generate';
import { mulberry32 } from '../../core/util/random';
import type { ImageEmbedding } from '../../core/types';
import { PROVIDERS, type Provider } from '../../core/vocab';

export interface DecoderBatchRow {
  batch: number;
  /** Median over rounds of (time of `prompts` prompts / prompts). */
  msPerPrompt: number;
  rounds: number[];
}

export async function runDecoderBatchBench(
  options: { provider: Provider; batches: number[]; prompts: number; rounds: number; threads?: number },
  log: (l: string) => void,
): Promise<{ provider: Provider; decoder: string; prompts: number; rows: DecoderBatchRow[] }> {
  const file = sharedDecoderPath();
  if (!existsSync(file)) throw new SamanticError('model-missing', `${file} is missing: this bench needs ../shared/models/sam-b-random.`);
  const bytes = relaxPromptBatch(pruneOutputs(readFileSync(file), ['iou_predictions', 'low_res_masks']).bytes, [
    'point_coords',
    'point_labels',
  ]);
  if (!bytes.relaxed) throw new SamanticError('model-invalid', `${file}: its prompt dimension is not fixed at 1; nothing to measure.`);
  const session = await ort.InferenceSession.create(bytes.bytes, {
    executionProviders: options.provider === 'cpu' ? ['cpu'] : [options.provider],
    logSeverityLevel: 3,
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
  });
  const spec = officialSamDecoder('official', 'decoder.onnx', false, 256);
  const shape = { channels: 256, gridH: 64, gridW: 64 };
  const rnd = mulberry32(1);
  const transform = computeFrameTransform(800, 534);
  const embedding: ImageEmbedding = { data: Float32Array.from({ length: 256 * 64 * 64 }, () => rnd() * 2 - 1), ...shape, transform };
  const prompts: PointPrompt[] = Array.from({ length: options.prompts }, () => ({ points: [[rnd() * 800, rnd() * 534]] }));
  const runners = options.batches.map((b) => new DecoderRunner(session, spec, shape, b));
  const times: number[][] = options.batches.map(() => []);
  log(
    `decoder batch bench: ${options.prompts} prompts, batches ${options.batches.join(', ')}, ${options.rounds} rounds, ${options.provider}...`,
  );
  await runners[0].decode(embedding, prompts.slice(0, 2), { tokens: 'multimask', fullResolution: false });
  for (let r = 0; r < options.rounds; r++) {
    for (let i = 0; i < runners.length; i++) {
      const t0 = performance.now();
      await runners[i].decode(embedding, prompts, { tokens: 'multimask', fullResolution: false });
      times[i].push((performance.now() - t0) / options.prompts);
    }
  }
  await session.release();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return {
    provider: options.provider,
    decoder: file,
    prompts: options.prompts,
    rows: options.batches.map((batch, i) => ({ batch, msPerPrompt: median(times[i]), rounds: times[i] })),
  };
}

export async function runDecoderBatchCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    'decoder-batch': { type: 'boolean' },
    device: { type: 'string' },
    batches: { type: 'string' },
    prompts: { type: 'string' },
    rounds: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
  });
  const provider = (values.device ?? 'cpu') as Provider;
  if (!PROVIDERS.includes(provider)) throw new SamanticError('invalid-argument', `--device must be one of ${PROVIDERS.join(', ')}.`);
  const batches = (values.batches ?? '1,4,16,64').split(',').map(Number);
  if (!batches.every((b) => Number.isInteger(b) && b >= 1))
    throw new SamanticError('invalid-argument', `--batches takes positive integers separated by commas, got '${values.batches}'.`);
  const count = (v: string | undefined, fallback: number, name: string) => {
    const n = v === undefined ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new SamanticError('invalid-argument', `--${name} must be a positive integer, got '${v}'.`);
    return n;
  };
  const log = values.json ? () => {} : (l: string) => process.stderr.write(l + '\n');
  const r = await runDecoderBatchBench(
    {
      provider,
      batches,
      prompts: count(values.prompts, 64, 'prompts'),
      rounds: count(values.rounds, 5, 'rounds'),
      threads: values.threads === undefined ? undefined : count(values.threads, 1, 'threads'),
    },
    log,
  );
  if (values.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else {
    const base = r.rows.find((x) => x.batch === 1)?.msPerPrompt;
    for (const row of r.rows) {
      const gain = base ? ` (${(base / row.msPerPrompt).toFixed(2)}x one a call)` : '';
      process.stdout.write(
        `decoder ${r.provider}, ${row.batch} prompts a call: ${row.msPerPrompt.toFixed(1)} ms per prompt${gain}; rounds ${row.rounds.map((t) => t.toFixed(1)).join(' ')}\n`,
      );
    }
  }
  return 0;
}
