// Public surface of the segment-embedding module.

export {
  segmentEmbedding,
  embedAmgMasks,
  packVectors,
  cellWeights,
  weightedCellMean,
  DEFAULT_SEED_MIN_PIXELS,
  type SegmentEmbeddingOptions,
  type SegmentEmbeddingVariant,
} from './segmentEmbedding';
export { maskCellCoverage, type CellCoverage } from './maskCells';
