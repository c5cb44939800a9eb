// test-edgesam: test-sam's colour-region stand-in behind EdgeSAM's ONNX interface, as EdgeSAM's
// scripts/export_onnx_model.py writes it (chongzhou96/EdgeSAM@2889c72): encoder `image`
// 1x3x1024x1024 (SAM's resize-normalise-pad, done by the caller) -> `image_embeddings`
// 1x256x64x64; decoder (SamCoreMLModel) takes image_embeddings, point_coords 1xNx2 and
// point_labels 1xN only, and returns `scores` 1x4 and `masks` 1x4x256x256 (the low-res logits of
// all four tokens). No mask_input, has_mask_input or orig_im_size: the 'sam-points' contract.

import { DESCRIPTOR_FILE, type ModelDescriptor } from '../descriptor';
import type { RenderedModel } from '../generated';
import { buildDecoderGraph } from './decoder-graph';
import { buildEncoderGraph, ENCODER_OUTPUT, SAM2_ENCODER_INPUT } from './encoder-graph';
import { LOW_RES } from './params';
import { renderStandIn, standInDescriptor } from './stand-in';

export const TEST_EDGESAM_ID = 'test-edgesam';
export const TEST_EDGESAM_FILES = ['encoder.onnx', 'decoder.onnx', DESCRIPTOR_FILE] as const;
/** EdgeSAM's encoder input is called `image`, like SAM 2's. */
const EDGESAM_ENCODER_INPUT = SAM2_ENCODER_INPUT;

export function testEdgeSamDescriptor(fingerprint?: string): ModelDescriptor {
  return standInDescriptor(
    {
      id: TEST_EDGESAM_ID,
      family: 'sam1',
      name: 'test-edgesam (generated stand-in, EdgeSAM interface)',
      description:
        "test-sam's colour-and-texture stand-in with the I/O of EdgeSAM's ONNX export (points and labels only, " +
        'no mask input). No learned weights. For tests, demos and CI.',
      notes:
        'I/O as chongzhou96/EdgeSAM scripts/export_onnx_model.py (commit 2889c72) names it; preprocessing as its ' +
        'edge_sam/onnx/predictor_onnx.py (ResizeLongestSide 1024, SAM mean/std, zero padding bottom/right).',
      encoderInput: EDGESAM_ENCODER_INPUT,
      encoderOutput: ENCODER_OUTPUT,
      resize: 'longest-side',
      decoders: [
        {
          id: 'edgesam',
          file: 'decoder.onnx',
          io: 'sam-points',
          batched: false,
          inputs: {
            imageEmbeddings: ENCODER_OUTPUT,
            pointCoords: 'point_coords',
            pointLabels: 'point_labels',
            maskInput: null,
            hasMaskInput: null,
            origImSize: null,
          },
          outputs: { masks: null, iouPredictions: 'scores', lowResMasks: 'masks' },
          highResInputs: [],
          maskCount: 4,
          singleMaskIndex: 0,
          multimaskIndices: [1, 2, 3],
          lowResSize: LOW_RES,
        },
      ],
    },
    fingerprint,
  );
}

/** Builds the three files of test-edgesam, and the fingerprint of the two ONNX ones. */
export function renderTestEdgeSam(): RenderedModel {
  return renderStandIn(
    [
      [
        'encoder.onnx',
        buildEncoderGraph(false, EDGESAM_ENCODER_INPUT),
        'test-edgesam encoder: colour/texture statistics, EdgeSAM interface',
      ],
      ['decoder.onnx', buildDecoderGraph(false, false, false, true), 'test-edgesam decoder, EdgeSAM interface'],
    ],
    testEdgeSamDescriptor,
  );
}
