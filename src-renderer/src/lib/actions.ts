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
  ProjectSummary,
  SplitPreview,
} from '@contract';
import { api, ApiError } from './api';
import { forgetMasks } from './crops';
import { app } from './state.svelte';
import { switchWarning } from './models';

/** The service names the action in its messages ("renameClass: ..."), for programs; people get the rest. */
const ACTION_PREFIX = /^[a-z]+[A-Z][A-Za-z]*: /;

export function message(err: unknown): string {
  const text = err instanceof ApiError || err instanceof Error ? err.message : String(err);
  const rest = text.replace(ACTION_PREFIX, '');
  return rest.charAt(0).toUpperCase() + rest.slice(1);
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
    app.background = [];
    app.segmentsImageId = null;
    return;
  }
  const segs = await api.listSegments({ imageId: id, includeBackground: true });
  if (app.currentImageId === id) {
    app.segments = segs.filter((s) => !s.background);
    app.background = segs.filter((s) => s.background);
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
  forgetMasks();
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

/** Where a project opens: its progress while images wait or a run goes on, else the gallery. */
function homeView(summary: ProjectSummary): 'processing' | 'gallery' {
  return summary.images.pending > 0 || app.progress.running ? 'processing' : 'gallery';
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
  const home = homeView(summary);
  if (app.view === 'start' && !restoreLocation(images)) app.view = home;
  else if (app.view === 'processing' && home !== 'processing') app.view = 'gallery';
  await refreshSegments();
}

/** From the start screen back to the project still open (Open… was a detour). */
export function backToProject(): void {
  if (app.summary) app.view = homeView(app.summary);
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
    rememberSelectionHere();
    app.currentImageId = id;
    app.segments = [];
    app.background = [];
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

/** The selection stays across images: note where its segments on this image are before leaving it. */
function rememberSelectionHere(): void {
  const here = app.segmentsImageId;
  if (here === null || app.selection.size === 0) return;
  const next = new Map(app.selectionImages);
  for (const s of [...app.segments, ...app.background]) if (app.selection.has(s.id)) next.set(s.id, here);
  app.selectionImages = next;
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

/** Renames a class; an empty name is refused with a toast (the old name stays), never ignored silently. */
export async function renameClass(classId: number, name: string): Promise<boolean> {
  const old = app.classById.get(classId)?.name ?? `class ${classId}`;
  if (name.trim() === '') {
    app.toast('error', `A class needs a name; "${old}" keeps its name. Type a name, or press Esc to cancel.`);
    return false;
  }
  const classes = await guarded('Renaming', () => api.renameClass({ classId, name: name.trim() }));
  if (!classes) return false;
  await afterClassChange(classes);
  return true;
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

/** Every segment of a class becomes background and the class goes with it (one undo step). */
export async function removeClass(classId: number): Promise<boolean> {
  const classes = await guarded('Marking as background', () => api.removeClass({ classId }));
  if (classes) await afterClassChange(classes);
  return classes !== undefined;
}

/** "No class yet": the selection leaves its class (or the background) and waits unassigned. */
export async function unassignSelection(): Promise<void> {
  const ids = [...app.selection];
  if (ids.length === 0) return app.toast('info', 'Select segments first, then make them unassigned.');
  const classes = await guarded('Making unassigned', () => api.unassignSegments({ segmentIds: ids }));
  if (classes) await afterClassChange(classes);
}

/** Looks up which images selected segments elsewhere are on, for the per-image counts. */
export async function locateSelection(): Promise<void> {
  const ids = [...app.selection].filter((id) => !app.selectionImages.has(id));
  if (ids.length === 0) return;
  const refs = await api.findSegments({ segmentIds: ids }).catch(() => []);
  const next = new Map(app.selectionImages);
  for (const r of refs) next.set(r.segmentId, r.imageId);
  app.selectionImages = next;
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
  await locateSelection();
  const here = new Set(app.segments.map((s) => s.id));
  const elsewhere = similar.filter((id) => !here.has(id)).length;
  const images = [...app.selectionCounts.keys()].filter((i) => i !== app.currentImageId).length;
  app.toast(
    'info',
    `Selected ${similar.length} similar segments${elsewhere ? ` (${elsewhere} in ${images} other image${images === 1 ? '' : 's'}: see the counts on the thumbnails)` : ''}.`,
  );
}

/** Undoes the last gesture; one that would drop what processing discovered (all its classes at once) asks first. */
export async function undo(): Promise<void> {
  // Asked fresh: right after an edit the cached summary may still name the gesture before it.
  const s = (await api.getSummary().catch(() => null)) ?? app.summary;
  if (s?.undoAutomatic) {
    const title = s.undoTitle ?? 'automatic class discovery';
    const n = app.classes.length;
    const question = title.startsWith('automatic class discovery')
      ? `Undo ${title}? This drops the ${n} discovered ${n === 1 ? 'class' : 'classes'}: every segment goes back to unassigned (Redo brings them back).`
      : `Undo ${title}? The segments processing sorted go back to unsorted (Redo brings them back).`;
    if (!(await app.ask(question, 'Undo'))) return;
  }
  const step = await guarded('Undo', () => api.undo());
  if (!step) return;
  app.summary = step;
  app.toast('info', step.gesture ? `Undo: ${step.gesture}` : 'Nothing to undo.');
  await afterClassChange(await api.listClasses());
}

export async function redo(): Promise<void> {
  const step = await guarded('Redo', () => api.redo());
  if (!step) return;
  app.summary = step;
  app.toast('info', step.gesture ? `Redo: ${step.gesture}` : 'Nothing to redo.');
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
