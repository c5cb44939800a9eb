// Compatibility names only: uncompressed COCO RLE lives in ../mask (one implementation, validated,
// pycocotools' semantics), and the compressed-string forms in ./rleString. Import from there; this
// file goes once nothing imports '../coco/rle' any more (bench/quality-metrics.ts still does).

export type { CompressedRle } from './rleString';
export {
  maskToRle,
  normaliseRle,
  rleArea,
  rleBboxCoco as rleBbox,
  rleIou,
  rleMerge,
  rleOverlapCounts as rleOverlap,
  rleToMask,
  checkRle as validateRle,
} from '../mask';
