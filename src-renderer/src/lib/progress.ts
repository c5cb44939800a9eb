// A processing run as the UI shows it: what each image is at (phase and a fraction within it) and
// the run as a whole, folded from the service's progress events. Plain functions, so they are
// tested without the UI.

import type { ImageStatus, ProgressEvent } from '@contract';

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

export function emptyProgress(): Progress {
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

/**
 * Folds one service event into the progress: a new Progress for 'start', else `p` changed in place
 * (it is the UI's reactive state) and returned.
 */
export function foldEvent(p: Progress, e: ProgressEvent): Progress {
  switch (e.type) {
    case 'start':
      return { ...emptyProgress(), running: true, total: e.total, provider: e.provider, startedAt: Date.now() };
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
  return p;
}

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
