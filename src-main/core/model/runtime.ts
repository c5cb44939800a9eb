// Loads a SAM-family model (encoder + decoder ONNX sessions, created once and reused) and runs it:
// encode(image) -> ImageEmbedding, decode(embedding, point prompts) -> mask logits and scores.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { DeviceChoice } from '../vocab';
import { SamanticError } from '../errors';
import type { ImageEmbedding, RgbImage } from '../types';
import { encoderInputSize, type DecoderSpec, type EncoderFlavour, type ModelDescriptor } from './descriptor';
import { extraFeatures } from './decoder-contract';
import { preprocess } from './preprocess';
import { pruneOutputs } from './decode';
import { DECODER_PROMPT_BATCH, relaxPromptBatch } from './prompt-batch';
import { startWithFallback, type Provider } from './providers';
import { resolveModel } from './registry';
import { DecoderRunner, type DecodeOptions, type DecodeResult, type PointPrompt } from './decode';

export type { DecodeOptions, DecodeResult, PointPrompt };

export interface LoadModelOptions {
  /** Default 'auto': the platform's GPU providers if they start, else the CPU (with a warning). */
  device?: DeviceChoice;
  /** An explicitly chosen device that cannot start throws instead of falling back. Default false. */
  strictDevice?: boolean;
  /** onnxruntime intra-op threads; 0 or absent = onnxruntime's default (one per physical core). */
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  /** Decoder id from model.json (e.g. 'batched', 'official'); default: the first batched one, else the first. */
  decoderFlavour?: string;
  /** Where model ids are looked up; default: SAMANTIC_MODELS_DIR or the repository's models/. */
  modelsDir?: string;
  /** Receives warnings meant for the user (provider fallback). They are also kept in `model.warnings`. */
  onWarning?: (message: string) => void;
  /**
   * Check the encoder at load time, then release its session until encode() is first called. For
   * callers that encode elsewhere (the encode-ahead worker has its own session): a ViT-H encoder
   * would otherwise sit in memory twice (about 2.5 GB). Default false.
   */
  encoderOnDemand?: boolean;
  /**
   * Prompts per call on a decoder exported for one prompt (SAM's official export): default per
   * provider, DECODER_PROMPT_BATCH in prompt-batch.ts; 1 sends one prompt a call.
   */
  promptBatch?: number;
}

export interface SamModel {
  readonly descriptor: ModelDescriptor;
  readonly dir: string;
  /** Execution provider actually in use ('cpu', 'webgpu', ...). */
  readonly provider: Provider;
  readonly decoder: DecoderSpec;
  readonly warnings: readonly string[];
  encode(image: RgbImage): Promise<ImageEmbedding>;
  /** Prompts in ORIGINAL image pixels of the encoded image. */
  decode(embedding: ImageEmbedding, prompts: PointPrompt[], options?: DecodeOptions): Promise<DecodeResult>;
  release(): Promise<void>;
}

function checkThreads(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0) {
    throw new SamanticError('invalid-argument', `${name} must be a non-negative integer (0 = onnxruntime's default), got ${v}.`);
  }
  return v === 0 ? undefined : v;
}

function pickDecoder(d: ModelDescriptor, wanted: string | undefined): DecoderSpec {
  if (wanted === undefined) return d.decoders.find((x) => x.batched) ?? d.decoders[0];
  const found = d.decoders.find((x) => x.id === wanted);
  if (!found) {
    throw new SamanticError(
      'invalid-argument',
      `model "${d.id}" has no decoder "${wanted}"; it has: ${d.decoders.map((x) => x.id).join(', ')}.`,
    );
  }
  return found;
}

function requireFile(dir: string, file: string, id: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) {
    throw new SamanticError(
      'model-missing',
      `${path} is missing. Run "samantic models download ${id}" or copy the file into ${dir} by hand.`,
    );
  }
  return path;
}

