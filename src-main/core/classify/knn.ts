// Classifying segments against the segments the user has labelled: k nearest neighbours on the
// segment embeddings (cosine), each neighbour's vote weighted by its similarity. The labelled set
// IS the classifier: every correction changes the references, so the next call already reflects
// it (no training step). Two thresholds keep the machine from guessing:
//   - novelty: a query whose nearest reference is less similar than minSimilarity looks like
//     nothing labelled so far (a new kind of object): it stays unsorted;
//   - confidence: the winning label's share of the weighted votes; below minConfidence the
//     neighbours disagree and the query stays unsorted.
// References the user marked as background vote for BACKGROUND_LABEL: a query that wins with it is
// left unassigned, never removed (removing is the user's call).
import { SamanticError } from '../errors';
import { MAX_BLOCK_ROWS_A, MAX_BLOCK_ROWS_B, jsGemm, type SyncGemm } from '../cluster/gemm';
import { normalizeRows } from '../cluster/vectors';

/** The label of references the user marked as background. Class labels are class ids (> 0). */
export const BACKGROUND_LABEL = 0;
/** Label of a query the classifier is not sure about (novel, or its neighbours disagree). */
export const UNSURE_LABEL = -1;

export interface KnnOptions {
  /** Neighbours that vote. */
  k?: number;
  /** Novelty threshold: cosine similarity of the nearest reference below this = new kind of object. */
  minSimilarity?: number;
  /** Share of the weighted votes the winning label needs. */
  minConfidence?: number;
}

export const DEFAULT_KNN_OPTIONS: Required<KnnOptions> = { k: 5, minSimilarity: 0.9, minConfidence: 0.6 };

export interface KnnResult {
  /** Winning label, or UNSURE_LABEL when below a threshold. */
  labels: Int32Array;
  /** Winning label whatever the thresholds say (UNSURE_LABEL only without references). */
  best: Int32Array;
  /** The winning label's share of the weighted votes, 0..1. */
  confidence: Float32Array;
  /** Cosine similarity of the nearest reference. */
  similarity: Float32Array;
  /** Per query, its k nearest references as indices into the reference rows, most similar first. */
  neighbours: Int32Array[];
}

function checkOptions(o: Required<KnnOptions>): void {
  if (!Number.isInteger(o.k) || o.k < 1)
    throw new SamanticError('invalid-argument', `classifyKnn: k must be a whole number >= 1, got ${o.k}.`);
  for (const [name, v] of [
    ['minSimilarity', o.minSimilarity],
    ['minConfidence', o.minConfidence],
  ] as const) {
    if (!(v >= -1 && v <= 1)) throw new SamanticError('invalid-argument', `classifyKnn: ${name} must be between -1 and 1, got ${v}.`);
  }
}

/**
 * Classifies each query row against the reference rows (both n x dim, row-major; normalised here
 * if they are not). refLabels: one label per reference (a class id, or BACKGROUND_LABEL).
 */
export function classifyKnn(
  refs: Float32Array,
  refLabels: ArrayLike<number>,
  queries: Float32Array,
  dim: number,
  options: KnnOptions = {},
  gemm: SyncGemm = jsGemm,
): KnnResult {
  const o = { ...DEFAULT_KNN_OPTIONS, ...options };
  checkOptions(o);
  const nRefs = refLabels.length;
  const nQ = dim > 0 ? queries.length / dim : 0;
  if (refs.length !== nRefs * dim) {
    throw new SamanticError(
      'invalid-argument',
      `classifyKnn: ${nRefs} reference labels but ${refs.length / Math.max(1, dim)} reference rows.`,
    );
  }
  const out: KnnResult = {
    labels: new Int32Array(nQ).fill(UNSURE_LABEL),
    best: new Int32Array(nQ).fill(UNSURE_LABEL),
    confidence: new Float32Array(nQ),
    similarity: new Float32Array(nQ).fill(-1),
    neighbours: Array.from({ length: nQ }, () => new Int32Array(0)),
  };
  if (nQ === 0 || nRefs === 0) return out;
  const r = normalizeRows(refs, dim, 'classifyKnn references');
  const q = normalizeRows(queries, dim, 'classifyKnn queries');
  const k = Math.min(o.k, nRefs);
  // Per query, the k best (similarity, reference) pairs so far, kept sorted (k is small).
  const topSim = new Float32Array(nQ * k).fill(-Infinity);
  const topRef = new Int32Array(nQ * k).fill(-1);
  for (let q0 = 0; q0 < nQ; q0 += MAX_BLOCK_ROWS_A) {
    const qRows = Math.min(MAX_BLOCK_ROWS_A, nQ - q0);
    for (let r0 = 0; r0 < nRefs; r0 += MAX_BLOCK_ROWS_B) {
      const rRows = Math.min(MAX_BLOCK_ROWS_B, nRefs - r0);
      const sims = gemm({
        a: q.subarray(q0 * dim, (q0 + qRows) * dim),
        aRows: qRows,
        b: r.subarray(r0 * dim, (r0 + rRows) * dim),
        bRows: rRows,
        dim,
      });
      for (let i = 0; i < qRows; i++) {
        const base = (q0 + i) * k;
        for (let j = 0; j < rRows; j++) {
          const s = sims[i * rRows + j];
          if (!(s > topSim[base + k - 1])) continue;
          let p = k - 1;
          while (p > 0 && topSim[base + p - 1] < s) {
            topSim[base + p] = topSim[base + p - 1];
            topRef[base + p] = topRef[base + p - 1];
            p--;
          }
          topSim[base + p] = s;
          topRef[base + p] = r0 + j;
        }
      }
    }
  }
  const votes = new Map<number, number>();
  for (let i = 0; i < nQ; i++) {
    votes.clear();
    let total = 0;
    for (let p = 0; p < k; p++) {
      const ref = topRef[i * k + p];
      if (ref < 0) continue;
      // A neighbour pointing the other way says nothing about the query.
      const w = Math.max(0, topSim[i * k + p]);
      votes.set(refLabels[ref], (votes.get(refLabels[ref]) ?? 0) + w);
      total += w;
    }
    let winner = UNSURE_LABEL;
    let weight = -1;
    for (const [label, w] of votes) if (w > weight || (w === weight && label < winner)) [winner, weight] = [label, w];
    out.best[i] = winner;
    out.confidence[i] = total > 0 ? weight / total : 0;
    out.similarity[i] = topSim[i * k];
    out.neighbours[i] = topRef.slice(i * k, (i + 1) * k).filter((x) => x >= 0);
    if (out.similarity[i] >= o.minSimilarity && out.confidence[i] >= o.minConfidence) out.labels[i] = winner;
  }
  return out;
}
