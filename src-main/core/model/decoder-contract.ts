// One adapter per decoder contract (descriptor.ts DecoderIo): what the caller adds to a prompt and
// which inputs besides the prompt it feeds. The decoder runner (decode.ts) is otherwise the same
// for every contract: prompts in, low-res logits and predicted IoUs out.

import ort from 'onnxruntime-node';
import { SamanticError } from '../errors';
import type { EmbeddingFeature, ImageEmbedding } from '../types';
import type { DecoderIo, DecoderSpec, TensorSpec } from './descriptor';

export interface DecoderContract {
  /**
   * True: the caller appends SAM's padding point (0, 0) labelled -1 to every prompt (the official
   * export expects it when there is no box). False: the graph appends it itself (samexporter's
   * SAM 2 decoder, _embed_points), so the caller adds padding only to even out a batch.
   */
  callerPads: boolean;
  /** Inputs fed from the image's encoding besides image embeddings (SAM 2's high-res feature maps). */
  encodingFeeds(spec: DecoderSpec, embedding: ImageEmbedding): Record<string, ort.Tensor>;
}

const samOfficial: DecoderContract = {
  callerPads: true,
  encodingFeeds: () => ({}),
};

const sam2Image: DecoderContract = {
  callerPads: false,
  encodingFeeds(spec, embedding) {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of spec.highResInputs) {
      const f = embedding.extras?.find((x) => x.name === name);
      if (!f) {
        throw new SamanticError(
          'invalid-argument',
          `decoder ${spec.file} needs the encoder output "${name}", but this image's encoding has ` +
            `${embedding.extras?.length ? embedding.extras.map((x) => x.name).join(', ') : 'no further outputs'}: encode the image again with the same model.`,
        );
      }
      feeds[name] = new ort.Tensor('float32', f.data, f.dims);
    }
    return feeds;
  },
};

/**
 * EdgeSAM's and EfficientViT-SAM's exports: SAM 1's prompt embedding (label -1 is SAM's
 * not-a-point, no padding point added in the graph), so the caller pads as for the official
 * decoder, matching the PyTorch predictor (PromptEncoder pads when there is no box). The inputs
 * the contract lacks (mask_input, has_mask_input, orig_im_size) are simply not fed (decode.ts).
 */
const samPoints: DecoderContract = {
  callerPads: true,
  encodingFeeds: () => ({}),
};

const CONTRACTS: Record<DecoderIo, DecoderContract> = { 'sam-official': samOfficial, 'sam2-image': sam2Image, 'sam-points': samPoints };

export function decoderContract(io: DecoderIo): DecoderContract {
  return CONTRACTS[io];
}

/** The encoder's further outputs (SAM 2's high-resolution maps), checked against their fixed dimensions. */
export function extraFeatures(
  out: Record<string, { dims: readonly number[]; data: unknown }>,
  specs: readonly TensorSpec[],
  file: string,
): EmbeddingFeature[] {
  return specs.map((spec) => {
    const t = out[spec.name];
    const fits = t && t.dims.length === spec.shape.length && spec.shape.every((d, i) => typeof d !== 'number' || d === t.dims[i]);
    if (!fits) {
      throw new SamanticError(
        'model-invalid',
        `${file}: output "${spec.name}" has shape [${t ? t.dims.join(', ') : 'missing'}], model.json says [${spec.shape.join(', ')}].`,
      );
    }
    return { name: spec.name, dims: [...t.dims], data: t.data as Float32Array };
  });
}
