// The simulated annotator (`npm run bench:annotate`): a careful person with the ground truth in
// mind, labelling synthetic pizzas in rounds through the public service API. Each step takes the
// single action that fixes the most wrong labels (rename, merge, dismiss a suggestion, mark a
// class or a segment as background, assign, create, accept a group of the review queue's guesses,
// or propagate the last correction to its look-alikes with the best cut-off), until every segment that matches a ground-truth instance
// is in the class named after its category and every other one is background or unassigned.
// Round 1 discovers classes on a first folder; each later round adds new photos (another seed)
// after the previous round's corrections. Prints one line per round; asserts nothing.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClassInfo, SamanticApi, SegmentInfo } from '../../core/api/contract';
import { SamanticError } from '../../core/errors';
import { createService } from '../../core/service/service';
import { GROUND_TRUTH_FILE, writePizzaFolder, type CocoGroundTruth } from '../synth/writer';
import { explainWrong } from './annotate-explain';
import { type Label, type TruthInstance, isRight, truthOf } from './annotate-truth';

export interface AnnotateOptions {
  /** Photos per round. */
  count: number;
  /** One folder seed per round. */
  seeds: number[];
  model: string;
  /** AMG point grid (fewer points: faster, fewer segments); default the preset's. */
  pointsPerSide?: number;
  /** Most look-alikes one propagation offers. */
  lookAlikes?: number;
  /** Safety stop per round. */
  maxActions?: number;
  /** Print why each segment is wrong before a round's first action (annotate-explain.ts). */
  explain?: boolean;
}

export interface RoundReport {
  round: number;
  images: number;
  instances: number;
  /** Segments of this round's photos. */
  segments: number;
  actions: number;
  actionsPer100: number;
  /** Share of this round's segments labelled right before any action. */
  accuracyBefore: number;
  /** Actions by kind. */
  kinds: Record<string, number>;
  /** This round's wrong labels before any action, by what was wrong. */
  wrongBefore: Record<string, number>;
  seconds: number;
}

type Step = { kind: string; gain: number; run: () => Promise<void> };

export const DEFAULT_LOOK_ALIKES = 50;
export const DEFAULT_MAX_ACTIONS = 20_000;

