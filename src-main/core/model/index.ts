// Public API of the model layer: descriptors, the models folder, downloads, the ONNX runtime, the
// AMG predictor and the generated test-sam model.

export {
  defaultModelsDir,
  MODELS_DIR_ENV,
  DESCRIPTOR_FILE,
  DESCRIPTOR_FORMAT,
  parseModelDescriptor,
  readModelDescriptor,
  type DecoderSpec,
  type DownloadFile,
  type EncoderFlavour,
  type EncoderSpec,
  type ModelDescriptor,
} from './descriptor';
export { defaultModelId, listModels, resolveModel, requiredFiles, type ModelListing } from './registry';
export { downloadModel, type DownloadOptions, type DownloadProgress, type DownloadReport } from './download';
export { computeFrameTransform, encoderInput, preprocess, resizeRgb, toFrameCoords, SAM_PIXEL_MEAN, SAM_PIXEL_STD } from './preprocess';
export { MaskUpsampler } from './postprocess';
export { loadModel, type LoadModelOptions, type SamModel } from './runtime';
export { DEFAULT_CHUNK_SIZE, type DecodeOptions, type DecodeResult, type PointPrompt } from './decode';
export { autoCandidates, type Provider } from './providers';
export { OnnxPredictor, type DetailedPrediction, type OnnxPredictorOptions } from './predictor';
export { ensureTestModel, TEST_MODEL_ID } from './testsam/generate';
export { interiorPoint } from './interiorPoint';
