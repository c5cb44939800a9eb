// test-edgesam: test-sam's colour-region stand-in behind EdgeSAM's ONNX interface, as EdgeSAM's
// scripts/export_onnx_model.py writes it (chongzhou96/EdgeSAM@2889c72): encoder `image`
// 1x3x1024x1024 (SAM's resize-normalise-pad, done by the caller) -> `image_embeddings`
// 1x256x64x64; decoder (SamCoreMLModel) takes image_embeddings, point_coords 1xNx2 and
// point_labels 1xN only, and returns `scores` 1x4 and `masks` 1x4x256x256 (the low-res logits of
// all four tokens). No mask_input, has_mask_input or orig_im_size: the 'sam-points' contract.

import { DESCRIPTOR_FILE, DESCRIPTOR_FORMAT, type ModelDescriptor } from '../descriptor';
import { buildDecoderGraph } from './decoder-graph';
import { buildEncoderGraph, ENCODER_OUTPUT, SAM2_ENCODER_INPUT } from './encoder-graph';
import { encodeModel } from './onnx-builder';
import { withDescriptor, type RenderedModel } from '../generated';
import { CHANNELS, FRAME, GRID, LOW_RES, PIXEL_MEAN, PIXEL_STD, TEST_SAM_VERSION } from './params';

export const TEST_EDGESAM_ID = 'test-edgesam';
export const TEST_EDGESAM_FILES = ['encoder.onnx', 'decoder.onnx', DESCRIPTOR_FILE] as const;
/** EdgeSAM's encoder input is called `image`, like SAM 2's. */
const EDGESAM_ENCODER_INPUT = SAM2_ENCODER_INPUT;

export function testEdgeSamDescriptor(fingerprint?: string): ModelDescriptor {
  return {
    format: DESCRIPTOR_FORMAT,
    id: TEST_EDGESAM_ID,
    family: 'sam1',
    name: 'test-edgesam (generated stand-in, EdgeSAM interface)',
    description:
      "test-sam's colour-and-texture stand-in with the I/O of EdgeSAM's ONNX export (points and labels only, " +
      'no mask input). No learned weights. For tests, demos and CI.',
    license: 'Apache-2.0',
    paramsMillions: null,
    speedClass: 'fast',
    notes:
      'I/O as chongzhou96/EdgeSAM scripts/export_onnx_model.py (commit 2889c72) names it; preprocessing as its ' +
      'edge_sam/onnx/predictor_onnx.py (ResizeLongestSide 1024, SAM mean/std, zero padding bottom/right).',
    generator: { name: TEST_EDGESAM_ID, version: TEST_SAM_VERSION, ...(fingerprint ? { fingerprint } : {}) },
    frameSize: FRAME,
    embedding: { channels: CHANNELS, gridH: GRID, gridW: GRID },
    encoder: {
      file: 'encoder.onnx',
      externalData: [],
      flavour: 'nchw-normalized',
      input: { name: EDGESAM_ENCODER_INPUT, dtype: 'float32', shape: [1, 3, FRAME, FRAME] },
      output: { name: ENCODER_OUTPUT, dtype: 'float32', shape: [1, CHANNELS, GRID, GRID] },
      extraOutputs: [],
      resize: 'longest-side',
      pixelMean: [...PIXEL_MEAN],
      pixelStd: [...PIXEL_STD],
    },
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
    download: null,
  };
}

/** Builds the three files of test-edgesam, and the fingerprint of the two ONNX ones. */
export function renderTestEdgeSam(): RenderedModel {
  const version = String(TEST_SAM_VERSION);
  const graphs = new Map<string, Uint8Array>();
  graphs.set(
    'encoder.onnx',
    encodeModel(
      buildEncoderGraph(false, EDGESAM_ENCODER_INPUT),
      'test-edgesam encoder: colour/texture statistics, EdgeSAM interface',
      version,
    ),
  );
  graphs.set('decoder.onnx', encodeModel(buildDecoderGraph(false, false, false, true), 'test-edgesam decoder, EdgeSAM interface', version));
  return withDescriptor(graphs, testEdgeSamDescriptor);
}