/** Checks a session's I/O names (and fixed dimensions where the model declares them) against model.json. */
function checkIo(session: ort.InferenceSession, file: string, inputs: Record<string, number[] | null>, outputs: string[]): void {
  const bad = (what: string) =>
    new SamanticError('model-invalid', `${file}: ${what}. model.json does not describe this file: fix model.json or replace the file.`);
  for (const [name, dims] of Object.entries(inputs)) {
    const meta = session.inputMetadata.find((m) => m.name === name);
    if (!meta) throw bad(`has no input "${name}" (inputs: ${session.inputNames.join(', ')})`);
    if (dims && meta.isTensor && meta.shape.length === dims.length) {
      meta.shape.forEach((d, i) => {
        if (typeof d === 'number' && dims[i] >= 0 && d !== dims[i])
          throw bad(`input "${name}" has shape [${meta.shape.join(', ')}], expected [${dims.join(', ')}]`);
      });
    }
  }
  for (const name of outputs)
    if (!session.outputNames.includes(name)) throw bad(`has no output "${name}" (outputs: ${session.outputNames.join(', ')})`);
}

/** An NCHW encoder takes a rank-4 input, an HWC one rank 3: the flavour in model.json must say which. */
function checkEncoderRank(session: ort.InferenceSession, file: string, input: string, flavour: EncoderFlavour): void {
  const meta = session.inputMetadata.find((m) => m.name === input);
  if (!meta || !meta.isTensor || meta.shape.length === 0) return;
  const rank = flavour === 'nchw-normalized' ? 4 : 3;
  if (meta.shape.length !== rank) {
    const other = flavour === 'nchw-normalized' ? 'hwc-raw' : 'nchw-normalized';
    throw new SamanticError(
      'model-invalid',
      `${file}: input "${input}" has shape [${meta.shape.join(', ')}] (rank ${meta.shape.length}), but model.json says flavour ` +
        `"${flavour}" (rank ${rank}). Set encoder.flavour to "${other}" in model.json.`,
    );
  }
}

/**
 * Loads a model by id (folder under models/) or by directory. Sessions are created once; the
 * returned object is reused for every image. The decoder is loaded without its `masks` output (see
 * pruneOutputs in decode.ts); full-resolution masks are rebuilt exactly from low_res_masks for the tokens asked for.
 */
