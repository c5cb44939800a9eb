// What the folder processor needs from a model: encode an image (or reuse a cached embedding) and
// run SAM's automatic mask generator on it. The ONNX implementation lives in onnx-segmenter.ts;
// tests may pass their own.
import type { AmgOptions } from '../amg/options';
import type { AmgMask, ImageEmbedding, RgbImage } from '../types';

export interface SegmentTimings {
  /** Encoder time (0 on a cache hit), ms. */
  encodeMs: number;
  /** Everything the AMG does: prompt decoding by the model and Samantic's post-processing, ms. */
  amgMs: number;
  /** The part of amgMs spent inside the decoder model, ms. */
  decodeModelMs: number;
  /** Point prompts the decoder ran on (absent where a segmenter does not count them). */
  decoderPrompts?: number;
}

export interface SegmentResult {
  embedding: ImageEmbedding;
  /** False when the cached embedding was used. */
  encoded: boolean;
  masks: AmgMask[];
  timings: SegmentTimings;
}

export interface SegmentOptions {
  amg: Partial<AmgOptions>;
  /** The full-image embedding from the cache, if any: the encoder is then not run on the full image. */
  cached: ImageEmbedding | null;
  signal?: AbortSignal;
  onAmgProgress?: (pointsDone: number, pointsTotal: number) => void;
}

export interface Segmenter {
  readonly modelId: string;
  /** Execution provider in use, e.g. 'cpu', 'webgpu'. */
  readonly provider: string;
  /** Cache key part: changes whenever preprocessing or the encoder's output would change. */
  readonly preprocessVersion: string;
  segment(image: RgbImage, options: SegmentOptions): Promise<SegmentResult>;
  close(): Promise<void>;
}
