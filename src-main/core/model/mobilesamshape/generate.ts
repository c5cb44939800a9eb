// models/mobile-sam-shape/: MobileSAM's exact image encoder (TinyViT-5M at 1024 x 1024) with
// seeded pseudo-random weights (encoder.onnx + its external data, ~23 MB, written on first use,
// never committed), and SAM's prompt encoder + mask decoder, which MobileSAM uses unchanged: the
// same shared file as sam-b-shape (../shared/models/sam-b-random/decoder.onnx, linked, never
// copied). Its masks are meaningless; its cost is MobileSAM's, the model CPU users should run.

import { defaultModelsDir, type ModelDescriptor } from '../descriptor';
import { encoderFingerprint, ensureLinkedShape, linkedShapeDescriptor, renderEncoder, type RenderedEncoder } from '../sambshape/generate';
import { buildTinyVitEncoder, MOBILE_SAM_TINYVIT, TINYVIT_INPUT, TINYVIT_OUTPUT, tinyVitGrid, type TinyVitConfig } from './tinyvit-encoder';

export const MOBILE_SAM_SHAPE_ID = 'mobile-sam-shape';
/** Bump when the generated encoder changes meaning (the fingerprint catches graph changes anyway). */
export const MOBILE_SAM_SHAPE_VERSION = 1;
export const MOBILE_SAM_SHAPE_SEED = 0x70b1;

/** The encoder graph for `config`, weights to `dataPath` or only counted (renderEncoder). */
export function renderTinyVitEncoder(config: TinyVitConfig, dataPath: string | null, seed = MOBILE_SAM_SHAPE_SEED): RenderedEncoder {
  return renderEncoder((g, w) => buildTinyVitEncoder(g, w, config), dataPath, {
    graphName: 'mobile_sam_image_encoder',
    doc: `MobileSAM image encoder architecture (TinyViT ${config.embedDims.join('-')}), seeded random weights`,
    version: MOBILE_SAM_SHAPE_VERSION,
    producer: 'samantic-mobile-sam-shape',
    seed,
  });
}

/** Parameters of an encoder built with `config`, without generating any weight. */
export function countTinyVitParameters(config: TinyVitConfig): number {
  return renderTinyVitEncoder(config, null).parameterCount;
}

/** SHA-256 of the encoder graph (weights are a function of the graph and the seed). */
export function mobileSamShapeFingerprint(): string {
  return encoderFingerprint(renderTinyVitEncoder(MOBILE_SAM_TINYVIT, null).bytes, MOBILE_SAM_SHAPE_SEED);
}

export function mobileSamShapeDescriptor(fingerprint?: string): ModelDescriptor {
  const c = MOBILE_SAM_TINYVIT;
  return linkedShapeDescriptor(
    {
      id: MOBILE_SAM_SHAPE_ID,
      name: 'mobile-sam-shape (MobileSAM cost, random weights)',
      description:
        "MobileSAM's exact image encoder architecture (TinyViT-5M at 1024x1024) with seeded pseudo-random weights (generated), " +
        "and SAM's real prompt encoder + mask decoder with random weights, which MobileSAM uses unchanged, linked from " +
        "../shared/models/sam-b-random/decoder.onnx (not copied, not committed). Masks are meaningless; the cost is MobileSAM's. " +
        'For benchmarks only.',
      paramsMillions: 9.8,
      speedClass: 'fast',
      notes:
        "Encoder: 5,738,964 parameters, MobileSAM's TinyViT with each BatchNorm folded into its convolution (the PyTorch module: " +
        '5,743,892 on the forward path); decoder: the shared sam-b-random export (4,064,560).',
      version: MOBILE_SAM_SHAPE_VERSION,
      imgSize: c.imgSize,
      outChans: c.outChans,
      grid: tinyVitGrid(c),
      inputName: TINYVIT_INPUT,
      outputName: TINYVIT_OUTPUT,
    },
    fingerprint,
  );
}

/** Makes sure `<modelsDir>/mobile-sam-shape` holds the current model; returns its folder (ensureLinkedShape). */
export function ensureMobileSamShape(modelsDir: string = defaultModelsDir()): string {
  return ensureLinkedShape(
    modelsDir,
    MOBILE_SAM_SHAPE_ID,
    MOBILE_SAM_SHAPE_VERSION,
    mobileSamShapeFingerprint,
    (dataPath) => renderTinyVitEncoder(MOBILE_SAM_TINYVIT, dataPath).bytes,
    mobileSamShapeDescriptor,
  );
}
