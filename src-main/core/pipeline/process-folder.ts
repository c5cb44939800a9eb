// Processes the pending images of a project one by one: decode, encode (or reuse the cached
// embedding), automatic masks, one embedding per segment, then ONE transaction per image, so a
// crash or kill loses at most the image in progress and the next run resumes without duplicates.
// The next image is read and decoded ahead (prefetch.ts) while the current one is segmented, and
// encoded ahead too where the segmenter offers EncodeAhead (the ONNX segmenter's encoder worker);
// results are still committed strictly in order, one transaction each.
import { join } from 'node:path';
import type { ProgressEvent } from './progress';
import type { AmgOptions } from '../amg/options';
import { embedAmgMasks } from '../embed/segment-embedding';
import { SamanticError } from '../errors';
import { loadImage, type LoadedImage } from '../image/load';
import { rleBboxCoco } from '../mask';
import type { ProjectStore } from '../store/project-store';
import type { NewSegment } from '../store/segments';
import type { AmgMask, ImageEmbedding } from '../types';
import type { ImageSummary } from '../store/images';
import { MISSING_FILE_REASON } from './scan';
import { canEncodeAhead, DEFAULT_PREFETCH_DEPTH, PrefetchQueue, type EncodedAhead } from './prefetch';
import type { Segmenter } from './segmenter';

export interface PhaseTotals {
  /**
   * From starting to read an image to its pixels reaching JavaScript. With prefetch this runs
   * beside the previous image's segmentation and includes waiting for the (busy) JavaScript thread,
   * so it is latency, not cost: what it adds to the wall time is waitMs.
   */
  decodeImageMs: number;
  /** Encoder time on the segmenting thread (images not encoded ahead). */
  encodeMs: number;
  /**
   * Latency of encodes done ahead in the encoder worker, beside the previous image's segmentation:
   * not on the segmenting thread, and inflated by sharing the cores with it (what it adds to the
   * wall time shows in waitMs).
   */
  encodeAheadMs: number;
  amgMs: number;
  decodeModelMs: number;
  embedMs: number;
  dbMs: number;
  /**
   * Time the segmenting loop waited for the next prepared image: the gaps in which the model had
   * nothing to do.
   */
  waitMs: number;
  /** Point prompts the decoder ran on, over all images. */
  decoderPrompts: number;
}

export interface ProcessFolderResult {
  processed: number;
  failed: number;
  encoded: number;
  cacheHits: number;
  segments: number;
  cancelled: boolean;
  phases: PhaseTotals;
  seconds: number;
}

export interface ProcessFolderOptions {
  amg: Partial<AmgOptions>;
  signal?: AbortSignal;
  emit?: (event: ProgressEvent) => void;
  /**
   * Images prepared (decoded; encoded too if the segmenter offers EncodeAhead) ahead of the one
   * being segmented: default DEFAULT_PREFETCH_DEPTH (1); 0 processes strictly one image after the
   * other. Each prepared image holds its pixels in memory until its turn.
   */
  prefetch?: number;
  /** Try the images that failed in earlier runs again (default true). */
  retryFailed?: boolean;
}

export function toNewSegments(masks: readonly AmgMask[], vectors: readonly (Float32Array | null)[]): NewSegment[] {
  const out: NewSegment[] = [];
  masks.forEach((m, i) => {
    const v = vectors[i];
    // An empty mask has no direction to cluster on; the AMG does not produce them, but be safe.
    if (!v || m.area === 0) return;
    out.push({
      rle: m.rle,
      bbox: rleBboxCoco(m.rle),
      area: m.area,
      predictedIou: m.predictedIou,
      stabilityScore: m.stabilityScore,
      point: m.point,
      cropBox: m.cropBox,
      embedding: v,
    });
  });
  return out;
}

/** SQLite errors (busy, locked, disk full, I/O): better-sqlite3 throws SqliteError with a SQLITE_* code. */
function isStoreFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Fewest milliseconds between two "segment" progress events of one image (a UI needs no more). */
export const SEGMENT_PROGRESS_MS = 250;

/**
 * The decoder's progress inside one image as 'segment' phase events: the first report (the encoder
 * is done once points are decoded), then at most one per SEGMENT_PROGRESS_MS, and the last one.
 */