export async function loadModel(dirOrId: string, options: LoadModelOptions = {}): Promise<SamModel> {
  const intra = checkThreads('intraOpNumThreads', options.intraOpNumThreads);
  const inter = checkThreads('interOpNumThreads', options.interOpNumThreads);
  const { dir, descriptor } = resolveModel(dirOrId, options.modelsDir);
  const decoder = pickDecoder(descriptor, options.decoderFlavour);
  const enc = descriptor.encoder;
  const inputSize = encoderInputSize(descriptor);
  const encoderPath = requireFile(dir, enc.file, descriptor.id);
  for (const f of enc.externalData) requireFile(dir, f, descriptor.id);
  const decoderPath = requireFile(dir, decoder.file, descriptor.id);
  const promptBatch = options.promptBatch;
  if (promptBatch !== undefined && (!Number.isInteger(promptBatch) || promptBatch < 1))
    throw new SamanticError('invalid-argument', `promptBatch must be a positive integer, got ${promptBatch}.`);
  let decoderBytes: Uint8Array;
  let promptDimFreed = false;
  try {
    decoderBytes = pruneOutputs(readFileSync(decoderPath), [decoder.outputs.iouPredictions, decoder.outputs.lowResMasks]).bytes;
    if (!decoder.batched) {
      const r = relaxPromptBatch(decoderBytes, [decoder.inputs.pointCoords, decoder.inputs.pointLabels]);
      decoderBytes = r.bytes;
      promptDimFreed = r.relaxed;
    }
  } catch (err) {
    throw new SamanticError(
      'model-invalid',
      `${decoderPath}: cannot read it as the decoder model.json describes (${(err as Error).message}).`,
    );
  }

  const create = async (provider: Provider) => {
    const opts: ort.InferenceSession.SessionOptions = {
      executionProviders: provider === 'cpu' ? ['cpu'] : [provider, 'cpu'],
      logSeverityLevel: 3,
      ...(intra !== undefined ? { intraOpNumThreads: intra } : {}),
      ...(inter !== undefined ? { interOpNumThreads: inter } : {}),
    };
    // From the path, so onnxruntime finds external data (vit_h's `_data.bin`) beside the file.
    const encoder = await ort.InferenceSession.create(encoderPath, opts);
    try {
      const dec = await ort.InferenceSession.create(decoderBytes, opts);
      return { encoder, dec, opts };
    } catch (err) {
      await encoder.release();
      throw err;
    }
  };
  const started = await startWithFallback(options.device ?? 'auto', create, options.strictDevice ?? false);
  for (const w of started.warnings) options.onWarning?.(w);
  const { encoder: loaded, dec, opts: sessionOptions } = started.value;
  try {
    checkEncoderRank(loaded, encoderPath, enc.input.name, enc.flavour);
    const encInputDims = enc.input.shape.map((d) => (typeof d === 'number' ? d : -1));
    checkIo(loaded, encoderPath, { [enc.input.name]: encInputDims }, [enc.output.name, ...enc.extraOutputs.map((t) => t.name)]);
    const io = decoder.inputs;
    const needed = [io.imageEmbeddings, io.pointCoords, io.pointLabels, io.maskInput, io.hasMaskInput, ...decoder.highResInputs].filter(
      (n): n is string => n !== null,
    );
    checkIo(dec, decoderPath, Object.fromEntries(needed.map((n) => [n, null])), [
      decoder.outputs.iouPredictions,
      decoder.outputs.lowResMasks,
    ]);
  } catch (err) {
    await Promise.all([loaded.release(), dec.release()]);
    throw err;
  }
  let encoder: ort.InferenceSession | null = loaded;
  if (options.encoderOnDemand) {
    await loaded.release();
    encoder = null;
  }
  // Re-created on the provider the load settled on, with the same options.
  let encoderStarting: Promise<ort.InferenceSession> | null = null;
  const encoderSession = async (): Promise<ort.InferenceSession> => {
    if (encoder) return encoder;
    encoderStarting ??= ort.InferenceSession.create(encoderPath, sessionOptions);
    try {
      encoder = await encoderStarting;
    } finally {
      encoderStarting = null;
    }
    return encoder;
  };
  const warnings = [...started.warnings];
  const warn = (m: string) => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  const batch = promptDimFreed ? (promptBatch ?? DECODER_PROMPT_BATCH[started.provider]) : 1;
  const runner = new DecoderRunner(dec, decoder, descriptor.embedding, batch, warn);

  return {
    descriptor,
    dir,
    provider: started.provider,
    decoder,
    warnings,
    async encode(image: RgbImage): Promise<ImageEmbedding> {
      const { input, transform } = await preprocess(image, enc.flavour, {
        frameSize: descriptor.frameSize,
        mean: enc.pixelMean,
        std: enc.pixelStd,
        resize: enc.resize,
        inputSize,
      });
      const session = await encoderSession();
      const out = await session.run({ [enc.input.name]: new ort.Tensor('float32', input.data, input.dims) });
      const t = out[enc.output.name];
      const { channels, gridH, gridW } = descriptor.embedding;
      if (t.dims.length !== 4 || t.dims[1] !== channels || t.dims[2] !== gridH || t.dims[3] !== gridW) {
        throw new SamanticError(
          'model-invalid',
          `${encoderPath}: embedding has shape [${t.dims.join(', ')}], model.json says 1x${channels}x${gridH}x${gridW}.`,
        );
      }
      const embedding: ImageEmbedding = { data: t.data as Float32Array, channels, gridH, gridW, transform };
      if (enc.extraOutputs.length > 0) embedding.extras = extraFeatures(out, enc.extraOutputs, encoderPath);
      return embedding;
    },
    decode: (embedding, prompts, decodeOptions) => runner.decode(embedding, prompts, decodeOptions),
    async release() {
      const e = encoder;
      encoder = null;
      await Promise.all([e?.release(), dec.release()]);
    },
  };
}
