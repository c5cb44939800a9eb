// Why the simulated annotator's residue is wrong (`bench-annotate --explain`): for every segment
// labelled wrong before a round's first action, its classifier view read from the project file
// (read-only, beside the service's writer): the k nearest labelled segments, their similarity and
// label, and the weighted vote. Diagnostics only; the annotator never reads it to choose actions.
import { classifyKnn } from '../../core/classify/knn';
import { learnSizeRanges } from '../../core/classify/size-range';
import { takeRows } from '../../core/cluster/vectors';
import { folderPartKeepRatio, references } from '../../core/service/classifying';
import { rleOverlapCounts } from '../../core/mask';
import { ProjectStore } from '../../core/store/project-store';

/** Neighbours printed per wrong segment. */
export const EXPLAIN_NEIGHBOURS = 7;

export function explainWrong(
  projectFile: string,
  wrongIds: readonly number[],
  truth: ReadonlyMap<number, string | null>,
  log: (line: string) => void,
): void {
  const store = ProjectStore.open(projectFile, { readOnly: true });
  try {
    const state = store.loadLabelState();
    const v = store.getSegmentVectors({ includeRemoved: true });
    const name = (label: number) => (label === 0 ? 'background' : label < 0 ? 'unsure' : (state.classes.get(label)?.name ?? `#${label}`));
    const rowOf = new Map<number, number>();
    v.ids.forEach((id, i) => rowOf.set(id, i));
    const rows = wrongIds.map((id) => rowOf.get(id)).filter((r): r is number => r !== undefined);
    // A segment the classifier placed in a decided class is a reference itself: leave the
    // explained ones out so that each is compared with the others only.
    const wrong = new Set(wrongIds);
    const all = references(state, v);
    const keep = all.rows.map((r, i) => i).filter((i) => !wrong.has(v.ids[all.rows[i]]));
    const refs = { rows: keep.map((i) => all.rows[i]), labels: keep.map((i) => all.labels[i]) };
    const knn = classifyKnn(takeRows(v.vectors, v.dim, refs.rows), refs.labels, takeRows(v.vectors, v.dim, rows), v.dim, {
      k: EXPLAIN_NEIGHBOURS,
    });
    const unit = (i: number) => v.vectors.subarray(i * v.dim, (i + 1) * v.dim);
    const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
    const cos = (a: number, b: number) => {
      const x = unit(a);
      const y = unit(b);
      let d = 0;
      for (let k = 0; k < v.dim; k++) d += x[k] * y[k];
      return d / (norm(x) * norm(y));
    };
    const sizes = learnSizeRanges(
      all.labels,
      all.rows.map((i) => v.areas[i]),
    );
    for (const [label, r] of sizes) log(`  size range ${name(label)}: ${r.min.toFixed(0)}..${r.max.toFixed(0)}`);
    log(`  folder part keep ratio: ${folderPartKeepRatio(store, state, v) ?? 'none (every part unassigned)'}`);
    rows.forEach((row, q) => {
      const id = v.ids[row];
      const s = state.segments.get(id)!;
      // The closest same-class segment of its image it overlaps (the pair the parts rule looks at).
      const own = store.listSegments({ imageId: v.imageIds[row], includeRemoved: false });
      const me = own.find((x) => x.id === id);
      let part = '';
      for (const t of own) {
        if (!me || t.id === id || t.classId !== knn.best[q]) continue;
        const inter = rleOverlapCounts(me.rle, t.rle).intersection / Math.min(me.area, t.area);
        if (inter >= 0.5)
          part += ` part-of ${t.id} overlap=${inter.toFixed(2)} ratio=${(Math.min(me.area, t.area) / Math.max(me.area, t.area)).toFixed(2)}`;
      }
      const now = s.removed ? 'background' : s.classId === null ? 'unassigned' : name(s.classId);
      const nb = [...knn.neighbours[q]]
        .map((r) => `${name(refs.labels[r])}/${truth.get(v.ids[refs.rows[r]]) ?? '-'}@${cos(row, refs.rows[r]).toFixed(3)}`)
        .join(' ');
      log(
        `  seg ${id} truth=${truth.get(id) ?? '-'} now=${now} area=${v.areas[row]} ` +
          `best=${name(knn.best[q])} conf=${knn.confidence[q].toFixed(2)} sim=${knn.similarity[q].toFixed(3)}${part} | ${nb}`,
      );
    });
  } finally {
    store.close();
  }
}
