// Mask editing in the image view: the active tool, the prompt being built (points, box, the mask
// SAM returned for it), the brush size, and the operations that call the API. A prompt runs the
// decoder on the image's cached embedding; at most one decode is in flight and the latest request
// wins (hover preview and quick clicks never pile up). Enter commits, Esc drops the draft.

import type { MaskRle, PromptMaskArgs, PromptMaskResult } from '@contract';
import { api, ApiError } from './api';
import * as actions from './actions';
import { app } from './state.svelte';

export type Tool = 'select' | 'point' | 'box' | 'brush' | 'eraser';

/** Brush radius limits (image pixels) and the factor `[` / `]` change it by. */
export const MIN_BRUSH_RADIUS = 1;
export const MAX_BRUSH_RADIUS = 200;
export const BRUSH_STEP = 1.25;

export interface Draft {
  imageId: number;
  /** Refining this segment, or null for a new one. */
  segmentId: number | null;
  points: [number, number][];
  labels: number[];
  box: [number, number, number, number] | null;
  result: PromptMaskResult | null;
}

class EditState {
  tool = $state<Tool>('select');
  brushRadius = $state(8);
  draft = $state.raw<Draft | null>(null);
  /** Mask under the pointer while the point tool waits for a first click. */
  preview = $state.raw<PromptMaskResult | null>(null);
  /** Requests sent / answered, for the UI and tests (data attributes). */
  pending = $state(0);
  decodes = $state(0);
}

export const edit = new EditState();

function message(err: unknown): string {
  return err instanceof ApiError || err instanceof Error ? err.message : String(err);
}

// Single flight: one request on the wire, the newest waiting one replaces any older waiting one.
let inFlight = false;
let waiting: { args: PromptMaskArgs; done: (r: PromptMaskResult | null) => void } | null = null;

async function runPrompt(args: PromptMaskArgs): Promise<PromptMaskResult | null> {
  return new Promise((resolve) => {
    if (waiting) waiting.done(null);
    waiting = { args, done: resolve };
    void pump();
  });
}

async function pump(): Promise<void> {
  if (inFlight || !waiting) return;
  const job = waiting;
  waiting = null;
  inFlight = true;
  edit.pending += 1;
  try {
    const r = await api.promptMask(job.args);
    edit.decodes += 1;
    if (r.encoded) app.toast('info', 'This image had no cached embedding: it was encoded once (later clicks only decode).');
    job.done(r);
  } catch (err) {
    app.toast('error', `Prompt failed: ${message(err)}`);
    job.done(null);
  } finally {
    inFlight = false;
    edit.pending -= 1;
    void pump();
  }
}

export function setTool(tool: Tool): void {
  edit.tool = tool;
  edit.preview = null;
  if (tool === 'select' || tool === 'brush' || tool === 'eraser') edit.draft = null;
  if ((tool === 'brush' || tool === 'eraser') && app.selection.size !== 1) {
    app.toast('info', 'Select one segment, then paint on it with the brush or erase with the eraser.');
  }
}

function newDraft(): Draft | null {
  const imageId = app.currentImageId;
  if (imageId === null) return null;
  // With exactly one segment selected, prompts refine it; otherwise they make a new segment.
  const segmentId = app.selection.size === 1 ? [...app.selection][0] : null;
  return { imageId, segmentId, points: [], labels: [], box: null, result: null };
}

async function decodeDraft(d: Draft): Promise<void> {
  const chained = d.result !== null;
  const r = await runPrompt({
    imageId: d.imageId,
    ...(d.points.length ? { points: d.points, labels: d.labels } : {}),
    ...(d.box ? { box: d.box } : {}),
    ...(d.segmentId !== null ? { segmentId: d.segmentId } : {}),
    continue: chained,
  });
  // A newer draft (or a cancel) may have replaced this one while it decoded.
  if (r && edit.draft && edit.draft.imageId === d.imageId && edit.draft.points.length === d.points.length && edit.draft.box === d.box) {
    edit.draft = { ...edit.draft, result: r };
  }
}

/** Point tool: label 1 = positive (left click), 0 = negative (right or Alt+click). */
export function addPoint(x: number, y: number, label: 0 | 1): void {
  const d = edit.draft ?? newDraft();
  if (!d) return;
  edit.preview = null;
  const next: Draft = { ...d, points: [...d.points, [x, y]], labels: [...d.labels, label] };
  edit.draft = next;
  void decodeDraft(next);
}

