// The service behind every transport (Electron IPC, HTTP/WebSocket, CLI): one open project at a
// time, its store, the model (loaded on first use) and the user's named actions.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ProgressEvent, ProjectSummary, SamanticApi } from '../api/contract';
import { applyAction, redo, undo } from '../actions/persistent';
import { AMG_PRESETS, type AmgPresetName } from '../amg/options';
import { SamanticError } from '../errors';
import { processPendingImages, type ProcessFolderResult } from '../pipeline/process-folder';
import { scanFolder } from '../pipeline/scan';
import { fileInShard, formatShard, shardProjectPath } from '../pipeline/shard';
import type { Segmenter } from '../pipeline/segmenter';
import type { PromptSession } from '../prompt/session';
import { META_KEYS, ProjectStore } from '../store/project-store';
import { classifyNewSegments, hasUserDecisions } from './classifying';
import { clusterProject, nearestToSelection, previewSplit } from './clustering';
import { parseSplitRatios } from '../export/split';
import { exportDataset, exportProject } from './export';
import { currentClassCount, granularityTarget, reclusterToCount } from './granularity';
import { importAnnotations } from './import';
import { maskApi, openPromptSession } from './masks';
import { lookAlikes, reviewGuesses, reviewQueue } from './review';
import { listModelInfos, openSegmenter, resolveModelId } from './models';
import { defaultStateDir, RecentProjects } from './recent';
import type { Service, ServiceOptions } from './types';
import { classInfo, imageInfo, projectSummary, segmentInfo } from './views';

interface OpenProject {
  folder: string;
  store: ProjectStore;
  modelId: string;
  device: string;
  segmenter: Segmenter | null;
  /** Interactive prompts: a model instance of their own, loaded on the first click. */
  prompts: PromptSession;
  /** The model the folder was processed with before this open, when another (ProjectSummary.switchedFrom). */
  switchedFrom: string | null;
}

export const META_FOLDER = 'folder';
export const META_MODEL = 'modelId';
/** The shard (i/N) a shard project was made for. */
export const META_SHARD = 'shard';