export async function runAnnotateBench(o: AnnotateOptions, log: (line: string) => void = () => {}): Promise<RoundReport[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'samantic-annotate-'));
  const folder = join(scratch, 'photos');
  mkdirSync(folder);
  const truthByFile = new Map<string, TruthInstance[]>();
  const service = await createService({
    stateDir: scratch,
    amgOverrides: o.pointsPerSide ? { pointsPerSide: o.pointsPerSide } : undefined,
    onWarning: (m) => log(`warning: ${m}`),
  });
  const api = service.api;
  const labels = new Map<number, Label>();
  const truth = new Map<number, string | null>();
  const reports: RoundReport[] = [];
  try {
    for (let r = 0; r < o.seeds.length; r++) {
      const started = performance.now();
      const files = await addPhotos(scratch, folder, r + 1, o.count, o.seeds[r], truthByFile);
      await api.openFolder({ folder, project: join(scratch, 'project.db'), model: o.model, device: 'cpu' });
      log(`round ${r + 1}: processing ${files.size} photos`);
      await api.process({});
      const imageOf = await listAll(api, labels, truth, truthByFile);
      const mine = [...labels.keys()].filter((id) => files.has(imageOf.get(id) ?? ''));
      let classes = await api.listClasses();
      const nameOf = (id: number) => classes.find((c) => c.id === id)?.name;
      const rightBefore = mine.filter((id) => isRight(truth.get(id)!, labels.get(id)!, nameOf)).length;
      const wrongBefore: Record<string, number> = {};
      for (const id of mine) {
        const t = truth.get(id)!;
        const l = labels.get(id)!;
        if (isRight(t, l, nameOf)) continue;
        const cls = l.classId === null ? null : classes.find((c) => c.id === l.classId);
        const kind =
          t === null
            ? `non-object in ${cls?.status ?? 'a'} class`
            : cls === null || cls === undefined
              ? 'object unsorted'
              : cls.status === 'suggested'
                ? 'object in a suggested class'
                : 'object in another class';
        wrongBefore[kind] = (wrongBefore[kind] ?? 0) + 1;
      }
      if (o.explain && r > 0) {
        const wrongIds = mine.filter((id) => !isRight(truth.get(id)!, labels.get(id)!, nameOf));
        explainWrong(join(scratch, 'project.db'), wrongIds, truth, log);
      }
      const kinds: Record<string, number> = {};
      let actions = 0;
      let offer: number | null = null;
      for (;;) {
        const step = await bestStep(
          api,
          labels,
          truth,
          classes,
          offer,
          o.lookAlikes ?? DEFAULT_LOOK_ALIKES,
          (c) => (classes = c),
          (s) => (offer = s),
        );
        if (!step) break;
        await step.run();
        actions++;
        kinds[step.kind] = (kinds[step.kind] ?? 0) + 1;
        if (actions >= (o.maxActions ?? DEFAULT_MAX_ACTIONS))
          throw new SamanticError('internal', `annotator: round ${r + 1} did not finish in ${actions} actions.`);
      }
      await verify(api, labels);
      const instances = [...files].reduce((n, f) => n + (truthByFile.get(f)?.length ?? 0), 0);
      const report: RoundReport = {
        round: r + 1,
        images: files.size,
        instances,
        segments: mine.length,
        actions,
        actionsPer100: (100 * actions) / Math.max(1, instances),
        accuracyBefore: rightBefore / Math.max(1, mine.length),
        kinds,
        wrongBefore,
        seconds: (performance.now() - started) / 1000,
      };
      reports.push(report);
      log(formatRound(report));
    }
    return reports;
  } finally {
    await service.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function formatRound(r: RoundReport): string {
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  return (
    `round ${r.round}: ${r.actions} actions, ${r.actionsPer100.toFixed(1)} actions per 100 instances, accuracy before ${r.accuracyBefore.toFixed(2)}` +
    ` (${r.images} photos, ${r.instances} instances, ${r.segments} segments; actions: ${list(r.kinds) || 'none'};` +
    ` wrong before: ${list(r.wrongBefore) || 'none'}; ${r.seconds.toFixed(0)} s)`
  );
}

/** Writes a round's pizzas, copies them into the folder under a round prefix; returns their names. */
async function addPhotos(
  scratch: string,
  folder: string,
  round: number,
  count: number,
  seed: number,
  truthByFile: Map<string, TruthInstance[]>,
): Promise<Set<string>> {
  const dir = join(scratch, `round-${round}`);
  await writePizzaFolder(dir, { count, seed });
  const gt = JSON.parse(readFileSync(join(dir, GROUND_TRUTH_FILE), 'utf8')) as CocoGroundTruth;
  const cat = new Map(gt.categories.map((c) => [c.id, c.name]));
  const names = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.png'))) {
    const name = `r${round}-${f}`;
    copyFileSync(join(dir, f), join(folder, name));
    const image = gt.images.find((i) => i.file_name === f)!;
    truthByFile.set(
      name,
      gt.annotations
        .filter((a) => a.image_id === image.id)
        .map((a) => ({ category: cat.get(a.category_id)!, rle: a.segmentation, bbox: a.bbox })),
    );
    names.add(name);
  }
  return names;
}

