// One vector per segment: the encoder's patch embeddings averaged over the cells the mask covers.
//
// Coverage weight (the default, 'coverage' variant):
//   weight(cell) = maskPixels(cell) / validPixels(cell)
// where both counts use the pixel-centre sampling of mask-cells.ts: maskPixels is how many of the
// mask's original pixels fall in the cell, validPixels how many of the image's pixels do (the
// cell's unpadded area). Up to the sampling, that is (mask area inside the cell, in frame pixels)
// / (valid area of the cell, in frame pixels), since every original pixel stands for the same
// frame area (resizedW/origW x resizedH/origH). Measuring the denominator with the same rule (not
// analytically) keeps weight in [0, 1] and makes a cell fully inside the mask weigh exactly 1 even
// at the padded edge, where a cell is only partly image: padding never dilutes a weight, and
// cells entirely in the padding have no image pixels and can never be touched by a mask.
//
// Segment vector = L2-normalise( sum_cells weight * e_cell / sum_cells weight ).
//
// Masks found in AMG crops: they are embedded from the FULL-image embedding, not from the
// embedding of the crop they were found in. One embedding per image is what the pipeline caches;
// a crop embedding sees its material zoomed in (a different scale and context), so vectors of the
// same material would drift apart depending on which crop layer found the mask, and clustering
// across images needs them comparable. A mask's cropBox is therefore ignored here: give every mask
// in original image coordinates (as AmgMask.rle already is).

import { SamanticError } from '../errors';
import type { AmgMask, BinaryMask, ImageEmbedding, Rle } from '../types';
import { maskCellCoverage, type CellCoverage } from './mask-cells';

/**
 * 'coverage': coverage-weighted mean (above). 'seed': the seed prototype's variant, kept for
 * comparison: an unweighted mean over the cells holding more than `seedMinPixels` mask pixels, so
 * a cell the mask barely grazes counts as much as one it fills.
 */
export type SegmentEmbeddingVariant = 'coverage' | 'seed';

export interface SegmentEmbeddingOptions {
  /** Default 'coverage'. */
  variant?: SegmentEmbeddingVariant;
  /**
   * 'seed' variant only: a cell counts when it holds MORE than this many mask pixels (original
   * image pixels). Default 1, the seed's "more than one mask pixel".
   */
  seedMinPixels?: number;
}

export const DEFAULT_SEED_MIN_PIXELS = 1;

function checkEmbedding(e: ImageEmbedding): void {
  const { channels, gridH, gridW, data } = e;
  if (![channels, gridH, gridW].every((v) => Number.isInteger(v) && v > 0)) {
    throw new SamanticError(
      'invalid-argument',
      `segment embedding: image embedding has shape ${channels}x${gridH}x${gridW}; channels and grid ` +
        'sizes must be positive integers (pass the encoder output as returned)',
    );
  }
  if (data.length !== channels * gridH * gridW) {
    throw new SamanticError(
      'invalid-argument',
      `segment embedding: image embedding data has ${data.length} values but its shape ` +
        `${channels}x${gridH}x${gridW} needs ${channels * gridH * gridW}; the embedding is truncated or mislabelled`,
    );
  }
}

/** Per-cell weights for the chosen variant (zero-weight cells dropped). */
export function cellWeights(coverage: CellCoverage, options: SegmentEmbeddingOptions = {}): { cells: Int32Array; weights: Float64Array } {
  const variant = options.variant ?? 'coverage';
  const minPixels = options.seedMinPixels ?? DEFAULT_SEED_MIN_PIXELS;
  const cells: number[] = [];
  const weights: number[] = [];
  for (let k = 0; k < coverage.cells.length; k++) {
    let w: number;
    if (variant === 'seed') w = coverage.maskPixels[k] > minPixels ? 1 : 0;
    else w = coverage.validPixels[k] > 0 ? coverage.maskPixels[k] / coverage.validPixels[k] : 0;
    if (w > 0) {
      cells.push(coverage.cells[k]);
      weights.push(w);
    }
  }
  return { cells: Int32Array.from(cells), weights: Float64Array.from(weights) };
}

/** Weighted mean of the listed cells' vectors, L2-normalised; null if no weight or zero norm. */
export function weightedCellMean(embedding: ImageEmbedding, cells: Int32Array, weights: Float64Array): Float32Array | null {
  const { channels, data } = embedding;
  const plane = embedding.gridH * embedding.gridW;
  let total = 0;
  for (let k = 0; k < weights.length; k++) total += weights[k];
  if (!(total > 0)) return null;
  const mean = new Float64Array(channels);
  let norm2 = 0;
  // CHW layout: one contiguous plane per channel, so loop channels outside and cells inside.
  for (let c = 0; c < channels; c++) {
    const base = c * plane;
    let s = 0;
    for (let k = 0; k < cells.length; k++) s += weights[k] * data[base + cells[k]];
    s /= total;
    mean[c] = s;
    norm2 += s * s;
  }
  const norm = Math.sqrt(norm2);
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const out = new Float32Array(channels);
  for (let c = 0; c < channels; c++) out[c] = mean[c] / norm;
  return out;
}

/**
 * The segment's embedding: Float32Array(channels), L2-normalised.
 *
 * Returns null when the mask is empty (no pixel, so no direction; a user edit can produce one, the
 * AMG cannot) or when the averaged vector is exactly zero; callers skip such segments rather than
 * feed a zero vector to cosine clustering. Throws SamanticError('invalid-argument') when the mask
 * is not in the embedding's original image size or the embedding/RLE is malformed.
 */
export function segmentEmbedding(
  embedding: ImageEmbedding,
  mask: Rle | BinaryMask,
  options: SegmentEmbeddingOptions = {},
): Float32Array | null {
  checkEmbedding(embedding);
  const coverage = maskCellCoverage(embedding.transform, embedding.gridW, embedding.gridH, mask);
  const { cells, weights } = cellWeights(coverage, options);
  return weightedCellMean(embedding, cells, weights);
}

/**
 * Embeds every AMG mask of one image from that image's (full-image) embedding. Crop masks use the
 * full-image embedding too (see the header); their cropBox is not consulted.
 */
export function embedAmgMasks(
  embedding: ImageEmbedding,
  masks: readonly AmgMask[],
  options: SegmentEmbeddingOptions = {},
): (Float32Array | null)[] {
  checkEmbedding(embedding);
  return masks.map((m) => segmentEmbedding(embedding, m.rle, options));
}

/**
 * Packs per-segment vectors into the flat row-major layout the clustering takes (n x dim), keeping
 * track of which inputs were null (empty masks) so ids can be mapped back.
 */
export function packVectors(vectors: readonly (Float32Array | null)[]): {
  data: Float32Array;
  dim: number;
  /** Input index of each packed row. */
  rows: number[];
} {
  const present = vectors.map((v, i) => (v ? i : -1)).filter((i) => i >= 0);
  const dim = present.length > 0 ? (vectors[present[0]] as Float32Array).length : 0;
  const data = new Float32Array(present.length * dim);
  present.forEach((i, row) => {
    const v = vectors[i] as Float32Array;
    if (v.length !== dim) {
      throw new SamanticError(
        'invalid-argument',
        `packVectors: vector #${i} has ${v.length} values, the first has ${dim}; all segment vectors must come from the same model`,
      );
    }
    data.set(v, row * dim);
  });
  return { data, dim, rows: present };
}
