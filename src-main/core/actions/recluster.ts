// Replacing the classes with a new clustering, as one undoable gesture.
//
// Decision: re-clustering is recorded in the history like any other action (not a history reset),
// so "undo" is the way back. Its diff holds one segmentClass change with parallel arrays, so even
// 100k segments make a few MB of history.
//
// The user's decisions are kept: a segment a decision covers keeps its class and flag, a decided
// class keeps its record and its members (naming a class accepts what is in it) and is never
// deleted. A new cluster keeps the id of the old class
// most of its segments came from (share > keepIdentityShare), with that class's name and colour,
// so re-clustering after adding photos does not lose the names the user typed. Other old classes
// that no cluster matches and that keep no member are deleted; every other non-removed segment not
// in the clustering, or labelled noise, becomes unassigned; removed segments stay removed.
import { SamanticError } from '../errors';
import {
  type ClassFields,
  type LabelChange,
  type LabelDiff,
  type LabelState,
  classStatus,
  freshClassColor,
  nameKey,
  sameClassFields,
  segmentDecided,
  uniqueName,
} from '../labels/model';
import { className } from '../labels/palette';
import { optional, requireArgs, requireColor, requireName, requireSegments } from './validate';

/**
 * Default share of a new cluster's segments that must come from one old class for the cluster to
 * inherit that class. Above 0.5 it is a strict majority, so a cluster inherits at most one class.
 */
export const DEFAULT_KEEP_IDENTITY_SHARE = 0.5;

export interface ClusteringClass {
  name?: string;
  color?: string;
}

export interface ReplaceClusteringArgs {
  /** Clustered segments (as from ProjectStore.getSegmentVectors), parallel to labels. */
  segmentIds: ArrayLike<number>;
  /** Cluster index per segment (index into classes), or -1 for noise (unassigned). */
  labels: ArrayLike<number>;
  /** Per cluster, an optional name and colour; default: max label + 1 clusters with default names. */
  classes?: ClusteringClass[];
  keepIdentityShare?: number;
}

function invalid(message: string): SamanticError {
  return new SamanticError('invalid-argument', `replaceClustering: ${message}`);
}

function toNumbers(name: string, value: unknown): number[] {
  if (Array.isArray(value)) return value as number[];
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  throw invalid(`${name} must be an array of numbers.`);
}

export function replaceClustering(state: LabelState, args: ReplaceClusteringArgs): LabelDiff {
  const a = requireArgs('replaceClustering', args);
  const ids = toNumbers('segmentIds', a.segmentIds);
  const labels = toNumbers('labels', a.labels);
  if (ids.length !== labels.length)
    throw invalid(`segmentIds has ${ids.length} entries but labels has ${labels.length}; they must be parallel.`);
  if (new Set(ids).size !== ids.length) throw invalid('a segment id appears twice in segmentIds.');
  requireSegments(state, 'replaceClustering', ids);
  const given = a.classes === undefined ? undefined : (a.classes as ClusteringClass[]);
  if (given !== undefined && !Array.isArray(given)) throw invalid('classes must be an array.');
  const k = given?.length ?? Math.max(-1, ...labels) + 1;
  labels.forEach((l, i) => {
    if (!Number.isInteger(l) || l < -1 || l >= k) throw invalid(`labels[${i}] is ${l}; expected -1 (noise) or a cluster index below ${k}.`);
  });
  const share =
    optional(a.keepIdentityShare, (v) => {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1))
        throw invalid(`keepIdentityShare must be between 0 and 1, got ${JSON.stringify(v)}.`);
      return v;
    }) ?? DEFAULT_KEEP_IDENTITY_SHARE;

  // Which old class did each cluster's segments come from?
  const size = new Array<number>(k).fill(0);
  const overlap = new Map<string, { label: number; old: number; count: number }>();
  ids.forEach((id, i) => {
    const label = labels[i];
    const old = state.segments.get(id)!.classId;
    if (label < 0) return;
    size[label]++;
    if (old === null) return;
    const key = `${label}:${old}`;
    const o = overlap.get(key) ?? { label, old, count: 0 };
    o.count++;
    overlap.set(key, o);
  });
  const identity = new Array<number | null>(k).fill(null);
  const usedOld = new Set<number>();
  const candidates = [...overlap.values()]
    .filter((o) => o.count > share * size[o.label])
    .sort((x, y) => y.count - x.count || x.label - y.label || x.old - y.old);
  for (const o of candidates) {
    if (identity[o.label] !== null || usedOld.has(o.old)) continue;
    identity[o.label] = o.old;
    usedOld.add(o.old);
  }

  // The new class list: inherited classes keep their fields unless the clustering names them;
  // decided classes keep theirs whatever the clustering says, so their names are taken up front.
  const isDecided = (id: number | null | undefined) => id != null && classStatus(state.classes.get(id)!) === 'decided';
  const taken = new Set<string>([...state.classes.values()].filter((c) => isDecided(c.id)).map((c) => nameKey(c.name)));
  const fields: ClassFields[] = [];
  const classIds: number[] = [];
  let nextId = state.nextClassId;
  for (const pass of ['inherited', 'new'] as const) {
    for (let label = 0; label < k; label++) {
      const old = identity[label] === null ? undefined : state.classes.get(identity[label]!);
      if ((pass === 'inherited') !== (old !== undefined)) continue;
      const g = given?.[label] ?? {};
      const id = old?.id ?? nextId++;
      if (old && isDecided(old.id)) {
        const { id: _id, ...kept } = old;
        classIds[label] = id;
        fields[label] = kept;
        continue;
      }
      const name = uniqueName(optional(g.name, (v) => requireName('replaceClustering', v)) ?? old?.name ?? className(label), taken);
      taken.add(nameKey(name));
      const color =
        optional(g.color, (v) => requireColor('replaceClustering', v)) ??
        old?.color ??
        freshClassColor(
          state,
          fields.filter((f) => f !== undefined).map((f) => f.color),
        );
      classIds[label] = id;
      fields[label] = { name, color, order: label, createdBy: old?.createdBy ?? 'cluster' };
    }
  }

  const diff: LabelDiff = [];
  for (let label = 0; label < k; label++) {
    const id = classIds[label];
    const old = state.classes.get(id);
    const before = old ? (({ id: _id, ...rest }) => rest)(old) : null;
    if (!sameClassFields(before, fields[label])) diff.push({ type: 'class', id, before, after: fields[label] });
  }

  const target = new Map<number, number | null>();
  ids.forEach((id, i) => target.set(id, labels[i] < 0 ? null : classIds[labels[i]]));
  const moves: Extract<LabelChange, { type: 'segmentClass' }> = { type: 'segmentClass', ids: [], before: [], after: [] };
  const members = new Set<number>();
  for (const s of state.segments.values()) {
    if (segmentDecided(s) || isDecided(s.classId)) {
      if (s.classId !== null) members.add(s.classId);
      continue;
    }
    const to = s.removed ? null : (target.get(s.id) ?? null);
    if (to !== s.classId) {
      moves.ids.push(s.id);
      moves.before.push(s.classId);
      moves.after.push(to);
    }
  }
  if (moves.ids.length > 0) diff.push(moves);

  const kept = new Set(classIds);
  for (const c of state.classes.values()) {
    if (!kept.has(c.id) && !isDecided(c.id) && !members.has(c.id)) {
      const { id: _id, ...before } = c;
      diff.push({ type: 'class', id: c.id, before, after: null });
    }
  }
  return diff;
}
