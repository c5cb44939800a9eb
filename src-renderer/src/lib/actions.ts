// Every user operation, each one named API call followed by a refresh of what it changed. Errors
// become readable toasts; nothing here touches the DOM.

import type {
  ClassInfo,
  ExportArgs,
  ExportDatasetArgs,
  ExportDatasetResult,
  ExportResult,
  ImportArgs,
  ImportResult,
  OpenFolderArgs,
  SplitPreview,
} from '@contract';
import { api, ApiError } from './api';
import { app } from './state.svelte';
import { switchWarning } from './models';

function message(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Runs `fn`, showing `label` as busy; returns undefined (after an error toast) on failure. */
async function guarded<T>(label: string, fn: () => Promise<T>): Promise<T | undefined> {
  app.busy = label;
  try {
    return await fn();
  } catch (err) {
    app.toast('error', `${label} failed: ${message(err)}`);
    return undefined;
  } finally {
    if (app.busy === label) app.busy = null;
  }
}

export async function refreshSummary(): Promise<void> {
  app.summary = await api.getSummary();
}

export async function refreshImages(): Promise<void> {
  app.images = await api.listImages();
}

export async function refreshSegments(): Promise<void> {
  const id = app.currentImageId;
  if (id === null) {
    app.segments = [];
    app.segmentsImageId = null;
    return;
  }
  const segs = await api.listSegments({ imageId: id });
  if (app.currentImageId === id) {
    app.segments = segs;
    app.segmentsImageId = id;
    app.segmentsVersion += 1;
  }
}

/** After any change to classes: the class list, the image chips, the canvas and undo state. */
async function afterClassChange(classes: ClassInfo[]): Promise<void> {
  app.classes = classes;
  app.pruneClassSets();
  await Promise.all([refreshImages(), refreshSegments(), refreshSummary()]);
}

/** After a segment's mask was added, edited, merged or deleted: its image, the classes, the canvas. */
export async function afterSegmentEdit(): Promise<void> {
  await afterClassChange(await api.listClasses());
}

/** Where the user was, as kept in the page address (#image=12, #gallery...) across reloads. */
export function locationHash(): string {
  if (app.view === 'image' && app.currentImageId !== null) return `#image=${app.currentImageId}`;
  return app.view === 'start' ? '' : `#${app.view}`;
}

/** The place a reload should return to, read once from the address the page was loaded with. */
let returnTo: string | null = typeof location === 'undefined' ? null : location.hash;

/** Returns to the place in `returnTo` if the project still has it; true when it did. */
function restoreLocation(images: { id: number; status: string }[]): boolean {
  const hash = returnTo;
  returnTo = null;
  const image = /^#image=(\d+)$/.exec(hash ?? '');
  if (image) {
    const img = images.find((i) => i.id === Number(image[1]));
    if (img?.status !== 'done') return false;
    openImage(img.id);
    return true;
  }
  if (hash === '#gallery' || hash === '#review' || hash === '#processing') {
    app.view = hash.slice(1) as 'gallery' | 'review' | 'processing';
    return true;
  }
  return false;
}

/** Loads everything for the open project (or shows the start screen when there is none). */
export async function loadProject(): Promise<void> {
  const summary = await api.getSummary();
  app.summary = summary;
  if (!summary) {
    app.view = 'start';
    return;
  }
  // A page opened mid-run: the run's events will tell how far it is; until then it is running.
  if (summary.processing && !app.progress.running) app.progress.running = true;
  const [images, classes] = await Promise.all([api.listImages(), api.listClasses()]);
  app.images = images;
  app.classes = classes;
  app.pruneClassSets();
  if (app.currentImageId !== null && !images.some((i) => i.id === app.currentImageId)) app.currentImageId = null;
  // The gallery, an image or the review stay where the user put them, processing or not.
  const busy = summary.images.pending > 0 || app.progress.running;
  if (app.view === 'start' && !restoreLocation(images)) app.view = busy ? 'processing' : 'gallery';
  else if (app.view === 'processing' && !busy) app.view = 'gallery';
  await refreshSegments();
}

export async function openFolder(args: OpenFolderArgs): Promise<void> {
  const summary = await guarded('Opening the folder', () => api.openFolder(args));
  if (!summary) return;
  const switched = switchWarning(summary);
  if (switched) app.toast('info', switched);
  app.currentImageId = null;
  app.selection = new Set();
  app.resetProgress();
  // Another folder: the address of the last one means nothing here.
  returnTo = null;
  app.view = 'start';
  await loadProject();
  if (summary.images.pending > 0) await processPending();
}

export async function processPending(): Promise<void> {
  app.view = 'processing';
  if (!app.progress.running) app.progress.running = true;
  // Not `guarded`: the run's own progress (processing view, top bar) says it is busy, for minutes.
  const summary = await api.process({}).catch((err: unknown) => {
    app.toast('error', `Processing failed: ${message(err)}`);
    return undefined;
  });
  app.progress.running = false;
  if (!summary) return;
  app.summary = summary;
  await loadProject();
  if (app.progress.finished?.cancelled) app.toast('info', 'Processing cancelled; Resume continues with the remaining images.');
}

export async function cancelProcessing(): Promise<void> {
  await guarded('Cancelling', () => api.cancel());
}

export function openImage(id: number): void {
  // The gallery's arrow keys move currentImageId without loading segments: load them here.
  if (app.currentImageId !== id || app.segmentsImageId !== id) {
    app.currentImageId = id;
    app.segments = [];
    app.segmentsImageId = null;
    void refreshSegments().catch((err) => app.toast('error', `Loading the segments failed: ${message(err)}`));
    // The decoder and this image's embedding are read while the user looks, not on the first click.
    void api.preparePrompts({ imageId: id }).catch(() => undefined);
  }
  app.view = 'image';
}

/**
 * Moves the gallery's current tile by `delta` tiles (a row is `columns` tiles), over every image
 * shown, finished or not; Enter then opens it.
 */
export function moveGalleryCursor(delta: number): void {
  const list = app.filteredImages;
  if (list.length === 0) return;
  const at = list.findIndex((i) => i.id === app.currentImageId);
  const next = at < 0 ? 0 : Math.min(list.length - 1, Math.max(0, at + delta));
  app.currentImageId = list[next].id;
}

/** Opens the gallery's current tile, or says why it cannot be opened yet. */
export function openGalleryCursor(): void {
  const img = app.filteredImages.find((i) => i.id === app.currentImageId);
  if (!img) return;
  if (img.status === 'done') openImage(img.id);
  else app.toast('info', img.error ?? `${img.relPath} is not processed yet.`);
}

export function stepImage(delta: number): void {
  const list = app.filteredImages.filter((i) => i.status === 'done');
  if (list.length === 0) return;
  const at = list.findIndex((i) => i.id === app.currentImageId);
  const next = list[(at + delta + list.length) % list.length];
  openImage(next.id);
}

/** Groups the folder again into fewer or more classes; the user's decisions stay. */
export async function recluster(granularity: 'fewer' | 'more'): Promise<void> {
  const before = app.classes.length;
  const classes = await guarded(`Grouping into ${granularity} classes`, () => api.recluster({ granularity }));
  if (!classes) return;
  await afterClassChange(classes);
  const what =
    classes.length === before
      ? `Still ${before} classes: no ${granularity === 'fewer' ? 'coarser' : 'finer'} grouping found`
      : `${before} → ${classes.length} classes`;
  app.toast('info', `${what}. What you named, assigned or removed stayed; Ctrl+Z undoes it.`);
}

export async function renameClass(classId: number, name: string): Promise<void> {
  const classes = await guarded('Renaming', () => api.renameClass({ classId, name: name.trim() }));
  if (classes) await afterClassChange(classes);
}

export async function mergeClasses(classIds: number[]): Promise<void> {
  if (classIds.length < 2) return app.toast('info', 'Select at least two classes to merge (Ctrl+click in the class list).');
  const into = classIds[0];
  const classes = await guarded('Merging', () => api.mergeClasses({ classIds, into }));
  if (!classes) return;
  app.selectedClasses = new Set([into]);
  await afterClassChange(classes);
  app.toast('success', `Merged ${classIds.length} classes.`);
}

export async function previewSplit(classId: number, k: number): Promise<SplitPreview | undefined> {
  return guarded('Preview of the split', () => api.previewSplit({ classId, k }));
}

export async function splitClass(classId: number, k: number): Promise<void> {
  const classes = await guarded('Splitting', () => api.splitClass({ classId, k }));
  if (!classes) return;
  await afterClassChange(classes);
  app.toast('success', `Split into ${k} classes.`);
}

export async function assignSelection(classId: number): Promise<void> {
  const ids = [...app.selection];
  if (ids.length === 0) return app.toast('info', 'Select segments first: click one on the image (Shift+click adds more).');
  const classes = await guarded('Assigning', () => api.assignSegments({ segmentIds: ids, classId }));
  if (!classes) return;
  await afterClassChange(classes);
  if (ids.length === 1) await offerLookAlikes(ids[0], classId);
}

/** Most look-alikes a correction offers to repeat. */
const LOOK_ALIKES_OFFERED = 50;

/** After one segment was moved: offer its look-alikes across the folder for the same move. */
async function offerLookAlikes(segmentId: number, classId: number): Promise<void> {
  const candidates = await api.lookAlikes({ segmentId, limit: LOOK_ALIKES_OFFERED }).catch(() => []);
  app.propagation = candidates.length > 0 ? { segmentId, classId, candidates } : null;
}

/** Moves the first `count` offered look-alikes into the class, as one gesture. */
export async function propagate(count: number): Promise<void> {
  const p = app.propagation;
  if (!p || count < 1) return;
  app.propagation = null;
  const segmentIds = p.candidates.slice(0, count).map((c) => c.segmentId);
  const classes = await guarded('Moving the look-alikes', () => api.assignSegments({ segmentIds, classId: p.classId }));
  if (classes) await afterClassChange(classes);
}

export async function createClassFromSelection(name?: string): Promise<void> {
  const ids = [...app.selection];
  if (ids.length === 0) return app.toast('info', 'Select segments first, then create a class from them.');
  const classes = await guarded('Creating a class', () => api.createClass({ segmentIds: ids, name }));
  if (classes) await afterClassChange(classes);
}

/** "This is background": the selected segments leave their class and are not exported. */
export async function removeSelection(): Promise<void> {
  const ids = [...app.selection];
  if (ids.length === 0) return app.toast('info', 'Select segments first, then mark them as background.');
  const classes = await guarded('Marking as background', () => api.removeSegments({ segmentIds: ids }));
  if (!classes) return;
  app.selection = new Set();
  await afterClassChange(classes);
}

/** Every segment of a class becomes background (the class disappears when empty). */
export async function removeClass(classId: number): Promise<void> {
  const cls = app.classById.get(classId);
  const crops = await guarded('Listing the class', () =>
    api.classExamples({ classId, limit: Math.min(100_000, Math.max(1, cls?.segmentCount ?? 1000)) }),
  );
  if (!crops || crops.length === 0) return;
  const classes = await guarded('Marking as background', () => api.removeSegments({ segmentIds: crops.map((c) => c.segmentId) }));
  if (classes) await afterClassChange(classes);
}

/** Accepts suggested classes (or confirms any class): they become the user's, members reviewed. */
export async function confirmClasses(classIds: number[]): Promise<void> {
  const classes = await guarded('Confirming', () => api.confirmClasses({ classIds }));
  if (classes) await afterClassChange(classes);
}

/** Turns down suggested classes: their segments go back to unsorted. */
export async function dismissSuggestions(classIds: number[]): Promise<void> {
  const classes = await guarded('Dismissing', () => api.dismissSuggestions({ classIds }));
  if (classes) await afterClassChange(classes);
}

/** Review answers: each one recorded, undoable gesture; the next question already reflects it. */
export async function reviewAnswer(
  segmentId: number,
  answer: { accept: true } | { classId: number } | { background: true },
): Promise<boolean> {
  const classes = await guarded('Reviewing', () =>
    'accept' in answer
      ? api.confirmSegments({ segmentIds: [segmentId] })
      : 'classId' in answer
        ? api.assignSegments({ segmentIds: [segmentId], classId: answer.classId })
        : api.removeSegments({ segmentIds: [segmentId] }),
  );
  if (!classes) return false;
  await afterClassChange(classes);
  return true;
}

/** Batch review: takes the look-alikes' guess for a whole group (a class, or background without one). */
export async function acceptGuesses(segmentIds: number[], classId: number | null): Promise<boolean> {
  const classes = await guarded('Accepting the guesses', () =>
    api.acceptGuesses(classId === null ? { segmentIds } : { segmentIds, classId }),
  );
  if (!classes) return false;
  await afterClassChange(classes);
  app.toast(
    'info',
    `Moved ${segmentIds.length} segments ${classId === null ? 'to background' : `into ${app.classById.get(classId)?.name ?? 'the class'}`} (undo with Ctrl+Z).`,
  );
  return true;
}

export async function selectSimilar(): Promise<void> {
  const ids = [...app.selection];
  if (ids.length === 0) return app.toast('info', 'Select a segment first; "select similar" finds segments that look like it.');
  const similar = await guarded('Selecting similar segments', () => api.selectSimilar({ segmentIds: ids }));
  if (!similar) return;
  app.setSelection([...ids, ...similar]);
  const here = new Set(app.segments.map((s) => s.id));
  const elsewhere = similar.filter((id) => !here.has(id)).length;
  app.toast('info', `Selected ${similar.length} similar segments${elsewhere ? ` (${elsewhere} in other images)` : ''}.`);
}

export async function undo(): Promise<void> {
  const summary = await guarded('Undo', () => api.undo());
  if (!summary) return;
  app.summary = summary;
  await afterClassChange(await api.listClasses());
}

export async function redo(): Promise<void> {
  const summary = await guarded('Redo', () => api.redo());
  if (!summary) return;
  app.summary = summary;
  await afterClassChange(await api.listClasses());
}

export async function exportCoco(args: ExportArgs): Promise<ExportResult | undefined> {
  const result = await guarded('Export', () => api.exportCoco(args));
  if (result) app.toast('success', `Exported ${result.annotations} annotations in ${result.categories} classes to ${result.file}.`);
  return result;
}

export async function exportDataset(args: ExportDatasetArgs): Promise<ExportDatasetResult | undefined> {
  const result = await guarded('Export', () => api.exportDataset(args));
  if (result) app.toast('success', `Exported ${result.instances} instances in ${result.classes} classes to ${result.out}.`);
  return result;
}

export async function importAnnotations(args: ImportArgs): Promise<ImportResult | undefined> {
  const result = await guarded('Import', () => api.importAnnotations(args));
  if (!result) return undefined;
  await afterClassChange(await api.listClasses());
  app.toast('success', `Imported ${result.instances} annotations on ${result.images} images.`);
  return result;
}
