// Many point prompts per call on a decoder exported for one. SAM's official ONNX export declares
// point_coords as [1, N, 2] and point_labels as [1, N], but its graph handles any number of prompts
// there (the image embedding is broadcast over them); only the declared size refuses more. So the
// loader declares that dimension free and the runner sends prompts in batches, as long as they
// carry no mask_input (the export's has_mask_input multiplication does not broadcast over prompts).
// Checked against one prompt per call on SAM ViT-B's real decoder (prompt-batch.test.ts).

import onnxProto from 'onnx-proto';
import type { Provider } from '../vocab';

const { onnx } = onnxProto;

/** The symbolic name given to the freed prompt dimension. */
export const PROMPT_DIM = 'prompts';

/**
 * Prompts per decoder call on an official (one-prompt) decoder, per execution provider. On the
 * CPU, batches measured no faster per prompt than one a call and 64 slower (`npm run bench --
 * --decoder-batch`, src-main/tools/bench/README.md), so the CPU keeps one. The GPU providers' batch
 * is not measured (no GPU on the project's machines): 64 is the AMG's batch of grid points, and 64
 * prompts' low-res logits are 67 MB.
 */
export const DECODER_PROMPT_BATCH: Readonly<Record<Provider, number>> = {
  cpu: 1,
  cuda: 64,
  webgpu: 64,
  dml: 64,
  coreml: 64,
};

/**
 * Declares dimension 0 of the named inputs free when it is fixed at 1. `relaxed` is false (and the
 * bytes unchanged) when any of them is missing or declares another size.
 */
export function relaxPromptBatch(modelBytes: Uint8Array, inputs: readonly string[]): { bytes: Uint8Array; relaxed: boolean } {
  const model = onnx.ModelProto.decode(modelBytes);
  const dims = inputs.map((name) => (model.graph?.input ?? []).find((v) => v.name === name)?.type?.tensorType?.shape?.dim ?? null);
  const fixedAtOne = dims.every((d) => d !== null && d.length > 0 && Number(d[0].dimValue ?? 0) === 1 && !d[0].dimParam);
  if (!fixedAtOne) return { bytes: modelBytes, relaxed: false };
  for (const d of dims) d![0] = onnx.TensorShapeProto.Dimension.create({ dimParam: PROMPT_DIM });
  return { bytes: onnx.ModelProto.encode(model).finish(), relaxed: true };
}
