// Binary-mask utilities: uncompressed COCO RLE (the one home of its operations; coco/ adds only the
// compressed strings), boxes in SAM's and pycocotools' conventions, IoU,
// connected components and SAM's small-region clean-up.

export {
  checkMask,
  checkRle,
  RunBuilder,
  maskToRle,
  maskToRleInFrame,
  rleToMask,
  rleToMaskWindow,
  rleArea,
  rleBoxInclusive,
  rleOverlapCounts,
  rleIou,
  rleMerge,
  normaliseRle,
} from './rle';
export {
  maskBoxInclusive,
  samBoxXYXY,
  samXYWHFromXYXY,
  cocoXYWHFromInclusive,
  maskBboxSam,
  maskBboxCoco,
  rleBboxSam,
  rleBboxCoco,
  maskOverlapCounts,
  maskIou,
} from './measure';
export {
  connectedComponents,
  invertMask,
  removeSmallRegions,
  fillSmallHoles,
  removeSmallIslands,
  type Components,
  type Connectivity,
  type SmallRegionMode,
  type SmallRegionResult,
} from './regions';
export { cleanSmallRegions, type CleanedRegions } from './regions-window';
export { applyStroke, checkStroke, stampStroke, type Stroke, type StrokeMode } from './stroke';
