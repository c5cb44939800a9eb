// Beyond one machine: a batch engine (a Kubernetes Indexed Job, a Slurm job array) runs N workers,
// each `samantic label <folder> --shard i/N` into a project of its own (pipeline/shard.ts decides the
// share; the service processes only that share and never clusters). `mergeShards` then brings the
// shards' images, cached embeddings and segments into the folder's project, one transaction per
// shard, and classifies the new segments once for the whole folder by the same rules as a label
// run: clustered while no user decision exists, else classified into the user's classes.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SamanticError } from '../errors';
import { scanFolder } from '../pipeline/scan';
import { META_KEYS, ProjectStore, type ImageSummary, type ShardImageImport } from '../store/project-store';
import { classifyNewSegments, hasUserDecisions } from './classifying';
import { clusterProject } from './clustering';
import { META_FOLDER, META_MODEL, META_SHARD } from './service';

export interface ShardShare {
  /** Images of the folder in this shard's share. */
  total: number;
  done: number;
  failed: number;
  pending: number;
}

/** How far a shard project is with its share (read-only: works beside the running worker). */
export function shardShare(projectFile: string): ShardShare {
  const store = ProjectStore.open(projectFile, { readOnly: true });
  try {
    // A shard project lists its share only (pipeline/shard.ts).
    const { total, done, failed, pending } = store.counts().images;
    return { total, done, failed, pending };
  } finally {
    store.close();
  }
}

export interface MergeOptions {
  /** The photo folder; default: the one the main project records, else the first shard's. */
  folder?: string;
  /** The main project file; default: <folder>/.samantic/project.db. */
  project?: string;
  shards: string[];
  /** Scan sub-folders too (default: when a shard holds images in sub-folders). */
  recursive?: boolean;
  onLine?: (text: string) => void;
}

export interface ShardMergeReport {
  file: string;
  /** 'i/N' as the shard was made, or null for a project made without --shard. */
  shard: string | null;
  /** Finished images in the shard. */
  done: number;
  imported: number;
  segments: number;
  /** Images the main project had already (merged before, processed there, or the same photo in another shard). */
  already: number;
  /** Finished images with no photo of the same content in the folder any more: left out. */
  notInFolder: string[];
}

export interface MergeReport {
  folder: string;
  project: string;
  modelId: string;
  shards: ShardMergeReport[];
  imported: number;
  segments: number;
  /** What placed the new segments: a clustering of the folder, or the user's classes. */
  classification: 'clustered' | 'classified' | 'none';
  classes: number;
  /** Images of the folder not processed by any shard yet (failed there, or not run). */
  unprocessed: number;
  /** Where the time went: checking the shards and scanning the folder, copying, classifying. */
  seconds: { scan: number; copy: number; classify: number };
}

interface Made {
  modelId: string | null;
  preprocess: string | null;
}

function madeWith(store: ProjectStore): Made {
  const modelId = store.getMeta(META_MODEL);
  const keys = store.embeddingKeys().filter((k) => modelId === null || k.modelId === modelId);
  return {
    modelId: modelId ?? keys[0]?.modelId ?? null,
    preprocess: store.getMeta(META_KEYS.preprocessVersion) ?? keys[0]?.preprocessVersion ?? null,
  };
}

const describe = (m: Made) => `model ${m.modelId ?? '(none)'} (preprocessing ${m.preprocess ?? 'unknown'})`;

/** Refuses a shard whose embeddings and masks come from another model or preprocessing than the project's. */
function checkSameModel(shardFile: string, shard: Made, holder: string, expected: Made): void {
  const modelDiffers = shard.modelId !== null && expected.modelId !== null && shard.modelId !== expected.modelId;
  const preprocessDiffers = shard.preprocess !== null && expected.preprocess !== null && shard.preprocess !== expected.preprocess;
  if (!modelDiffers && !preprocessDiffers) return;
  throw new SamanticError(
    'invalid-argument',
    `The shard ${shardFile} was made with ${describe(shard)}, but ${holder} holds ${describe(expected)}; ` +
      'their embeddings and masks cannot be mixed. Nothing was merged. Run that shard again with ' +
      `--model ${expected.modelId ?? '<the project model>'}, or leave it out of this merge.`,
  );
}

function openShard(file: string): ProjectStore {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new SamanticError(
      'not-found',
      `The shard project ${path} does not exist. Check the path (shards are <folder>/.samantic/shard-i-of-N.db by default).`,
    );
  }
  return ProjectStore.open(path, { readOnly: true });
}

