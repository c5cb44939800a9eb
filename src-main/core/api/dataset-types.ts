// The API's types for datasets in and out and for editing masks (re-exported by contract.ts, which
// transports and the renderer import).
import type { DatasetFormat, ExportFormat, ImportFormat } from '../vocab';

export interface ExportResult {
  file: string;
  images: number;
  annotations: number;
  categories: number;
}

export interface ExportDatasetArgs {
  /** A .json file (COCO without a split) or a folder; relative paths are inside the photo folder. */
  out: string;
  format: DatasetFormat;
  /** COCO only: polygons (default) or RLE. */
  segmentation?: ExportFormat;
  classIds?: number[];
  /** "train,val[,test]" ratios adding up to 1, e.g. "0.8,0.1,0.1"; omit for no split. */
  split?: string;
  seed?: number;
  /** yolo-seg: hard-link (default) or copy the photos. */
  images?: 'link' | 'copy';
  /** Only images whose every segment the user has reviewed. */
  reviewedOnly?: boolean;
}

export interface ExportDatasetResult {
  out: string;
  format: DatasetFormat;
  images: number;
  instances: number;
  classes: number;
  splits: { train?: number; val?: number; test?: number };
}

export interface ImportArgs {
  format: ImportFormat;
  /** COCO json file, labelme folder or YOLO dataset folder; relative paths are inside the photo folder. */
  source: string;
  /** Leave malformed annotations out instead of refusing the whole import. */
  skipBad?: boolean;
}

export interface ImportProblemInfo {
  file: string;
  image: string;
  ref: string;
  message: string;
}

export interface ImportResult {
  images: number;
  instances: number;
  classesCreated: string[];
  classesMatched: string[];
  missingImages: string[];
  skipped: ImportProblemInfo[];
}

/** A compressed COCO RLE (pycocotools string) in original image pixels; size is [h, w]. */
export interface MaskRle {
  size: [number, number];
  counts: string;
}

export interface PromptMaskArgs {
  imageId: number;
  /** Original image pixels. */
  points?: [number, number][];
  /** One per point: 1 positive, 0 negative (default all 1). */
  labels?: number[];
  /** [x0, y0, x1, y1], original image pixels. */
  box?: [number, number, number, number];
  /** Refine this segment: the prompt starts from its mask. */
  segmentId?: number;
  /** Chain on the previous prompt of this interaction (same image and segment): SAM's mask input. */
  continue?: boolean;
}

export interface PromptMaskResult {
  imageId: number;
  rle: MaskRle;
  area: number;
  /** pycocotools [x, y, w, h]. */
  bbox: [number, number, number, number];
  /** The decoder's predicted IoU. */
  score: number;
  /** True when the image had no cached embedding and was encoded for this prompt (slow once). */
  encoded: boolean;
}

export interface AddSegmentArgs {
  imageId: number;
  rle: MaskRle;
  /** The class to put it in; default: the class of the most similar labelled segments. */
  classId?: number;
  /** Put it into a new class of this name instead. */
  newClassName?: string;
  /** The prompt's first point and score, kept with the segment. */
  point?: [number, number];
  score?: number;
}

export interface AddSegmentResult {
  segmentId: number;
  classId: number | null;
}

export interface MaskStroke {
  /** Polyline, original image pixels; the stroke covers the pixels whose centre is within radius of it. */
  points: [number, number][];
  radius: number;
}

export interface EditSegmentMaskArgs {
  segmentId: number;
  /** 'brush' paints the stroke in, 'erase' clears it, 'replace' sets the mask to rle. */
  op: 'brush' | 'erase' | 'replace';
  stroke?: MaskStroke;
  rle?: MaskRle;
}