function segmentProgress(
  emit: (e: ProgressEvent) => void,
  at: { imageId: number; relPath: string; index: number; total: number },
  /** The fraction already reported for 'segment' (-1: none yet). */
  sentBefore: number,
): (pointsDone: number, pointsTotal: number) => void {
  let last = sentBefore < 0 ? -Infinity : performance.now();
  let sent = sentBefore;
  return (pointsDone, pointsTotal) => {
    const fraction = pointsTotal > 0 ? Math.min(1, pointsDone / pointsTotal) : 0;
    const now = performance.now();
    if (fraction === sent || (now - last < SEGMENT_PROGRESS_MS && fraction < 1 && sent >= 0)) return;
    last = now;
    sent = fraction;
    emit({ type: 'phase', ...at, phase: 'segment', fraction });
  };
}

/** One image made ready ahead of segmentation. */
interface Prepared {
  loaded: LoadedImage;
  /** Full-image embedding if known before segmenting (from the store's cache, or encoded ahead). */
  embedding: ImageEmbedding | null;
  /** True when this image was encoded here, ahead of segmentation. */
  encodedAhead: boolean;
  decodeMs: number;
  encodeMs: number;
}

export async function processPendingImages(
  store: ProjectStore,
  folder: string,
  segmenter: Segmenter,
  options: ProcessFolderOptions,
): Promise<ProcessFolderResult> {
  const emit = options.emit ?? (() => {});
  // Failed images are tried again on every run: the cause (a wrong model, a file being copied,
  // permissions) is often fixed by then, and one that still fails costs one decode. Images whose
  // file is gone wait for the next folder scan instead.
  const retry =
    options.retryFailed === false ? [] : store.listImages({ status: 'failed' }).filter((img) => img.error !== MISSING_FILE_REASON);
  const pending = [...store.listImages({ status: 'pending' }), ...retry].sort((a, b) => a.id - b.id);
  const phases: PhaseTotals = {
    decodeImageMs: 0,
    encodeMs: 0,
    encodeAheadMs: 0,
    amgMs: 0,
    decodeModelMs: 0,
    embedMs: 0,
    dbMs: 0,
    waitMs: 0,
    decoderPrompts: 0,
  };
  const result: ProcessFolderResult = {
    processed: 0,
    failed: 0,
    encoded: 0,
    cacheHits: 0,
    segments: 0,
    cancelled: false,
    phases,
    seconds: 0,
  };
  const depth = options.prefetch ?? DEFAULT_PREFETCH_DEPTH;
  // With depth 0 the segmenter encodes inside segment(), exactly as a sequential run always did.
  const encodeAhead = depth > 0 && canEncodeAhead(segmenter) ? segmenter : null;
  const keyOf = (img: ImageSummary) => ({
    contentHash: img.contentHash,
    modelId: segmenter.modelId,
    preprocessVersion: segmenter.preprocessVersion,
  });
  // Content hashes encoded ahead in this run and not yet committed. A duplicate photo prepared
  // before its twin is committed is not encoded again: it looks the embedding up in the store when
  // its turn comes, as a sequential run would (the cache holds float16, so sharing the float32
  // array instead would change its masks slightly).
  const ahead = new Set<string>();

  const prepare = async (img: ImageSummary): Promise<Prepared> => {
    let t = performance.now();
    const loaded = await loadImage(join(folder, img.relPath));
    const decodeMs = performance.now() - t;
    const key = keyOf(img);
    const cached = store.getCachedEmbedding(key.contentHash, key.modelId, key.preprocessVersion);
    const base = { loaded, decodeMs, encodeMs: 0, encodedAhead: false };
    if (cached) return { ...base, embedding: cached };
    if (!encodeAhead || ahead.has(img.contentHash)) return { ...base, embedding: null };
    ahead.add(img.contentHash);
    t = performance.now();
    let done: EncodedAhead | null;
    try {
      done = await encodeAhead.encodeFull(loaded.image);
    } catch (err) {
      if (err instanceof SamanticError && err.code === 'cancelled') throw err;
      throw new SamanticError('internal', `Encoding '${img.relPath}' failed: ${reason(err)}`);
    }
    if (!done) {
      ahead.delete(img.contentHash);
      return { ...base, embedding: null };
    }
    return {
      ...base,
      loaded: { ...loaded, image: done.image },
      embedding: done.embedding,
      encodedAhead: true,
      encodeMs: performance.now() - t,
    };
  };

  const started = performance.now();
  emit({ type: 'start', total: pending.length, provider: segmenter.provider });
  const queue = new PrefetchQueue(pending, prepare, { depth, signal: options.signal });
  // Cancel drops an encode running ahead at once (its worker is told to stop) rather than waiting
  // for it: with a large model on the CPU that can take many seconds.
  const stopAhead = () => void encodeAhead?.stopEncodeAhead?.();
  options.signal?.addEventListener('abort', stopAhead, { once: true });
  let done = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      // Say which image is next while it is still being read (and encoded ahead): with a large
      // model that wait is the longest part of an image.
      const coming = pending[done];
      if (coming) {
        const phase = encodeAhead ? 'encode' : 'decode';
        emit({ type: 'phase', imageId: coming.id, relPath: coming.relPath, index: done + 1, total: pending.length, phase });
      }
      const t0 = performance.now();
      const next = await queue.next();
      phases.waitMs += performance.now() - t0;
      if (!next) {
        result.cancelled = options.signal?.aborted === true;
        break;
      }
      const img = next.item;
      let status: 'done' | 'failed' = 'done';
      let error: string | null = null;
      let segmentCount = 0;
      const at = { imageId: img.id, relPath: img.relPath, index: done + 1, total: pending.length };
      try {
        if (img !== coming) emit({ type: 'phase', ...at, phase: 'decode' });
        if (!next.result.ok) throw next.result.error;
        const prep = next.result.value;
        phases.decodeImageMs += prep.decodeMs;
        phases.encodeAheadMs += prep.encodeMs;
        // Prepared ahead without an embedding: an earlier image of this run may have cached it since.
        const key = keyOf(img);
        const late = prep.embedding ? null : store.getCachedEmbedding(key.contentHash, key.modelId, key.preprocessVersion);
        const known = prep.embedding ?? late;
        emit({ type: 'phase', ...at, phase: known ? 'segment' : 'encode', fraction: 0 });
        const onAmgProgress = segmentProgress(emit, at, known ? 0 : -1);
        const seg = await segmenter.segment(prep.loaded.image, {
          amg: options.amg,
          cached: known,
          signal: options.signal,
          onAmgProgress,
        });
        phases.encodeMs += seg.timings.encodeMs;
        phases.amgMs += seg.timings.amgMs;
        phases.decodeModelMs += seg.timings.decodeModelMs;
        phases.decoderPrompts += seg.timings.decoderPrompts ?? 0;
        const encoded = seg.encoded || prep.encodedAhead;
        if (encoded) result.encoded++;
        else result.cacheHits++;

        let t = performance.now();
        const segments = toNewSegments(seg.masks, embedAmgMasks(seg.embedding, seg.masks));
        phases.embedMs += performance.now() - t;

        t = performance.now();
        store.commitImageResult(img.id, segments, {
          embedding: encoded ? { key, embedding: seg.embedding } : undefined,
          width: prep.loaded.width,
          height: prep.loaded.height,
        });
        phases.dbMs += performance.now() - t;
        segmentCount = segments.length;
        result.processed++;
        result.segments += segmentCount;
      } catch (err) {
        if (err instanceof SamanticError && err.code === 'cancelled') {
          result.cancelled = true;
          break;
        }
        // A busy or failing database is not the photo's fault: stop the run, leave it pending.
        if (isStoreFailure(err)) {
          throw new SamanticError(
            'store-error',
            `Could not save the results of '${img.relPath}' to the project (${reason(err)}); it stays pending. Close other programs using the project and process the folder again.`,
          );
        }
        // One bad photo must not stop the folder: record why and go on.
        status = 'failed';
        error = reason(err);
        store.markImageFailed(img.id, error);
        result.failed++;
      } finally {
        // Committed (its twin now finds it in the store) or failed (its twin encodes it itself).
        ahead.delete(img.contentHash);
      }
      done++;
      const elapsed = (performance.now() - started) / 1000;
      const ips = elapsed > 0 ? done / elapsed : 0;
      emit({
        type: 'image',
        imageId: img.id,
        relPath: img.relPath,
        status,
        error,
        segments: segmentCount,
        done,
        total: pending.length,
        imagesPerSecond: ips,
        etaSeconds: ips > 0 ? (pending.length - done) / ips : null,
      });
    }
  } finally {
    options.signal?.removeEventListener('abort', stopAhead);
    // An image prepared ahead may still be encoding: let it finish (or be stopped) before the
    // caller may release the model. Its work is dropped; the image stays pending for the next run.
    await queue.drain();
    // After a cancel no encoder thread outlives the run (the next run starts a new one).
    if (options.signal?.aborted) await encodeAhead?.stopEncodeAhead?.();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
