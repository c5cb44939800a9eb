// Agreement between two labelings of the same points.

/** Relabels to dense 0..k-1 in order of first appearance; returns the labels and k. */
function dense(labels: ArrayLike<number>): { ids: Int32Array; k: number } {
  const map = new Map<number, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let id = map.get(labels[i]);
    if (id === undefined) {
      id = map.size;
      map.set(labels[i], id);
    }
    ids[i] = id;
  }
  return { ids, k: map.size };
}

const comb2 = (x: number) => (x * (x - 1)) / 2;

/**
 * Adjusted Rand index (Hubert & Arabie 1985): 1 for identical partitions (up to renaming), ~0 for
 * independent ones. Every label value, -1 included, is treated as one group; pass distinct values
 * per noise point if noise should count as singletons.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`adjustedRandIndex: ${a.length} labels vs ${b.length}`);
  const n = a.length;
  if (n < 2) return 1;
  const da = dense(a);
  const db = dense(b);
  const rows = new Float64Array(da.k);
  const cols = new Float64Array(db.k);
  const cells = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    rows[da.ids[i]]++;
    cols[db.ids[i]]++;
    const key = da.ids[i] * db.k + db.ids[i];
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  let sumCells = 0;
  for (const v of cells.values()) sumCells += comb2(v);
  let sumRows = 0;
  for (const v of rows) sumRows += comb2(v);
  let sumCols = 0;
  for (const v of cols) sumCols += comb2(v);
  const expected = (sumRows * sumCols) / comb2(n);
  const max = (sumRows + sumCols) / 2;
  if (max === expected) return 1; // both labelings trivial (all one group, or all singletons)
  return (sumCells - expected) / (max - expected);
}

/** Number of distinct labels other than -1. */
export function countClusters(labels: ArrayLike<number>): number {
  const s = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) s.add(labels[i]);
  return s.size;
}
