// SAM's automatic mask generator over a MaskPredictor, and its building blocks.

export { generateMasks, processBatch, type AmgProgress, type AmgRunControl, type BatchPrediction, type BatchWorkers, type CropContext } from './generator';
export { AMG_PRESETS, SAM_DEFAULTS, resolveAmgOptions, type AmgOptions, type AmgPresetName } from './options';
export { MaskData, type Column, type Columns } from './maskData';
export {
  buildPointGrid,
  buildAllLayerPointGrids,
  flattenPointGrid,
  scalePoints,
  generateCropBoxes,
  uncropBox,
  uncropPoint,
  uncropMask,
  cropImage,
  isBoxNearCropEdge,
  type CropBoxes,
} from './grids';
export { nms, batchedNms, boxIouF32, argsortDescending } from './nms';
export { stabilityScore, thresholdLogits, logitsBox, logitsToRleInFrame, DenseLogits, type MaskLogits } from './logits';
export { postprocessSmallRegions, toAmgMasks, type RleColumns, type RecordColumns } from './records';
export { LowResLogits, tileLayout, hasLowRes, type LowResMaskPredictor, type LowResPredictionBatch, type TileLayout } from './sparse/index';
export { upsampleGeometry, upsampleLowRes, pixelValue, axisTable, type UpsampleGeometry } from './upsample';
