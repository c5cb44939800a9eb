// What the generated stand-ins (test-sam, test-sam2, test-edgesam) share: the same colour-region
// encoder statistics behind different interfaces. Each generator says only what differs (names,
// family, preprocessing, decoders); the descriptor's common fields and the rendering live here.

import {
  DESCRIPTOR_FORMAT,
  type DecoderSpec,
  type EncoderResize,
  type ModelDescriptor,
  type ModelFamily,
  type TensorSpec,
} from '../descriptor';
import { withDescriptor, type RenderedModel } from '../generated';
import type onnxProto from 'onnx-proto';
import { encodeModel } from './onnx-builder';
import { CHANNELS, FRAME, GRID, PIXEL_MEAN, PIXEL_STD, TEST_SAM_VERSION } from './params';

export interface StandIn {
  id: string;
  family: ModelFamily;
  name: string;
  description: string;
  notes: string;
  encoderInput: string;
  encoderOutput: string;
  /** Encoder outputs beyond the image embedding (SAM 2's high-resolution maps). */
  extraOutputs?: TensorSpec[];
  resize: EncoderResize;
  decoders: DecoderSpec[];
}

/** The stand-in's model.json; `fingerprint` ties it to the ONNX bytes it was written with. */
export function standInDescriptor(s: StandIn, fingerprint?: string): ModelDescriptor {
  return {
    format: DESCRIPTOR_FORMAT,
    id: s.id,
    family: s.family,
    name: s.name,
    description: s.description,
    license: 'Apache-2.0',
    paramsMillions: null,
    speedClass: 'fast',
    notes: s.notes,
    generator: { name: s.id, version: TEST_SAM_VERSION, ...(fingerprint ? { fingerprint } : {}) },
    frameSize: FRAME,
    embedding: { channels: CHANNELS, gridH: GRID, gridW: GRID },
    encoder: {
      file: 'encoder.onnx',
      externalData: [],
      flavour: 'nchw-normalized',
      input: { name: s.encoderInput, dtype: 'float32', shape: [1, 3, FRAME, FRAME] },
      output: { name: s.encoderOutput, dtype: 'float32', shape: [1, CHANNELS, GRID, GRID] },
      extraOutputs: s.extraOutputs ?? [],
      resize: s.resize,
      pixelMean: [...PIXEL_MEAN],
      pixelStd: [...PIXEL_STD],
    },
    decoders: s.decoders,
    download: null,
  };
}

/** Encodes each graph (file name, graph, what it is) and adds the descriptor with their fingerprint. */
export function renderStandIn(
  graphs: [string, onnxProto.onnx.IGraphProto, string][],
  describe: (fingerprint: string) => ModelDescriptor,
): RenderedModel {
  const version = String(TEST_SAM_VERSION);
  return withDescriptor(new Map(graphs.map(([file, graph, doc]) => [file, encodeModel(graph, doc, version)])), describe);
}
