// The AMG's sparse path (amg/sparse.ts) asks a predictor for SAM's low-res logits only
// (LowResMaskPredictor.predictLowRes). OnnxPredictor already returns them from predictDetailed
// without building full-resolution maps; this adapts that to the AMG's interface.

import { hasLowRes, type LowResMaskPredictor, type LowResPredictionBatch } from '../amg/sparse';
import type { PredictionBatch, RgbImage } from '../types';
import type { OnnxPredictor } from './predictor';

/** predictLowRes for an OnnxPredictor: its own if it has one, else predictDetailed(points, false). */
export async function predictLowResWith(predictor: OnnxPredictor, points: Float64Array): Promise<LowResPredictionBatch> {
  if (hasLowRes(predictor)) return predictor.predictLowRes(points);
  const d = await predictor.predictDetailed(points, false);
  return {
    n: d.batch.n,
    m: d.batch.m,
    lowSize: d.lowResSize,
    frameSize: predictor.model.descriptor.frameSize,
    stretch: predictor.model.descriptor.encoder.resize === 'stretch',
    lowRes: d.lowRes,
    iou: d.batch.iou,
  };
}

/** An OnnxPredictor seen as a LowResMaskPredictor (predict stays the full-resolution path). */
export function lowResPredictor(predictor: OnnxPredictor): LowResMaskPredictor {
  return {
    setImage: (image: RgbImage) => predictor.setImage(image),
    predict: (points: Float64Array): Promise<PredictionBatch> => predictor.predict(points),
    predictLowRes: (points: Float64Array) => predictLowResWith(predictor, points),
  };
}
