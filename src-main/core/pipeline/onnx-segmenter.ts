// The ONNX implementation of Segmenter: SAM's AMG driven by an OnnxPredictor, with the full-image
// embedding taken from the cache when there is one (crops, if the preset uses them, are encoded).
// The AMG gets the decoder's low-res logits (sparse path, amg/sparse.ts) unless told otherwise.
// It does not offer EncodeAhead (prefetch.ts): onnxruntime-node runs a session on the JavaScript
// thread, so encoding the next image "ahead" would only interleave with this image's decoder runs.
import { createHash } from 'node:crypto';
import { generateMasks } from '../amg/generator';
import type { LowResMaskPredictor, LowResPredictionBatch } from '../amg/sparse';
import { predictLowResWith } from '../model/lowResPredictor';
import { OnnxPredictor } from '../model/predictor';
import type { SamModel } from '../model/runtime';
import type { ImageEmbedding, PredictionBatch, RgbImage } from '../types';
import type { SegmentOptions, SegmentResult, Segmenter } from './segmenter';

/**
 * Wraps the predictor for one image: the AMG's crop 0 is always the whole image, so a setImage of
 * the full size is served from the cache (or encoded once and remembered for segment vectors).
 */
class ImagePredictor implements LowResMaskPredictor {
  fullEmbedding: ImageEmbedding | null;
  encoded = false;
  encodeMs = 0;
  decodeMs = 0;

  constructor(
    private readonly inner: OnnxPredictor,
    private readonly full: RgbImage,
    cached: ImageEmbedding | null,
  ) {
    this.fullEmbedding = cached;
  }

  isFull(image: RgbImage): boolean {
    return image.width === this.full.width && image.height === this.full.height;
  }

  async setImage(image: RgbImage): Promise<void> {
    if (this.isFull(image) && this.fullEmbedding) {
      this.inner.setEmbedding(this.fullEmbedding);
      return;
    }
    const t = performance.now();
    await this.inner.setImage(image);
    this.encodeMs += performance.now() - t;
    if (this.isFull(image)) {
      this.fullEmbedding = this.inner.embedding;
      this.encoded = true;
    }
  }

  async predict(points: Float64Array): Promise<PredictionBatch> {
    const t = performance.now();
    const r = await this.inner.predict(points);
    this.decodeMs += performance.now() - t;
    return r;
  }

  async predictLowRes(points: Float64Array): Promise<LowResPredictionBatch> {
    const t = performance.now();
    const r = await predictLowResWith(this.inner, points);
    this.decodeMs += performance.now() - t;
    return r;
  }
}

export class OnnxSegmenter implements Segmenter {
  readonly preprocessVersion: string;
  private readonly predictor: OnnxPredictor;

  constructor(private readonly model: SamModel) {
    this.predictor = new OnnxPredictor(model);
    // Anything in the descriptor can change the encoder's output (files, preprocessing, generator
    // version of test-sam), so the cache key is a digest of all of it.
    this.preprocessVersion = createHash('sha256').update(JSON.stringify(model.descriptor)).digest('hex').slice(0, 16);
  }

  get modelId(): string {
    return this.model.descriptor.id;
  }

  get provider(): string {
    return this.model.provider;
  }

  async segment(image: RgbImage, options: SegmentOptions): Promise<SegmentResult> {
    const p = new ImagePredictor(this.predictor, image, options.cached);
    const t = performance.now();
    // Encode the full image up front (or take the cache) so the embedding exists even when the AMG
    // finds nothing; the AMG's own setImage of crop 0 then costs nothing.
    await p.setImage(image);
    const masks = await generateMasks(image, p, options.amg, {
      signal: options.signal,
      onProgress: options.onAmgProgress ? (pr) => options.onAmgProgress?.(pr.pointsDone, pr.pointsTotal) : undefined,
    });
    const total = performance.now() - t;
    return {
      embedding: p.fullEmbedding as ImageEmbedding,
      encoded: p.encoded,
      masks,
      timings: { encodeMs: p.encodeMs, amgMs: total - p.encodeMs, decodeModelMs: p.decodeMs },
    };
  }

  async close(): Promise<void> {
    await this.model.release();
  }
}
