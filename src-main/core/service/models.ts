// Model choices for the service: what the UI can list, which id a project uses, and opening the
// segmenter (ONNX sessions) on first use.
import type { DeviceChoice, ModelInfo } from '../api/contract';
import { defaultModelId, listingBytes, listModels, resolveModel } from '../model/registry';
import { encodeAheadThreads } from '../model/encoder-worker-client';
import { loadModel } from '../model/runtime';
import { OnnxSegmenter } from '../pipeline/onnx-segmenter';
import type { Segmenter } from '../pipeline/segmenter';

/** The same facts as `samantic models list`, for the UI's model picker. */
export function listModelInfos(modelsDir?: string): ModelInfo[] {
  return listModels(modelsDir).map((m) => {
    const d = m.descriptor;
    return {
      id: m.id,
      name: m.name,
      present: m.present,
      generated: m.generated,
      family: d?.family ?? null,
      speedClass: d?.speedClass ?? null,
      paramsMillions: d?.paramsMillions ?? null,
      bytes: m.generated ? null : listingBytes(m),
      pointsOnly: d ? d.decoders.every((x) => x.inputs.maskInput === null) : false,
    };
  });
}

/** Validates a requested model (id or folder) now, so a typo fails at open time, not mid-run. */
export function resolveModelId(requested: string | undefined, modelsDir?: string): string {
  const id = requested ?? defaultModelId(modelsDir);
  resolveModel(id, modelsDir);
  return id;
}

export async function openSegmenter(
  modelId: string,
  device: string,
  modelsDir: string | undefined,
  onWarning: (m: string) => void,
): Promise<Segmenter> {
  // The encoder worker (encode ahead) takes half the cores; the decoder session the rest, so the
  // two do not oversubscribe them (measured in `npm run bench`: 2 decoder threads beside the worker
  // on 2 cores ran slower than 1).
  // The worker has its own encoder session: the main one starts only if needed (crops of the seed
  // preset, or in-process encoding when the worker cannot run), so big encoders are not held twice.
  const model = await loadModel(modelId, {
    device: device as DeviceChoice,
    modelsDir,
    onWarning,
    intraOpNumThreads: encodeAheadThreads().decoder,
    encoderOnDemand: true,
  });
  return new OnnxSegmenter(model, { onWarning });
}
