// The AMG's view of a model (MaskPredictor in types.ts): set a (crop) image, then decode batches
// of positive points given in that image's pixels into SAM's three multimask outputs.

import { SamanticError } from '../errors';
import type { ImageEmbedding, MaskPredictor, PredictionBatch, RgbImage } from '../types';
import type { DecodeResult } from './decode';
import type { SamModel } from './runtime';

export interface OnnxPredictorOptions {
  /** Prompts per decoder call for batched decoders (default: the decoder runner's, 16). */
  chunkSize?: number;
}

/** A PredictionBatch plus the low-res logits behind it, for callers that upsample selectively. */
export interface DetailedPrediction {
  batch: PredictionBatch;
  lowResSize: number;
  /** n*m low-res logit maps in the same order as batch.logits. */
  lowRes: Float32Array;
}

export class OnnxPredictor implements MaskPredictor {
  private current: ImageEmbedding | null = null;

  constructor(
    readonly model: SamModel,
    private readonly options: OnnxPredictorOptions = {},
  ) {}

  /** The embedding of the image last given to setImage (the pipeline reuses it for segment vectors). */
  get embedding(): ImageEmbedding | null {
    return this.current;
  }

  async setImage(image: RgbImage): Promise<void> {
    this.current = null;
    this.current = await this.model.encode(image);
  }

  /** Reuses an embedding computed earlier (e.g. from a cache) instead of encoding again. */
  setEmbedding(embedding: ImageEmbedding): void {
    this.current = embedding;
  }

  private async run(points: Float64Array, fullResolution: boolean): Promise<DecodeResult> {
    if (!this.current) throw new SamanticError('invalid-argument', 'OnnxPredictor.predict called before setImage.');
    if (points.length % 2 !== 0)
      throw new SamanticError('invalid-argument', `points must be flat (x, y) pairs, got ${points.length} numbers.`);
    const prompts = [];
    for (let i = 0; i < points.length; i += 2) prompts.push({ points: [[points[i], points[i + 1]] as const] });
    return this.model.decode(this.current, prompts, { tokens: 'multimask', chunkSize: this.options.chunkSize, fullResolution });
  }

  async predict(points: Float64Array): Promise<PredictionBatch> {
    return (await this.predictDetailed(points)).batch;
  }

  async predictDetailed(points: Float64Array, fullResolution = true): Promise<DetailedPrediction> {
    const r = await this.run(points, fullResolution);
    return {
      batch: { n: r.n, m: r.m, width: r.width, height: r.height, logits: r.masks ?? new Float32Array(0), iou: r.iou },
      lowResSize: r.lowResSize,
      lowRes: r.lowRes,
    };
  }
}
