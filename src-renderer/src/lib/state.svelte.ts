// The UI's state: what the service last told us (summary, images, classes, the current image's
// segments), what the user is looking at (view, image, selection, hidden classes, opacity) and the
// progress of a processing run. Components read it; they change the project only through the
// named actions in actions.ts, which call the API and then refresh what changed.

import type { ClassInfo, ImageInfo, LookAlike, ProgressEvent, ProjectSummary, SegmentInfo } from '@contract';
import { emptyProgress, foldEvent, type Progress } from './progress';
import { countSelection } from './segment-look';

export { imageFraction, imageStage, runFraction, type ImageProgress, type Progress } from './progress';

export interface Question {
  text: string;
  /** The confirming button's label (a verb: "Undo"). */
  confirm: string;
  resolve: (ok: boolean) => void;
}

export type View = 'start' | 'processing' | 'gallery' | 'image' | 'review';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  text: string;
}

/** How long an info toast stays; errors stay until dismissed so they can be read. */
export const TOAST_MS = 4500;

class AppState {
  summary = $state<ProjectSummary | null>(null);
  images = $state.raw<ImageInfo[]>([]);
  classes = $state.raw<ClassInfo[]>([]);
  view = $state<View>('start');
  currentImageId = $state<number | null>(null);
  /** The current image's segments; background ones (removed on purpose) are in `background`. */
  segments = $state.raw<SegmentInfo[]>([]);
  /** The current image's segments marked as background: drawn, hoverable and restorable on demand. */
  background = $state.raw<SegmentInfo[]>([]);
  showBackground = $state(false);
  /** The image `segments` belong to (null while they load). */
  segmentsImageId = $state<number | null>(null);
  /** Bumped whenever segments of the current image change class, so the canvas re-renders. */
  segmentsVersion = $state(0);
  selection = $state.raw<ReadonlySet<number>>(new Set());
  /** The image of selected segments elsewhere in the folder (from findSegments), for counts per image. */
  selectionImages = $state.raw<ReadonlyMap<number, number>>(new Map());
  /** The gallery shows only images with selected segments. */
  selectedOnly = $state(false);
  selectedClasses = $state.raw<ReadonlySet<number>>(new Set());
  hiddenClasses = $state.raw<ReadonlySet<number>>(new Set());
  classFilter = $state<number | null>(null);
  opacity = $state(0.5);
  showOutlines = $state(true);
  progress = $state<Progress>(emptyProgress());
  toasts = $state<Toast[]>([]);
  helpOpen = $state(false);
  exportOpen = $state(false);
  /** After a segment was moved into a class: its look-alikes, offered for the same move. */
  propagation = $state.raw<{ segmentId: number; classId: number; candidates: LookAlike[] } | null>(null);
  splitClassId = $state<number | null>(null);
  /** A yes/no question the page waits on (ConfirmDialog); answered through answer(). */
  question = $state.raw<Question | null>(null);
  busy = $state<string | null>(null);
  connected = $state(true);

  /** The open folder's own name (the top bar, the start screen's way back). */
  folderName = $derived(this.summary ? (this.summary.folder.split(/[\\/]/).filter(Boolean).pop() ?? this.summary.folder) : '');
  classById = $derived(new Map(this.classes.map((c) => [c.id, c])));
  /** Classes in display order; number keys 1-9 map to the first nine. */
  orderedClasses = $derived([...this.classes].sort((a, b) => a.order - b.order || a.id - b.id));
  currentImage = $derived(this.images.find((i) => i.id === this.currentImageId) ?? null);
  /** Selected segments per image: the current image's from its segments, others' as located. */
  selectionCounts = $derived(
    countSelection(this.selection, this.segmentsImageId, [...this.segments, ...this.background], this.selectionImages),
  );
  filteredImages = $derived(
    this.images.filter(
      (i) =>
        (this.classFilter === null || i.classIds.includes(this.classFilter)) &&
        (!this.selectedOnly || this.selection.size === 0 || this.selectionCounts.has(i.id)),
    ),
  );

  private nextToast = 1;

  /** Asks in the page (not window.confirm, which blocks the page and looks foreign); a newer question declines the older. */
  ask(text: string, confirm: string): Promise<boolean> {
    this.question?.resolve(false);
    return new Promise((resolve) => (this.question = { text, confirm, resolve }));
  }

  answer(ok: boolean): void {
    const q = this.question;
    this.question = null;
    q?.resolve(ok);
  }

  toast(kind: Toast['kind'], text: string): void {
    const id = this.nextToast++;
    this.toasts = [...this.toasts, { id, kind, text }];
    if (kind !== 'error') setTimeout(() => this.dismiss(id), TOAST_MS);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  resetProgress(): void {
    this.progress = emptyProgress();
  }

  /** Folds one service event into the progress state. */
  applyEvent(e: ProgressEvent): void {
    const next = foldEvent(this.progress, e);
    if (next !== this.progress) this.progress = next;
  }

  setSelection(ids: Iterable<number>): void {
    this.selection = new Set(ids);
  }

  toggleSelected(id: number): void {
    const next = new Set(this.selection);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.selection = next;
  }

  toggleClassSelected(id: number, additive: boolean): void {
    const next = new Set(additive ? this.selectedClasses : []);
    if (additive && next.has(id)) next.delete(id);
    else next.add(id);
    this.selectedClasses = next;
  }

  toggleHidden(id: number): void {
    const next = new Set(this.hiddenClasses);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.hiddenClasses = next;
  }

  /** Drops selected/hidden classes that no longer exist (after merge, undo...). */
  pruneClassSets(): void {
    const ids = new Set(this.classes.map((c) => c.id));
    const keep = (s: ReadonlySet<number>) => new Set([...s].filter((id) => ids.has(id)));
    this.selectedClasses = keep(this.selectedClasses);
    this.hiddenClasses = keep(this.hiddenClasses);
    if (this.classFilter !== null && !ids.has(this.classFilter)) this.classFilter = null;
  }
}

export const app = new AppState();

/** "1 m 05 s" style durations for ETAs. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
