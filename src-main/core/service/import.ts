// Import of existing annotations into the open project: the file is read and checked against the
// photos first (nothing written); then every image that receives annotations gets its embedding
// (from the cache, or encoded now), each annotation becomes a source='user' segment embedded from
// it, and the file's categories become classes (an existing class of the same name, ignoring
// case, receives its instances; otherwise a new class created by the user). The segments and the
// classes are written in ONE transaction, the classes as one undoable gesture named 'import'.
import { join } from 'node:path';
import { applyActions, type ActionStep } from '../actions/persistent';
import { nameKey } from '../labels/model';
import { segmentEmbedding } from '../embed/segment-embedding';
import { SamanticError } from '../errors';
import { loadImage, probeImage } from '../image/load';
import { describeProblems, type ImportFormat, type ImportProblem, planImport, readAnnotations } from '../import';
import { rleBboxCoco } from '../mask';
import { canEncodeAhead } from '../pipeline/prefetch';
import type { Segmenter } from '../pipeline/segmenter';
import type { NewSegment, ProjectStore } from '../store/project-store';
import type { ImageEmbedding } from '../types';

export interface ImportOptions {
  format: ImportFormat;
  /** COCO file, labelme folder or YOLO dataset folder (absolute). */
  source: string;
  /** Leave malformed annotations out instead of refusing the whole import. */
  skipBad?: boolean;
}

export interface ImportOutcome {
  images: number;
  instances: number;
  classesCreated: string[];
  classesMatched: string[];
  missingImages: string[];
  /** Malformed annotations left out (skipBad). */
  skipped: ImportProblem[];
}

/** AMG settings for a segmenter that cannot encode on its own: one prompt, just to get the embedding. */
const EMBED_ONLY_AMG = { pointsPerSide: 1, cropNLayers: 0 };

async function imageEmbedding(store: ProjectStore, folder: string, segmenter: Segmenter, img: { relPath: string; contentHash: string }) {
  const key = { contentHash: img.contentHash, modelId: segmenter.modelId, preprocessVersion: segmenter.preprocessVersion };
  const cached = store.getCachedEmbedding(key.contentHash, key.modelId, key.preprocessVersion);
  if (cached) return { embedding: cached, fresh: null };
  const loaded = await loadImage(join(folder, img.relPath));
  let embedding: ImageEmbedding | null = null;
  if (canEncodeAhead(segmenter)) embedding = (await segmenter.encodeFull(loaded.image))?.embedding ?? null;
  embedding ??= (await segmenter.segment(loaded.image, { amg: EMBED_ONLY_AMG, cached: null })).embedding;
  return { embedding, fresh: { key, embedding } };
}

export async function importAnnotations(
  store: ProjectStore,
  folder: string,
  options: ImportOptions,
  getSegmenter: () => Promise<Segmenter>,
): Promise<ImportOutcome> {
  const doc = readAnnotations(options.format, options.source, folder);
  const records = store.listImages();
  const refs = [];
  for (const r of records) {
    let { width, height } = r;
    if (width === null || height === null) {
      try {
        ({ width, height } = await probeImage(join(folder, r.relPath)));
      } catch {
        continue; // An unreadable photo cannot take annotations; the file's entry is reported as missing.
      }
    }
    refs.push({ id: r.id, relPath: r.relPath, width, height });
  }
  const plan = planImport(doc, refs);
  if (plan.problems.length > 0 && !options.skipBad) {
    throw new SamanticError(
      'invalid-argument',
      `Import of ${options.source} changed nothing: ${plan.problems.length} annotation(s) are malformed:\n` +
        `${describeProblems(plan.problems)}\nFix the file, or import again with --skip-bad to leave these out.`,
    );
  }
  const segmenter = plan.instances.length > 0 ? await getSegmenter() : null;
  const byId = new Map(records.map((r) => [r.id, r]));
  const sizeOf = new Map(refs.map((r) => [r.id, r]));
  const perImage: {
    imageId: number;
    segments: NewSegment[];
    classNames: string[];
    fresh: Awaited<ReturnType<typeof imageEmbedding>>['fresh'];
  }[] = [];
  const skipped = [...plan.problems];
  for (const imageId of plan.images.keys()) {
    const rec = byId.get(imageId)!;
    const { width, height } = sizeOf.get(imageId)!;
    const mine = plan.instances.filter((i) => i.imageId === imageId);
    // An image the file lists without annotations is labelled too ("nothing here"): it is recorded
    // as done, without encoding it.
    const { embedding, fresh } = mine.length ? await imageEmbedding(store, folder, segmenter!, rec) : { embedding: null, fresh: null };
    const segments: NewSegment[] = [];
    const classNames: string[] = [];
    for (const inst of mine) {
      const vector = segmentEmbedding(embedding!, inst.rle);
      if (!vector) {
        skipped.push({
          file: inst.file,
          image: inst.relPath,
          ref: inst.ref,
          message: 'its mask gives no embedding (too small for the model grid)',
        });
        continue;
      }
      const bbox = rleBboxCoco(inst.rle);
      segments.push({
        rle: inst.rle,
        bbox,
        area: inst.area,
        predictedIou: 1,
        stabilityScore: 1,
        point: [bbox[0] + bbox[2] / 2, bbox[1] + bbox[3] / 2],
        cropBox: [0, 0, width, height],
        embedding: vector,
        source: 'user',
      });
      classNames.push(inst.className);
    }
    perImage.push({ imageId, segments, classNames, fresh });
  }
  const existing = new Map(store.listClasses().map((c) => [nameKey(c.name), c.id]));
  const created: string[] = [];
  const matched: string[] = [];
  let instances = 0;
  store.transaction(() => {
    const idsByClass = new Map<string, number[]>();
    for (const p of perImage) {
      const { width, height } = sizeOf.get(p.imageId)!;
      const ids = store.addSegments(p.imageId, p.segments, { width, height, markDone: true, embedding: p.fresh ?? undefined });
      ids.forEach((id, k) => {
        const key = nameKey(p.classNames[k]);
        (idsByClass.get(key) ?? idsByClass.set(key, []).get(key)!).push(id);
      });
      instances += ids.length;
    }
    const steps: ActionStep[] = [];
    for (const name of plan.used) {
      // Names that differ only in case are one class, as everywhere in the project.
      const segmentIds = idsByClass.get(nameKey(name));
      idsByClass.delete(nameKey(name));
      if (!segmentIds?.length) continue;
      const classId = existing.get(nameKey(name));
      if (classId !== undefined) {
        steps.push({ name: 'assignSegments', args: { segmentIds, classId } });
        matched.push(name);
      } else {
        steps.push({ name: 'createClass', args: { segmentIds, name: name.trim() } });
        created.push(name);
      }
    }
    if (steps.length) applyActions(store, 'import', steps, `import of ${plan.used.length} ${plan.used.length === 1 ? 'class' : 'classes'}`);
  });
  return {
    images: perImage.length,
    instances,
    classesCreated: created,
    classesMatched: matched,
    missingImages: plan.missingImages.map((m) => m.name),
    skipped,
  };
}
