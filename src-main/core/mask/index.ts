// Binary-mask utilities: uncompressed COCO RLE, boxes in SAM's and pycocotools' conventions, IoU,
// connected components and SAM's small-region clean-up.

export {
  checkMask,
  checkRle,
  RunBuilder,
  maskToRle,
  maskToRleInFrame,
  rleToMask,
  rleArea,
  rleBoxInclusive,
  rleOverlapCounts,
  rleIou,
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
export { cleanSmallRegions, type CleanedRegions } from './regionsWindow';