export async function createService(options: ServiceOptions = {}): Promise<Service> {
  const listeners = new Set<(e: ProgressEvent) => void>();
  const emit = (e: ProgressEvent): void => listeners.forEach((l) => l(e));
  const recent = new RecentProjects(options.stateDir ?? defaultStateDir());
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  let project: OpenProject | null = null;
  let running: AbortController | null = null;
  // Last process() result, for the CLI's summary.
  let lastRun: ProcessFolderResult | null = null;

  const current = (): OpenProject => {
    if (!project) throw new SamanticError('no-project', 'No folder is open. Open a folder of photos first.');
    return project;
  };
  const summary = (p: OpenProject): ProjectSummary => ({
    ...projectSummary(p.store, p.folder, p.modelId, p.segmenter?.provider ?? null, p.switchedFrom),
    processing: running !== null,
  });
  const classes = () => current().store.listClasses().map(classInfo);
  const notWhileProcessing = (what: string): void => {
    if (running) throw new SamanticError('busy', `Cannot ${what} while images are being processed; cancel or wait for it to finish.`);
  };

  async function closeProject(): Promise<void> {
    running?.abort();
    if (!project) return;
    await project.segmenter?.close();
    await project.prompts.close();
    project.store.close();
    project = null;
  }

  const api: SamanticApi = {
    async listModels() {
      return listModelInfos(options.modelsDir);
    },
    async listRecent() {
      return recent.list();
    },
    async openFolder(args) {
      notWhileProcessing('open another folder');
      const folder = resolve(args.folder);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        throw new SamanticError('folder-missing', `Folder '${args.folder}' does not exist or is not a folder. Check the path.`);
      }
      const shard = options.shard;
      const projectFile = args.project ? resolve(args.project) : shard ? shardProjectPath(folder, shard) : ProjectStore.defaultPath(folder);
      await closeProject();
      if (options.readOnly) {
        const store = ProjectStore.open(projectFile, { readOnly: true });
        const modelId = store.getMeta(META_MODEL) ?? args.model ?? '';
        const device = args.device ?? 'auto';
        const prompts = openPromptSession(modelId, device, options.modelsDir, warn);
        project = { folder, store, modelId, device, segmenter: null, prompts, switchedFrom: null };
        return summary(project);
      }
      const store = ProjectStore.open(projectFile, { create: true, takeOverForeign: shard !== undefined && options.takeOverShardLock });
      try {
        const before = store.getMeta(META_MODEL);
        const modelId = resolveModelId(args.model ?? before ?? undefined, options.modelsDir);
        const switchedFrom = before !== null && before !== modelId && store.counts().images.done > 0 ? before : null;
        checkShardProject(store, shard ? formatShard(shard) : null);
        store.setMeta(META_FOLDER, folder);
        store.setMeta(META_MODEL, modelId);
        // A worker lists and hashes only its share (reading a sample of every other photo).
        const belongs = shard ? (file: string, size: number, relPath: string) => fileInShard(file, size, relPath, shard) : undefined;
        await scanFolder(store, folder, { recursive: args.recursive, belongs });
        const device = args.device ?? 'auto';
        const prompts = openPromptSession(modelId, device, options.modelsDir, warn);
        project = { folder, store, modelId, device, segmenter: null, prompts, switchedFrom };
      } catch (err) {
        store.close();
        throw err;
      }
      // A shard project is a worker's part, not the folder's project to reopen.
      if (!shard) recent.add(folder, projectFile);
      return summary(project);
    },
    async getSummary() {
      return project ? summary(project) : null;
    },
    async process(args) {
      const p = current();
      if (p.store.readOnly) throw new SamanticError('invalid-argument', 'This project is open read-only; open the folder to process it.');
      notWhileProcessing('start processing again');
      const preset: AmgPresetName = args.preset ?? 'sam';
      const controller = new AbortController();
      running = controller;
      try {
        const segmenter = p.segmenter ?? (await openSegmenter(p.modelId, p.device, options.modelsDir, warn));
        p.segmenter = segmenter;
        // What merge checks before it takes a shard's embeddings (service/sharding.ts).
        p.store.setMeta(META_KEYS.preprocessVersion, segmenter.preprocessVersion);
        const shard = options.shard;
        const waiting = new Set(
          p.store
            .listImages()
            .filter((i) => i.status !== 'done')
            .map((i) => i.id),
        );
        lastRun = await processPendingImages(p.store, p.folder, segmenter, {
          amg: { ...AMG_PRESETS[preset], ...options.amgOverrides },
          signal: controller.signal,
          emit,
        });
        const needClusters = lastRun.processed > 0 || (p.store.counts().classes === 0 && p.store.counts().segments > 0);
        // A shard sees a part of the folder: its classes would mean nothing; merge classifies once.
        if (needClusters && !lastRun.cancelled && !shard) {
          emit({ type: 'clustering' });
          // Once the user has corrected the folder, new images join the user's classes instead
          // of a re-clustering that would reshuffle them.
          if (hasUserDecisions(p.store.loadLabelState())) {
            const fresh = new Set(
              p.store
                .listImages({ status: 'done' })
                .filter((i) => waiting.has(i.id))
                .map((i) => i.id),
            );
            await classifyNewSegments(p.store, fresh);
          } else {
            await clusterProject(p.store, { mode: 'auto' });
          }
        }
        const c = p.store.counts();
        emit({
          type: 'done',
          done: lastRun.processed,
          failed: lastRun.failed,
          classes: c.classes,
          seconds: lastRun.seconds,
          cancelled: lastRun.cancelled,
        });
        return summary(p);
      } finally {
        running = null;
      }
    },
    async cancel() {
      running?.abort();
    },
    async listImages() {
      return current().store.listImages().map(imageInfo);
    },
    async listSegments({ imageId, includeBackground = false }) {
      return current().store.listSegments({ imageId, includeRemoved: includeBackground }).map(segmentInfo);
    },
    async findSegments({ segmentIds, masks = false }) {
      const found = current().store.listSegments({ ids: segmentIds });
      return found.map((s) => ({ segmentId: s.id, imageId: s.imageId, bbox: s.bbox, ...(masks ? { rle: segmentInfo(s).rle } : {}) }));
    },
    async listClasses() {
      return classes();
    },
    async classExamples({ classId, limit = 8 }) {
      // One example per image first, so the strip shows the class across the folder.
      const segs = current().store.listSegments({ classId, includeRemoved: false });
      const seen = new Set<number>();
      const first = segs.filter((s) => !seen.has(s.imageId) && seen.add(s.imageId));
      const rest = segs.filter((s) => !first.includes(s));
      return [...first, ...rest]
        .slice(0, limit)
        .map((s) => ({ segmentId: s.id, imageId: s.imageId, bbox: [...s.bbox] as [number, number, number, number] }));
    },
    async renameClass(args) {
      applyAction(current().store, 'renameClass', args);
      return classes();
    },
    async setClassColor(args) {
      applyAction(current().store, 'setClassColor', args);
      return classes();
    },
    async reorderClasses(args) {
      applyAction(current().store, 'reorderClasses', args);
      return classes();
    },
    async deleteClass(args) {
      applyAction(current().store, 'deleteClass', args);
      return classes();
    },
    async mergeClasses(args) {
      applyAction(current().store, 'mergeClasses', args);
      return classes();
    },
    async previewSplit({ classId, k }) {
      return previewSplit(current().store, classId, k);
    },
    async splitClass({ classId, k }) {
      const { groups } = await previewSplit(current().store, classId, k);
      applyAction(current().store, 'splitClass', { classId, groups });
      return classes();
    },
    async createClass(args) {
      applyAction(current().store, 'createClass', args);
      return classes();
    },
    async assignSegments(args) {
      applyAction(current().store, 'assignSegments', args);
      return classes();
    },
    async removeSegments(args) {
      applyAction(current().store, 'removeSegments', args);
      return classes();
    },
    async unassignSegments(args) {
      applyAction(current().store, 'unassignSegments', args);
      return classes();
    },
    async removeClass(args) {
      applyAction(current().store, 'removeClass', args);
      return classes();
    },
    async selectSimilar({ segmentIds, limit = 20 }) {
      return nearestToSelection(current().store, segmentIds, limit);
    },
    async recluster(args) {
      notWhileProcessing('re-cluster');
      const store = current().store;
      if (args.granularity !== undefined && args.classes !== undefined)
        throw new SamanticError('invalid-argument', 'Give either granularity (fewer/more) or a number of classes, not both.');
      const target = args.granularity ? granularityTarget(currentClassCount(store), args.granularity) : args.classes;
      if (target !== undefined) await reclusterToCount(store, target, args.minSamples);
      else await clusterProject(store, { mode: args.mode ?? 'auto', eps: args.eps, minSamples: args.minSamples });
      return classes();
    },
    async confirmClasses(args) {
      applyAction(current().store, 'confirmClasses', args);
      return classes();
    },
    async dismissSuggestions(args) {
      applyAction(current().store, 'dismissSuggestions', args);
      return classes();
    },
    async confirmSegments(args) {
      applyAction(current().store, 'confirmSegments', args);
      return classes();
    },
    async reviewQueue({ limit = 100 }) {
      return reviewQueue(current().store, limit);
    },
    async reviewGuesses() {
      return reviewGuesses(current().store);
    },
    async acceptGuesses(args) {
      applyAction(current().store, 'acceptGuesses', args);
      return classes();
    },
    async lookAlikes({ segmentId, limit, minSimilarity }) {
      return lookAlikes(current().store, segmentId, limit, minSimilarity);
    },
    async undo() {
      const p = current();
      const g = undo(p.store);
      return { ...summary(p), gesture: g?.title ?? null };
    },
    async redo() {
      const p = current();
      const g = redo(p.store);
      return { ...summary(p), gesture: g?.title ?? null };
    },
    async exportCoco(args) {
      const p = current();
      const out = isAbsolute(args.out) ? args.out : join(p.folder, args.out);
      const r = await exportProject(p.store, p.folder, { ...args, out });
      return { file: r.file, images: r.images, annotations: r.annotations, categories: r.categories };
    },
    async exportDataset(args) {
      const p = current();
      const out = isAbsolute(args.out) ? args.out : join(p.folder, args.out);
      return exportDataset(p.store, p.folder, {
        format: args.format,
        out,
        coco: args.segmentation,
        classIds: args.classIds,
        split: args.split ? parseSplitRatios(args.split) : undefined,
        seed: args.seed,
        images: args.images,
        reviewedOnly: args.reviewedOnly,
      });
    },
    async importAnnotations(args) {
      const p = current();
      notWhileProcessing('import annotations');
      const source = isAbsolute(args.source) ? args.source : join(p.folder, args.source);
      return importAnnotations(p.store, p.folder, { format: args.format, source, skipBad: args.skipBad }, async () => {
        p.segmenter ??= await openSegmenter(p.modelId, p.device, options.modelsDir, warn);
        return p.segmenter;
      });
    },
    ...maskApi(current),
  };

  return {
    api,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    imageFile(imageId) {
      if (!project || !Number.isSafeInteger(imageId)) return null;
      const img = project.store.getImage(imageId);
      return img ? join(project.folder, img.relPath) : null;
    },
    folder() {
      return project?.folder ?? null;
    },
    lastRun() {
      return lastRun;
    },
    cacheEmbedding(key, embedding) {
      const p = project;
      if (!p || p.store.readOnly || key.modelId !== p.modelId) return false;
      if (p.store.findImagesByHash(key.contentHash).length === 0 || p.store.hasCachedEmbedding(key)) return false;
      p.store.putCachedEmbedding(key, embedding);
      return true;
    },
    async close() {
      await closeProject();
    },
  };
}

/** A shard project serves one shard: another worker's share, or a whole-folder run, would mix into it. */
function checkShardProject(store: ProjectStore, shard: string | null): void {
  const made = store.getMeta(META_SHARD);
  const hasData = store.counts().images.done > 0;
  if (made !== shard && (made !== null || hasData)) {
    const what = (s: string | null) => (s === null ? 'the whole folder' : `shard ${s}`);
    throw new SamanticError(
      'invalid-argument',
      `The project ${store.file} holds ${what(made)}, not ${what(shard)}. Give each shard its own --project file ` +
        '(the default is <folder>/.samantic/shard-i-of-N.db).',
    );
  }
  if (shard !== null) store.setMeta(META_SHARD, shard);
}

/** The photo folder a project file belongs to (as recorded when it was created). */
export function projectFolderOf(projectFile: string): string {
  const store = ProjectStore.open(projectFile, { readOnly: true });
  try {
    const folder = store.getMeta(META_FOLDER);
    if (!folder)
      throw new SamanticError('store-error', `Project ${projectFile} does not record its photo folder; open the folder instead.`);
    return folder;
  } finally {
    store.close();
  }
}
