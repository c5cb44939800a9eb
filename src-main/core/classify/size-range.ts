// How large a class's objects are, learned from its labelled segments. The segment embeddings
// average SAM's patch features under a mask, so a fragment of an olive (or a pepperoni with a bite
// out of it, or the cheese with a slice of crust) looks exactly like the whole: the neighbours
// agree and the confidence is high. What separates them is size. Per class, an object's scale
// varies multiplicatively (distance to the camera, growth), so its areas are taken as log-normal:
// the range is the mean of the log-areas +- SIZE_RANGE_SIGMAS standard deviations. The bare
// [smallest, largest] of n references would refuse about 2 of every n + 1 new objects of the same
// kind; a fragment (half an olive) lies some deviations below the mean. The range is widened where
// leave-one-out asks for more (leaving out the smallest (largest) reference, how far below (above)
// the others' range it lies), so every one of the user's own references passes. A new segment
// outside the range is left unsorted instead of joining the class.

/** Fewest references of a class before its size is judged; below that any size passes. */
export const MIN_SIZE_REFERENCES = 5;
/** Half-width of the accepted range in standard deviations of the class's log-areas. */
export const SIZE_RANGE_SIGMAS = 3;

export interface SizeRange {
  /** Smallest and largest accepted area (pixels). */
  min: number;
  max: number;
}

/** Per class label (> 0), the accepted area range; classes with too few references are absent. */
export function learnSizeRanges(
  labels: ArrayLike<number>,
  areas: ArrayLike<number>,
  minReferences = MIN_SIZE_REFERENCES,
  sigmas = SIZE_RANGE_SIGMAS,
): Map<number, SizeRange> {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] > 0) || !(areas[i] > 0)) continue;
    const list = byClass.get(labels[i]);
    if (list) list.push(areas[i]);
    else byClass.set(labels[i], [areas[i]]);
  }
  const out = new Map<number, SizeRange>();
  for (const [label, list] of byClass) {
    if (list.length < Math.max(2, minReferences)) continue;
    const a = list.sort((x, y) => x - y);
    const n = a.length;
    // Leave-one-out: the smallest against the second smallest, the largest against the second largest.
    const margin = Math.max(a[1] / a[0], a[n - 1] / a[n - 2]);
    const logs = a.map(Math.log);
    const mean = logs.reduce((x, y) => x + y, 0) / n;
    const sd = Math.sqrt(logs.reduce((x, y) => x + (y - mean) ** 2, 0) / (n - 1));
    out.set(label, {
      min: Math.min(a[0] / margin, Math.exp(mean - sigmas * sd)),
      max: Math.max(a[n - 1] * margin, Math.exp(mean + sigmas * sd)),
    });
  }
  return out;
}

/** Whether an area fits the class's range (always, for a class with no range). */
export function fitsSize(ranges: ReadonlyMap<number, SizeRange>, label: number, area: number): boolean {
  const r = ranges.get(label);
  return r === undefined || (area >= r.min && area <= r.max);
}
