// test-sam2: test-sam's colour-region stand-in behind SAM 2.1's image-predictor interface, as
// samexporter's export_sam2.py writes it (encoder `image` -> high_res_feats_0, high_res_feats_1,
// image_embed; decoder takes all three, appends SAM's padding point itself, has no orig_im_size
// and returns the three multimask outputs as low-res logits). The preprocessing is SAM 2's: the
// image is stretched onto the 1024 frame, ImageNet mean/std (the same numbers as SAM's on 0-255).

import { DESCRIPTOR_FILE, type ModelDescriptor, type TensorSpec } from '../descriptor';
import type { RenderedModel } from '../generated';
import { buildDecoderGraph } from './decoder-graph';
import { buildEncoderGraph, SAM2_ENCODER_INPUT, SAM2_ENCODER_OUTPUT, SAM2_HIGH_RES } from './encoder-graph';
import { LOW_RES } from './params';
import { renderStandIn, standInDescriptor } from './stand-in';

export const TEST_SAM2_ID = 'test-sam2';
export const TEST_SAM2_FILES = ['encoder.onnx', 'decoder.onnx', DESCRIPTOR_FILE] as const;

const highRes: TensorSpec[] = SAM2_HIGH_RES.map(({ name, channels, side }) => ({
  name,
  dtype: 'float32',
  shape: [1, channels, side, side],
}));

export function testSam2Descriptor(fingerprint?: string): ModelDescriptor {
  return standInDescriptor(
    {
      id: TEST_SAM2_ID,
      family: 'sam2',
      name: 'test-sam2 (generated stand-in, SAM 2.1 interface)',
      description:
        "test-sam's colour-and-texture stand-in with the I/O of a SAM 2.1 image-predictor export (samexporter). " +
        'No learned weights. For tests, demos and CI.',
      notes:
        'I/O as samexporter export_sam2.py (vietanhdev/samexporter@12ef249) names it. The decoder reads colours from ' +
        'image_embed and high_res_feats_0 together and checks them against high_res_feats_1, so all three must be fed.',
      encoderInput: SAM2_ENCODER_INPUT,
      encoderOutput: SAM2_ENCODER_OUTPUT,
      extraOutputs: highRes,
      resize: 'stretch',
      decoders: [
        {
          id: 'sam2',
          file: 'decoder.onnx',
          io: 'sam2-image',
          batched: true,
          inputs: {
            imageEmbeddings: SAM2_ENCODER_OUTPUT,
            pointCoords: 'point_coords',
            pointLabels: 'point_labels',
            maskInput: 'mask_input',
            hasMaskInput: 'has_mask_input',
            origImSize: null,
          },
          outputs: { masks: null, iouPredictions: 'iou_predictions', lowResMasks: 'masks' },
          highResInputs: highRes.map((t) => t.name),
          maskCount: 3,
          singleMaskIndex: null,
          multimaskIndices: [0, 1, 2],
          lowResSize: LOW_RES,
        },
      ],
    },
    fingerprint,
  );
}

/** Builds the three files of test-sam2, and the fingerprint of the two ONNX ones. */
export function renderTestSam2(): RenderedModel {
  return renderStandIn(
    [
      ['encoder.onnx', buildEncoderGraph(true), 'test-sam2 encoder: colour/texture statistics, SAM 2.1 interface'],
      ['decoder.onnx', buildDecoderGraph(true, false, true), 'test-sam2 decoder, SAM 2.1 interface'],
    ],
    testSam2Descriptor,
  );
}
