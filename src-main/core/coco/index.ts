// Public surface of the COCO module: pycocotools-exact RLE, polygons, the dataset builder, the
// structural validator and the atomic json writer.

export {
  type AnyRle,
  type CompressedRle,
  compressRle,
  decodeMask,
  decompressRle,
  encodeMask,
  maskToRle,
  normaliseRle,
  rleArea,
  rleBbox,
  rleFromString,
  rleIou,
  rleMerge,
  rleOverlap,
  rleToMask,
  rleToString,
  toUncompressed,
  validateRle,
} from './rle';
export { DEFAULT_POLYGON_OPTIONS, maskToPolygons, rleToPolygons, type PolygonOptions, type PolygonResult } from './polygon';
export { polygonArea, rasterizePolygons, simplifyClosedRing } from './geometry';
export {
  buildCoco,
  buildCocoDetailed,
  COCO_CONTRIBUTOR,
  DEFAULT_SUPERCATEGORY,
  type BuildCocoInput,
  type BuildCocoOptions,
  type BuildCocoStats,
  type CocoAnnotation,
  type CocoCategory,
  type CocoDataset,
  type CocoImage,
  type CocoInfo,
  type CocoLicense,
} from './export';
export { validateCocoDataset } from './validate';
export { writeJsonAtomic } from './write-json';
