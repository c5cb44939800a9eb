// Classifying a batch of new segments in passes. The first pass compares each new segment with
// the user's labelled segments only (knn.ts). A new batch of photos often differs from the
// labelled ones as a whole (other light, another camera, riper olives): its members resemble each
// other more than they resemble the references, so a segment whose neighbours among the
// references disagree may have sure look-alikes in its own batch. Each further pass adds the
// segments placed so far as references and asks again about the ones still unsure; a placement
// never changes once made, so a pass can only settle segments, never move one. Passes stop when
// one settles nothing (or after maxPasses).
import { classifyKnn, type KnnOptions, type KnnResult, UNSURE_LABEL } from './knn';

/** Passes after the first when the caller names none. */
export const DEFAULT_SELF_TRAINING_PASSES = 3;

export interface SelfTrainingResult {
  /** Per query: its label (class id, BACKGROUND_LABEL) or UNSURE_LABEL. */
  labels: Int32Array;
  /** The first pass's result (the references alone): guesses, confidences, neighbours. */
  first: KnnResult;
  /** Per query, the pass that settled it (0 = against the references alone; -1 = unsure). */
  pass: Int32Array;
}

function rows(source: Float32Array, dim: number, picks: readonly number[]): Float32Array {
  const out = new Float32Array(picks.length * dim);
  picks.forEach((p, i) => out.set(source.subarray(p * dim, (p + 1) * dim), i * dim));
  return out;
}

/**
 * kNN with the placed queries added as references pass by pass. `accept(q, label)` may refuse a
 * placement (a size check): the query then stays unsure and is not asked again.
 */
export function classifyInPasses(
  refs: Float32Array,
  refLabels: ArrayLike<number>,
  queries: Float32Array,
  dim: number,
  options: KnnOptions = {},
  accept: (query: number, label: number) => boolean = () => true,
  maxPasses = DEFAULT_SELF_TRAINING_PASSES,
): SelfTrainingResult {
  const first = classifyKnn(refs, refLabels, queries, dim, options);
  const n = first.labels.length;
  const labels = new Int32Array(n).fill(UNSURE_LABEL);
  const pass = new Int32Array(n).fill(-1);
  const open: number[] = [];
  for (let q = 0; q < n; q++) {
    const l = first.labels[q];
    if (l === UNSURE_LABEL) open.push(q);
    else if (accept(q, l)) [labels[q], pass[q]] = [l, 0];
  }
  let waiting = open;
  for (let p = 1; p <= maxPasses && waiting.length > 0; p++) {
    const placed: number[] = [];
    for (let q = 0; q < n; q++) if (labels[q] !== UNSURE_LABEL) placed.push(q);
    if (placed.length === 0) break;
    const allRefs = new Float32Array(refs.length + placed.length * dim);
    allRefs.set(refs);
    allRefs.set(rows(queries, dim, placed), refs.length);
    const allLabels = [...Array.from(refLabels), ...placed.map((q) => labels[q])];
    const r = classifyKnn(allRefs, allLabels, rows(queries, dim, waiting), dim, options);
    const still: number[] = [];
    waiting.forEach((q, i) => {
      const l = r.labels[i];
      if (l !== UNSURE_LABEL && accept(q, l)) [labels[q], pass[q]] = [l, p];
      else if (l === UNSURE_LABEL) still.push(q);
    });
    if (still.length === waiting.length) break;
    waiting = still;
  }
  return { labels, first, pass };
}
