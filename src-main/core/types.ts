// Shared data shapes of Samantic's pure core. Nothing here imports electron, the DOM or Svelte.

/** 8-bit RGB pixels, row-major, interleaved (r, g, b, r, g, b, ...), length width*height*3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A binary mask, row-major, one byte per pixel (0 or 1), length width*height. */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Uncompressed COCO run-length encoding: counts over the column-major flattening (index x*h + y),
 * starting with a run of zeros (possibly empty); size is [height, width] as in pycocotools.
 */
export interface Rle {
  size: [number, number];
  counts: number[];
}

/** [x, y, width, height]. Which convention (SAM's or pycocotools') is stated where used. */
export type BoxXYWH = [number, number, number, number];

/** [x0, y0, x1, y1]. */
export type BoxXYXY = [number, number, number, number];

/**
 * Mapping between original image pixels and SAM's 1024 model frame: the image is resized so its
 * longest side is `frameSize` (newW = int(w*s+0.5), newH = int(h*s+0.5)), then padded bottom/right.
 */
export interface FrameTransform {
  origWidth: number;
  origHeight: number;
  /** frameSize / max(origWidth, origHeight) */
  scale: number;
  resizedWidth: number;
  resizedHeight: number;
  frameSize: number;
}

/** Encoder output: channels x gridH x gridW (CHW, float32), e.g. 256 x 64 x 64, plus its frame. */
export interface ImageEmbedding {
  data: Float32Array;
  channels: number;
  gridH: number;
  gridW: number;
  transform: FrameTransform;
  /** Further encoder outputs the decoder needs (SAM 2's high-resolution feature maps); absent for SAM 1. */
  extras?: EmbeddingFeature[];
}

/** One further encoder output, by the name the decoder takes it under. */
export interface EmbeddingFeature {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** What the generator says of one mask; the box comes with each record's own convention. */
export interface MaskMeasures {
  /** Uncompressed COCO RLE in original image pixels; size [height, width] of the image. */
  rle: Rle;
  /** Mask pixel count; must equal the RLE's. */
  area: number;
  predictedIou: number;
  stabilityScore: number;
  /** The prompt point in original image coordinates. */
  point: [number, number];
  /** The crop the mask was found in, XYWH, original image coordinates. */
  cropBox: BoxXYWH;
}

/** One mask record as it leaves the automatic mask generator (SAM's output record). */
export interface AmgMask extends MaskMeasures {
  /** SAM's convention: [x0, y0, x1 - x0, y1 - y0] with x1, y1 the last pixel index (inclusive). */
  bbox: BoxXYWH;
}

/** What every stored segment carries, as the pipeline hands it in and as listing gives it back. */
export interface SegmentFields extends MaskMeasures {
  /**
   * pycocotools convention: [x, y, w, h] with w and h counting pixels ([xs, ys, xe-xs+1, ye-ys+1]).
   * NOT the SAM convention of AmgMask.bbox, which is one pixel narrower.
   */
  bbox: BoxXYWH;
}

/** Output of a predictor for a batch of n point prompts, m masks per prompt, at crop resolution. */
export interface PredictionBatch {
  n: number;
  m: number;
  width: number;
  height: number;
  /** Logits, n*m maps of height*width, row-major; (> maskThreshold) is the mask. */
  logits: Float32Array;
  /** n*m predicted IoUs. */
  iou: Float32Array;
}

/**
 * What the AMG needs from a model: set a (crop) image, then decode batches of positive points
 * given in that crop's pixel coordinates. Implemented by the ONNX runtime and by test fakes.
 */
export interface MaskPredictor {
  setImage(image: RgbImage): Promise<void>;
  /** points: flat [x0, y0, x1, y1, ...] in the current image's pixel coordinates. */
  predict(points: Float64Array): Promise<PredictionBatch>;
}
