// The classifier's k and vote-share threshold, learned per folder from the user's own labels by
// leave-one-out: each labelled segment is classified against all the others, as if it were new.
// The k that gets the most of them right wins; the threshold is the lowest vote share at which
// the last placements above it are still right at least `targetPrecision` of the time. The
// novelty threshold stays as it is (a new kind of object has no labelled look-alike to learn from).
// Too few labels, or a single label, teach nothing: the defaults stay.
import { BACKGROUND_LABEL, classifyKnn, DEFAULT_KNN_OPTIONS, type KnnOptions } from './knn';
import { normalizeRows } from '../cluster/vectors';

export interface CalibrationOptions {
  /** Candidate k, in order of preference when two tie. */
  ks?: readonly number[];
  /** Share of the `window` lowest-voted contested placements above the threshold that must be right. */
  targetPrecision?: number;
  /** How many leave-one-out placements the marginal precision is read over. */
  window?: number;
  /** Fewest labelled segments (of at least two labels) to learn from. */
  minReferences?: number;
  /** Lowest vote share ever used: below half, another label may hold as many votes. */
  floor?: number;
}

export const DEFAULT_CALIBRATION: Required<CalibrationOptions> = {
  ks: [5, 3, 7, 9, 1],
  targetPrecision: 0.9,
  window: 10,
  minReferences: 30,
  floor: 0.5,
};

export interface KnnCalibration {
  /** What to classify with (the defaults when not calibrated). */
  options: Required<KnnOptions>;
  calibrated: boolean;
  /** Labelled segments that passed the novelty threshold against the others (the ones counted). */
  counted: number;
  /** Right share of those at the chosen k, all thresholds aside. */
  accuracy: number;
  /** Right share of those placed at the chosen threshold. */
  precision: number;
}

interface Vote {
  label: number;
  share: number;
}

function vote(neighbours: readonly number[], sims: readonly number[], labels: ArrayLike<number>, k: number): Vote {
  const votes = new Map<number, number>();
  let total = 0;
  for (let p = 0; p < Math.min(k, neighbours.length); p++) {
    const w = Math.max(0, sims[p]);
    const l = labels[neighbours[p]];
    votes.set(l, (votes.get(l) ?? 0) + w);
    total += w;
  }
  let label = -1;
  let best = -1;
  for (const [l, w] of votes) if (w > best || (w === best && l < label)) [label, best] = [l, w];
  return { label, share: total > 0 ? best / total : 0 };
}

/** Learns k and the vote-share threshold from labelled rows (refs: n x dim, labels: one each). */
export function calibrateKnn(
  refs: Float32Array,
  labels: ArrayLike<number>,
  dim: number,
  base: KnnOptions = {},
  options: CalibrationOptions = {},
): KnnCalibration {
  const o = { ...DEFAULT_CALIBRATION, ...options };
  const knn = { ...DEFAULT_KNN_OPTIONS, ...base };
  const n = labels.length;
  const fallback: KnnCalibration = { options: knn, calibrated: false, counted: 0, accuracy: 0, precision: 0 };
  if (n < o.minReferences || new Set(Array.from(labels)).size < 2) return fallback;
  const kMax = Math.min(Math.max(...o.ks), n - 1);
  // Each row's nearest rows, itself among them (dropped below).
  const near = classifyKnn(refs, labels, refs, dim, { k: kMax + 1, minSimilarity: -1, minConfidence: 0 });
  const unit = normalizeRows(refs, dim, 'calibrateKnn references');
  const dot = (a: number, b: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += unit[a * dim + d] * unit[b * dim + d];
    return s;
  };
  const cases: { neighbours: number[]; sims: number[]; label: number }[] = [];
  for (let i = 0; i < n; i++) {
    const neighbours = Array.from(near.neighbours[i])
      .filter((j) => j !== i)
      .slice(0, kMax);
    const sims = neighbours.map((j) => dot(i, j));
    // Only what a new segment like it would be placed by: its nearest look-alike is close enough.
    if (neighbours.length > 0 && sims[0] >= knn.minSimilarity) cases.push({ neighbours, sims, label: labels[i] });
  }
  if (cases.length < o.minReferences) return fallback;

  let bestK = knn.k;
  let bestRight = -1;
  let votes: Vote[] = [];
  for (const k of o.ks) {
    if (k > kMax) continue;
    const vs = cases.map((c) => vote(c.neighbours, c.sims, labels, k));
    const right = vs.filter((v, i) => v.label === cases[i].label).length;
    if (right > bestRight) [bestK, bestRight, votes] = [k, right, vs];
  }
  // Placements into a class are what a threshold guards; a background vote only leaves a segment unassigned.
  const placed = votes
    .map((v, i) => ({ share: v.share, right: v.label === cases[i].label }))
    .filter((_, i) => votes[i].label !== BACKGROUND_LABEL);
  const { threshold, precision } = learnVoteShare(placed, knn.minConfidence, o);
  if (precision === 0) return { ...fallback, counted: cases.length, accuracy: bestRight / cases.length };
  return {
    options: { ...knn, k: bestK, minConfidence: threshold },
    calibrated: true,
    counted: cases.length,
    accuracy: bestRight / cases.length,
    precision,
  };
}

/** A leave-one-out placement: the winning vote share, and whether the winner was the true label. */
export interface LooPlacement {
  share: number;
  right: boolean;
}

/**
 * The vote share a placement needs. Walking down the shares (a threshold sits between two
 * distinct ones), the last `window` contested placements must still be right at least
 * targetPrecision of the time: the threshold is where the marginal placements stop being
 * trustworthy, not where the sure ones still outweigh them. The top share (unanimous, mostly) is
 * where the walk starts. Labels that never disagreed say nothing about lower shares: then
 * `fallback` stands. precision: the right share of all placements at the threshold (0: none).
 */
export function learnVoteShare(
  placements: readonly LooPlacement[],
  fallback: number,
  options: Pick<Required<CalibrationOptions>, 'targetPrecision' | 'window' | 'floor'>,
): { threshold: number; precision: number } {
  const placed = [...placements].sort((a, b) => b.share - a.share);
  const top = placed.length > 0 ? placed[0].share : 1;
  let threshold = top;
  let precision = 0;
  let right = 0;
  const contested: boolean[] = [];
  let failed = false;
  for (let i = 0; i < placed.length; i++) {
    const c = placed[i];
    if (c.share < options.floor) break;
    if (c.right) right++;
    if (c.share < top) contested.push(c.right);
    if (i + 1 < placed.length && placed[i + 1].share === c.share) continue;
    const recent = contested.slice(-options.window);
    if (recent.length > 0 && recent.filter(Boolean).length / recent.length < options.targetPrecision) {
      failed = true;
      break;
    }
    [threshold, precision] = [c.share, right / (i + 1)];
  }
  return { threshold: failed ? threshold : Math.min(threshold, fallback), precision };
}