/** Box tool: a dragged box, kept with any points already placed. */
export function setBox(x0: number, y0: number, x1: number, y1: number): void {
  const d = edit.draft ?? newDraft();
  if (!d) return;
  const box: [number, number, number, number] = [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
  const next: Draft = { ...d, box };
  edit.draft = next;
  void decodeDraft(next);
}

/** Hover preview: the mask a click here would give (point tool, nothing clicked yet). */
export function hover(x: number, y: number): void {
  if (edit.tool !== 'point' || edit.draft || app.currentImageId === null) return;
  const imageId = app.currentImageId;
  void runPrompt({ imageId, points: [[x, y]] }).then((r) => {
    if (r && edit.tool === 'point' && !edit.draft && app.currentImageId === imageId) edit.preview = r;
  });
}

export function clearPreview(): void {
  edit.preview = null;
}

export function hasDraft(): boolean {
  return edit.draft !== null;
}

/** Esc: drops the prompt being built. */
export function cancelDraft(): void {
  edit.draft = null;
  edit.preview = null;
}

/** Enter: the draft's mask becomes a new segment (class of its nearest labelled segments, or the one class picked in the list), or replaces the refined one. */
export async function commitDraft(): Promise<void> {
  const d = edit.draft;
  if (!d) return;
  if (!d.result) return app.toast('info', 'Wait for the mask to appear, then press Enter.');
  const rle: MaskRle = d.result.rle;
  edit.draft = null;
  try {
    if (d.segmentId !== null) {
      await api.editSegmentMask({ segmentId: d.segmentId, op: 'replace', rle });
      app.toast('success', `Segment ${d.segmentId} updated.`);
    } else {
      const picked = app.selectedClasses.size === 1 ? [...app.selectedClasses][0] : undefined;
      const r = await api.addSegment({
        imageId: d.imageId,
        rle,
        ...(picked !== undefined ? { classId: picked } : {}),
        point: d.points[0],
        score: d.result.score,
      });
      app.setSelection([r.segmentId]);
      const cls = r.classId === null ? 'unassigned' : (app.classById.get(r.classId)?.name ?? `class ${r.classId}`);
      app.toast('success', `Added a segment (${cls}).`);
    }
  } catch (err) {
    app.toast('error', `Saving the mask failed: ${message(err)}`);
  }
  await actions.afterSegmentEdit();
}

/** Brush or eraser stroke on the one selected segment. */
export async function stroke(points: [number, number][], mode: 'brush' | 'erase'): Promise<void> {
  if (app.selection.size !== 1) return app.toast('info', 'Select one segment first; the brush and eraser edit the selected segment.');
  const segmentId = [...app.selection][0];
  try {
    await api.editSegmentMask({ segmentId, op: mode, stroke: { points, radius: edit.brushRadius } });
  } catch (err) {
    app.toast('error', `${mode === 'brush' ? 'Brush' : 'Eraser'} failed: ${message(err)}`);
  }
  await actions.afterSegmentEdit();
}

export function resizeBrush(factor: number): void {
  edit.brushRadius = Math.max(MIN_BRUSH_RADIUS, Math.min(MAX_BRUSH_RADIUS, Math.round(edit.brushRadius * factor * 10) / 10));
}

/** The selected segments (of one image) become one. */
export async function mergeSelection(): Promise<void> {
  const ids = [...app.selection];
  if (ids.length < 2) return app.toast('info', 'Select two or more segments of one object (Shift+click), then merge them.');
  try {
    const s = await api.mergeSegments({ segmentIds: ids });
    app.setSelection([s.id]);
    app.toast('success', `Merged ${ids.length} segments.`);
  } catch (err) {
    app.toast('error', `Merging failed: ${message(err)}`);
  }
  await actions.afterSegmentEdit();
}

/** Deletes the selected segments outright (undo brings them back). */
export async function deleteSelection(): Promise<void> {
  const ids = [...app.selection];
  if (ids.length === 0) return app.toast('info', 'Select segments first, then delete them.');
  try {
    await api.deleteSegments({ segmentIds: ids });
    app.setSelection([]);
  } catch (err) {
    app.toast('error', `Deleting failed: ${message(err)}`);
  }
  await actions.afterSegmentEdit();
}