/** Reads every listed segment's label (background ones are not listed: their label is ours). */
async function listAll(
  api: SamanticApi,
  labels: Map<number, Label>,
  truth: Map<number, string | null>,
  truthByFile: Map<string, TruthInstance[]>,
): Promise<Map<number, string>> {
  const imageOf = new Map<number, string>();
  for (const img of await api.listImages()) {
    for (const s of await api.listSegments({ imageId: img.id })) {
      labels.set(s.id, { classId: s.classId, removed: false });
      if (!truth.has(s.id)) truth.set(s.id, truthOf(s, truthByFile.get(img.relPath) ?? []));
      imageOf.set(s.id, img.relPath);
    }
  }
  return imageOf;
}

/** The service must agree with what the annotator believes it did. */
async function verify(api: SamanticApi, labels: Map<number, Label>): Promise<void> {
  const listed = new Map<number, SegmentInfo>();
  for (const img of await api.listImages()) for (const s of await api.listSegments({ imageId: img.id })) listed.set(s.id, s);
  for (const [id, l] of labels) {
    const s = listed.get(id);
    if (l.removed ? s !== undefined : s?.classId !== l.classId) {
      throw new SamanticError(
        'internal',
        `annotator: segment ${id} is ${JSON.stringify(s?.classId ?? 'background')} in the project but ${JSON.stringify(l)} in the annotator's notes.`,
      );
    }
  }
}

/** The action that fixes the most wrong labels now, or null when everything is right. */
async function bestStep(
  api: SamanticApi,
  labels: Map<number, Label>,
  truth: Map<number, string | null>,
  classes: ClassInfo[],
  offer: number | null,
  lookAlikeLimit: number,
  setClasses: (c: ClassInfo[]) => void,
  setOffer: (s: number | null) => void,
): Promise<Step | null> {
  const nameOf = (id: number) => classes.find((c) => c.id === id)?.name;
  const categories = new Set([...truth.values()].filter((t): t is string => t !== null));
  const isCategory = (n: string | undefined) => n !== undefined && categories.has(n);
  const right = (id: number, l: Label) => isRight(truth.get(id)!, l, nameOf);
  // Per class: its members and how many of them match each category (null: none).
  const members = new Map<number, number[]>(classes.map((c) => [c.id, []]));
  const tally = new Map<number, Map<string | null, number>>(classes.map((c) => [c.id, new Map()]));
  const wrong: number[] = [];
  for (const [id, l] of labels) {
    if (!right(id, l)) wrong.push(id);
    if (l.removed || l.classId === null) continue;
    members.get(l.classId)?.push(id);
    const t = tally.get(l.classId);
    t?.set(truth.get(id)!, (t.get(truth.get(id)!) ?? 0) + 1);
  }
  if (wrong.length === 0) return null;
  const count = (classId: number, t: string | null) => tally.get(classId)?.get(t) ?? 0;
  const keeps = (c: ClassInfo) => (isCategory(c.name) ? count(c.id, c.name) : 0);
  const named = (cat: string) => classes.find((c) => c.name === cat);
  const steps: Step[] = [];
  const done = (c: ClassInfo[]) => {
    setClasses(c);
    setOffer(null);
  };

  for (const x of classes) {
    for (const cat of categories) {
      if (x.name === cat) continue;
      const y = named(cat);
      const gain = count(x.id, cat) - keeps(x);
      if (!y) steps.push({ kind: 'rename', gain, run: async () => done(await api.renameClass({ classId: x.id, name: cat })) });
      else {
        steps.push({
          kind: 'merge',
          gain,
          run: async () => {
            for (const id of members.get(x.id)!) labels.get(id)!.classId = y.id;
            done(await api.mergeClasses({ classIds: [y.id, x.id], into: y.id }));
          },
        });
      }
    }
    const ids = members.get(x.id)!;
    if (ids.length === 0) continue;
    if (x.status === 'suggested') {
      steps.push({
        kind: 'dismiss',
        gain: count(x.id, null),
        run: async () => {
          for (const id of ids) labels.get(id)!.classId = null;
          done(await api.dismissSuggestions({ classIds: [x.id] }));
        },
      });
    }
    steps.push({
      kind: 'class to background',
      gain: count(x.id, null) - keeps(x),
      run: async () => {
        for (const id of ids) labels.set(id, { classId: null, removed: true });
        done(await api.removeSegments({ segmentIds: ids }));
      },
    });
  }

  // Batch review: the review queue shows each group of guesses with its crops; a careful person
  // accepts a group when that fixes more than it breaks.
  for (const g of await api.reviewGuesses()) {
    const after: Label = g.classId === null ? { classId: null, removed: true } : { classId: g.classId, removed: false };
    const ids = g.segmentIds.filter((id) => labels.has(id));
    const gain = ids.reduce((n, id) => n + Number(isRight(truth.get(id)!, after, nameOf)) - Number(right(id, labels.get(id)!)), 0);
    steps.push({
      kind: 'accept guesses',
      gain,
      run: async () => {
        for (const id of ids) labels.set(id, { ...after });
        done(await api.acceptGuesses(g.classId === null ? { segmentIds: ids } : { segmentIds: ids, classId: g.classId }));
      },
    });
  }

  if (offer !== null) steps.push(await propagation(api, labels, truth, offer, lookAlikeLimit, right, nameOf, done));

  // One segment by hand: from the largest group of segments wrong in the same way, so that its
  // look-alikes (offered next) are likely wrong in that way too.
  const groups = new Map<string, number[]>();
  for (const id of wrong) {
    const key = `${truth.get(id)}|${labels.get(id)!.removed ? 'bg' : labels.get(id)!.classId}`;
    groups.set(key, [...(groups.get(key) ?? []), id]);
  }
  const s = [...groups.values()].sort((a, b) => b.length - a.length || a[0] - b[0])[0][0];
  const t = truth.get(s)!;
  const target = t === null ? undefined : named(t);
  steps.push({
    kind: t === null ? 'segment to background' : target ? 'assign' : 'create class',
    gain: 1,
    run: async () => {
      if (t === null) {
        labels.set(s, { classId: null, removed: true });
        setClasses(await api.removeSegments({ segmentIds: [s] }));
      } else if (target) {
        labels.set(s, { classId: target.id, removed: false });
        setClasses(await api.assignSegments({ segmentIds: [s], classId: target.id }));
      } else {
        const c = await api.createClass({ segmentIds: [s], name: t });
        labels.set(s, { classId: c.find((k) => k.name === t)!.id, removed: false });
        setClasses(c);
      }
      setOffer(s);
    },
  });
  // Highest gain wins; ties go to the step listed first (class-wide actions before single ones).
  return steps.reduce((best, x) => (x.gain > best.gain ? x : best));
}

