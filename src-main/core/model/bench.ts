// Speed of a model on this machine: encoder time per image and decoder time per prompt on an AMG-like
// grid of points, with and without the full-resolution upsampling. Timings, not assertions.

import type { DeviceChoice } from '../api/contract';
import type { RgbImage } from '../types';
import { OnnxPredictor } from './predictor';
import { loadModel } from './runtime';

export interface ModelBenchOptions {
  model?: string;
  modelsDir?: string;
  device?: DeviceChoice;
  intraOpNumThreads?: number;
  decoderFlavour?: string;
  /** Grid points per side (SAM's AMG default: 32). Default 16. */
  pointsPerSide?: number;
  /** Prompts per predict() call, like the AMG's points_per_batch (SAM default 64). */
  pointsPerBatch?: number;
  /** Prompts per decoder call (batched decoders). */
  chunkSize?: number;
  repeats?: number;
}

export interface ModelBenchResult {
  model: string;
  provider: string;
  decoder: string;
  width: number;
  height: number;
  prompts: number;
  /** Best of `repeats`, milliseconds. */
  encodeMs: number;
  /** Decoder only (low-res logits and scores), per prompt. */
  decodeLowResMsPerPrompt: number;
  /** Decoder plus the three multimask maps at image resolution (what the AMG receives), per prompt. */
  decodeFullMsPerPrompt: number;
}

/** SAM's build_point_grid: offsets 1/(2n), y outer, x inner, in pixels of a w x h image. */
function grid(n: number, w: number, h: number): Float64Array {
  const pts = new Float64Array(n * n * 2);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      pts[(j * n + i) * 2] = ((i + 0.5) / n) * w;
      pts[(j * n + i) * 2 + 1] = ((j + 0.5) / n) * h;
    }
  }
  return pts;
}

export async function benchModel(image: RgbImage, options: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const model = await loadModel(options.model ?? 'test-sam', {
    modelsDir: options.modelsDir,
    device: options.device ?? 'cpu',
    intraOpNumThreads: options.intraOpNumThreads,
    decoderFlavour: options.decoderFlavour,
  });
  try {
    const predictor = new OnnxPredictor(model, { chunkSize: options.chunkSize });
    const repeats = options.repeats ?? 2;
    const points = grid(options.pointsPerSide ?? 16, image.width, image.height);
    const perBatch = (options.pointsPerBatch ?? 64) * 2;
    const prompts = points.length / 2;
    const best = async (run: () => Promise<unknown>) => {
      let ms = Infinity;
      for (let r = 0; r < repeats; r++) {
        const t = performance.now();
        await run();
        ms = Math.min(ms, performance.now() - t);
      }
      return ms;
    };
    const encodeMs = await best(() => predictor.setImage(image));
    const decode = (full: boolean) => async () => {
      for (let i = 0; i < points.length; i += perBatch) await predictor.predictDetailed(points.subarray(i, i + perBatch), full);
    };
    const low = await best(decode(false));
    const full = await best(decode(true));
    return {
      model: model.descriptor.id,
      provider: model.provider,
      decoder: model.decoder.id,
      width: image.width,
      height: image.height,
      prompts,
      encodeMs,
      decodeLowResMsPerPrompt: low / prompts,
      decodeFullMsPerPrompt: full / prompts,
    };
  } finally {
    await model.release();
  }
}
