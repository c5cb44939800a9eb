// The segment counts the CLI prints after `label` and under `classes`: one sentence that adds up
// (every segment is in a class or unassigned) and says what the export leaves out.

/** "1 class", "4 classes", "0 segments". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface SegmentTally {
  /** Segments not marked as background. */
  segments: number;
  /** Of them, those in a class (what an export of every class writes). */
  assigned: number;
  classes: number;
}

/** Tallies the classes' members against the project's segment count. */
export function tallySegments(segments: number, classes: readonly { segmentCount: number }[]): SegmentTally {
  return { segments, assigned: classes.reduce((n, c) => n + c.segmentCount, 0), classes: classes.length };
}

/** "155 segments: 106 in 4 classes, 49 unassigned (not exported)". */
export function segmentSentence(t: SegmentTally): string {
  const unassigned = t.segments - t.assigned;
  const inClasses = `${t.assigned} in ${plural(t.classes, 'class', 'classes')}`;
  const rest = unassigned > 0 ? `, ${unassigned} unassigned (not exported)` : '';
  return `${plural(t.segments, 'segment')}: ${inClasses}${rest}`;
}