/** "Do the same to its look-alikes": the cut-off that fixes the most, as one action. */
async function propagation(
  api: SamanticApi,
  labels: Map<number, Label>,
  truth: Map<number, string | null>,
  from: number,
  limit: number,
  right: (id: number, l: Label) => boolean,
  nameOf: (id: number) => string | undefined,
  done: (c: ClassInfo[]) => void,
): Promise<Step> {
  const source = labels.get(from)!;
  const after: Label = source.removed ? { classId: null, removed: true } : { classId: source.classId, removed: false };
  const candidates = (await api.lookAlikes({ segmentId: from, limit })).map((x) => x.segmentId).filter((id) => labels.has(id));
  let best = 0;
  let cut = 0;
  let running = 0;
  candidates.forEach((id, i) => {
    running += Number(isRight(truth.get(id)!, after, nameOf)) - Number(right(id, labels.get(id)!));
    if (running > best) [best, cut] = [running, i + 1];
  });
  const chosen = candidates.slice(0, cut);
  return {
    kind: 'propagate',
    gain: best,
    run: async () => {
      for (const id of chosen) labels.set(id, { ...after });
      if (after.removed) done(await api.removeSegments({ segmentIds: chosen }));
      else done(await api.assignSegments({ segmentIds: chosen, classId: after.classId! }));
    },
  };
}
