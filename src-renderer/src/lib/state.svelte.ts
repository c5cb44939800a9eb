// The UI's state: what the service last told us (summary, images, classes, the current image's
// segments), what the user is looking at (view, image, selection, hidden classes, opacity) and the
// progress of a processing run. Components read it; they change the project only through the
// named actions in actions.ts, which call the API and then refresh what changed.

import type { ClassInfo, ImageInfo, ImageStatus, LookAlike, ProgressEvent, ProjectSummary, SegmentInfo } from '@contract';

export type View = 'start' | 'processing' | 'gallery' | 'image' | 'review';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'success';
  text: string;
}

export interface ImageProgress {
  /** 'cancelled': it was being worked on when the run was cancelled; it is pending again. */
  status: ImageStatus | 'working' | 'cancelled';
  phase: string | null;
  /** Share of the phase done, 0..1, where the pipeline reports it (segment). */
  fraction: number | null;
  error: string | null;
  segments: number;
}

export interface Progress {
  running: boolean;
  total: number;
  done: number;
  failed: number;
  provider: string | null;
  current: string | null;
  phase: string | null;
  imagesPerSecond: number;
  etaSeconds: number | null;
  clustering: boolean;
  startedAt: number;
  finished: { seconds: number; cancelled: boolean; classes: number } | null;
  perImage: Record<number, ImageProgress>;
}

/** How long an info toast stays; errors stay until dismissed so they can be read. */
export const TOAST_MS = 4500;

function emptyProgress(): Progress {
  return {
    running: false,
    total: 0,
    done: 0,
    failed: 0,
    provider: null,
    current: null,
    phase: null,
    imagesPerSecond: 0,
    etaSeconds: null,
    clustering: false,
    startedAt: 0,
    finished: null,
    perImage: {},
  };
}

class AppState {
  summary = $state<ProjectSummary | null>(null);
  images = $state.raw<ImageInfo[]>([]);
  classes = $state.raw<ClassInfo[]>([]);
  view = $state<View>('start');
  currentImageId = $state<number | null>(null);
  segments = $state.raw<SegmentInfo[]>([]);
  /** The image `segments` belong to (null while they load). */
  segmentsImageId = $state<number | null>(null);
  /** Bumped whenever segments of the current image change class, so the canvas re-renders. */
  segmentsVersion = $state(0);
  selection = $state.raw<ReadonlySet<number>>(new Set());
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
  busy = $state<string | null>(null);
  connected = $state(true);

  classById = $derived(new Map(this.classes.map((c) => [c.id, c])));
  /** Classes in display order; number keys 1-9 map to the first nine. */
  orderedClasses = $derived([...this.classes].sort((a, b) => a.order - b.order || a.id - b.id));
  currentImage = $derived(this.images.find((i) => i.id === this.currentImageId) ?? null);
  filteredImages = $derived(this.classFilter === null ? this.images : this.images.filter((i) => i.classIds.includes(this.classFilter!)));

  private nextToast = 1;

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
    const p = this.progress;
    switch (e.type) {
      case 'start':
        this.progress = { ...emptyProgress(), running: true, total: e.total, provider: e.provider, startedAt: Date.now() };
        break;
      case 'phase':
        p.running = true;
        p.current = e.relPath;
        p.phase = e.phase;
        p.perImage[e.imageId] = { status: 'working', phase: e.phase, fraction: e.fraction ?? null, error: null, segments: 0 };
        // A page opened mid-run learns where the run is from the first event it sees.
        if (e.total !== undefined) p.total = e.total;
        if (e.index !== undefined) p.done = Math.max(p.done, e.index - 1);
        break;
      case 'image':
        p.running = true;
        p.done = e.done;
        p.total = e.total;
        if (e.status === 'failed') p.failed += 1;
        p.imagesPerSecond = e.imagesPerSecond;
        p.etaSeconds = e.etaSeconds;
        p.perImage[e.imageId] = { status: e.status, phase: null, fraction: null, error: e.error, segments: e.segments };
        break;
      case 'clustering':
        p.clustering = true;
        p.current = null;
        p.phase = 'clustering';
        break;
      case 'done':
        p.running = false;
        p.clustering = false;
        p.current = null;
        p.phase = null;
        p.finished = { seconds: e.seconds, cancelled: e.cancelled, classes: e.classes };
        // The image in hand when the run stopped is pending again, not still "segment".
        for (const [id, st] of Object.entries(p.perImage)) {
          if (st.status === 'working')
            p.perImage[Number(id)] = { ...st, status: e.cancelled ? 'cancelled' : 'pending', phase: null, fraction: null };
        }
        break;
    }
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

/** Share of a phase of one image in its whole processing time (rough, for the progress bars). */
const PHASE_WEIGHT: Record<string, [start: number, share: number]> = { decode: [0, 0.05], encode: [0.05, 0.2], segment: [0.25, 0.75] };

/** How far one image is, 0..1, from its phase and the fraction within it. */
export function imageFraction(st: ImageProgress | undefined): number {
  if (!st) return 0;
  if (st.status === 'done' || st.status === 'failed') return 1;
  if (st.status !== 'working' || !st.phase) return 0;
  const [start, share] = PHASE_WEIGHT[st.phase] ?? [0, 0];
  return start + share * (st.fraction ?? 0);
}

/** The run's progress, 0..1: finished images plus how far the ones in hand are. */
export function runFraction(p: Progress): number {
  if (p.total <= 0) return 0;
  let inHand = 0;
  for (const st of Object.values(p.perImage)) if (st.status === 'working') inHand += imageFraction(st);
  return Math.min(1, (p.done + inHand) / p.total);
}

/** "segment 45 %", "decode", "pending": what one image is at, for badges. */
export function imageStage(st: ImageProgress | undefined, fallback: string): string {
  if (!st) return fallback;
  if (st.status === 'working')
    return `${st.phase ?? 'working'}${st.fraction !== null && st.phase === 'segment' ? ` ${Math.floor(100 * st.fraction)} %` : ''}`;
  return st.status;
}

/** "1 m 05 s" style durations for ETAs. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