export async function mergeShards(options: MergeOptions): Promise<MergeReport> {
  if (options.shards.length === 0) throw new SamanticError('invalid-argument', 'merge needs at least one shard project to merge.');
  const say = options.onLine ?? (() => {});
  const shards: ProjectStore[] = [];
  let main: ProjectStore | null = null;
  const since = (t: number) => (performance.now() - t) / 1000;
  let t = performance.now();
  try {
    for (const file of options.shards) {
      if (shards.some((s) => s.file === resolve(file))) continue;
      shards.push(openShard(file));
    }
    const folder = resolve(options.folder ?? shards[0].getMeta(META_FOLDER) ?? '');
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new SamanticError(
        'folder-missing',
        `The photo folder '${folder}' does not exist; give the folder to merge into: samantic merge <folder> <shard>...`,
      );
    }
    const projectFile = resolve(options.project ?? ProjectStore.defaultPath(folder));
    if (shards.some((s) => s.file === projectFile)) {
      throw new SamanticError(
        'invalid-argument',
        `${projectFile} is both the project to merge into and one of the shards; name each once.`,
      );
    }
    main = ProjectStore.open(projectFile, { create: true });
    if (main.getMeta(META_SHARD) !== null) {
      throw new SamanticError(
        'invalid-argument',
        `${projectFile} is a shard project (shard ${main.getMeta(META_SHARD)}); merge into the folder's own project instead.`,
      );
    }
    // The project's own model, or (a new project) the first shard's: every shard must match it.
    const own = madeWith(main);
    const first = shards.find((s) => madeWith(s).modelId !== null);
    const holder = own.modelId !== null || !first ? projectFile : `the first shard, ${first.file},`;
    const expected: Made = { modelId: own.modelId ?? (first ? madeWith(first).modelId : null), preprocess: own.preprocess };
    expected.preprocess ??= shards.map(madeWith).find((m) => m.modelId === expected.modelId && m.preprocess !== null)?.preprocess ?? null;
    for (const s of shards) checkSameModel(s.file, madeWith(s), holder, expected);
    if (expected.modelId) main.setMeta(META_MODEL, expected.modelId);
    if (expected.preprocess) main.setMeta(META_KEYS.preprocessVersion, expected.preprocess);
    main.setMeta(META_FOLDER, folder);

    const done = shards.map((s) => s.listImages({ status: 'done' }));
    const recursive = options.recursive ?? done.some((list) => list.some((img) => img.relPath.includes('/')));
    // The main project lists the folder first, so its images are numbered as an unsharded run's.
    await scanFolder(main, folder, { recursive });
    const { plans, reports } = planMerge(main.listImages(), shards, done, main.nextSegmentId());

    const report: MergeReport = {
      folder,
      project: projectFile,
      modelId: expected.modelId ?? '',
      shards: reports,
      imported: 0,
      segments: 0,
      classification: 'none',
      classes: 0,
      unprocessed: 0,
      seconds: { scan: since(t), copy: 0, classify: 0 },
    };
    t = performance.now();
    const fresh = new Set<number>();
    shards.forEach((s, k) => {
      const r = main!.importShard(s, plans[k]);
      r.images.forEach((id) => fresh.add(id));
      reports[k].imported = r.images.length;
      reports[k].segments = r.segments;
      reports[k].already += r.skipped;
      report.imported += r.images.length;
      report.segments += r.segments;
      say(`merged ${s.file}: ${r.images.length} image(s), ${r.segments} segment(s); ${reports[k].already} already in the project`);
    });
    report.seconds.copy = since(t);
    t = performance.now();
    const counts = main.counts();
    if (fresh.size > 0 || (counts.classes === 0 && counts.segments > 0)) {
      // As after a label run: once the user has corrected the folder, the new images join the
      // user's classes; a folder nobody corrected yet is clustered as a whole.
      if (hasUserDecisions(main.loadLabelState())) {
        say(`classifying the segments of ${fresh.size} new image(s) into the user's classes`);
        await classifyNewSegments(main, fresh);
        report.classification = 'classified';
      } else {
        say('clustering the segments of all images');
        await clusterProject(main, { mode: 'auto' });
        report.classification = 'clustered';
      }
    }
    report.seconds.classify = since(t);
    const after = main.counts();
    report.classes = after.classes;
    report.unprocessed = after.images.total - after.images.done;
    return report;
  } finally {
    main?.close();
    for (const s of shards) s.close();
  }
}

/**
 * Which finished shard image fills which image of the main project, and the ids of its segments.
 * Photos are matched by content hash (its own path first, so copies of one photo each get theirs;
 * else a photo renamed since). A photo already done in the main project, or claimed by an earlier
 * shard, is kept once. Segment ids follow the main project's image order, as in an unsharded run.
 */
export function planMerge(
  mainImages: readonly ImageSummary[],
  shards: readonly ProjectStore[],
  done: readonly (readonly ImageSummary[])[],
  firstSegmentId: number,
): { plans: ShardImageImport[][]; reports: ShardMergeReport[] } {
  const open = new Map<string, ImageSummary[]>();
  const known = new Set<string>();
  for (const img of mainImages) {
    known.add(img.contentHash);
    if (img.status === 'done') continue;
    const list = open.get(img.contentHash);
    if (list) list.push(img);
    else open.set(img.contentHash, [img]);
  }
  const claimed = new Set<number>();
  const picks: { shard: number; mainImageId: number; shardImageId: number; segments: number }[] = [];
  const reports: ShardMergeReport[] = shards.map((s, k) => ({
    file: s.file,
    shard: s.getMeta(META_SHARD),
    done: done[k].length,
    imported: 0,
    segments: 0,
    already: 0,
    notInFolder: [],
  }));
  done.forEach((images, k) => {
    for (const img of images) {
      const candidates = (open.get(img.contentHash) ?? []).filter((m) => !claimed.has(m.id));
      const pick = candidates.find((m) => m.relPath === img.relPath) ?? candidates[0];
      if (pick) {
        claimed.add(pick.id);
        picks.push({ shard: k, mainImageId: pick.id, shardImageId: img.id, segments: img.segmentCount });
      } else if (known.has(img.contentHash)) reports[k].already++;
      else reports[k].notInFolder.push(img.relPath);
    }
  });
  picks.sort((a, b) => a.mainImageId - b.mainImageId);
  const plans: ShardImageImport[][] = shards.map(() => []);
  let next = firstSegmentId;
  for (const p of picks) {
    plans[p.shard].push({ mainImageId: p.mainImageId, shardImageId: p.shardImageId, firstSegmentId: next });
    next += p.segments;
  }
  return { plans, reports };
}
