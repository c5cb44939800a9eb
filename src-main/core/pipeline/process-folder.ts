// Processes the pending images of a project one by one: decode, encode (or reuse the cached
// embedding), automatic masks, one embedding per segment, then ONE transaction per image, so a
// crash or kill loses at most the image in progress and the next run resumes without duplicates.
import { join } from 'node:path';
import type { ProgressEvent } from '../api/contract';
import type { AmgOptions } from '../amg/options';
import { embedAmgMasks } from '../embed/segmentEmbedding';
import { SamanticError } from '../errors';
import { loadImage } from '../image/load';
import { rleBboxCoco } from '../mask';
import type { ProjectStore } from '../store/project-store';
import type { NewSegment } from '../store/segments';
import type { AmgMask } from '../types';
import type { Segmenter } from './segmenter';

export interface PhaseTotals {
  decodeImageMs: number;
  encodeMs: number;
  amgMs: number;
  decodeModelMs: number;
  embedMs: number;
  dbMs: number;
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

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function processPendingImages(
  store: ProjectStore,
  folder: string,
  segmenter: Segmenter,
  options: ProcessFolderOptions,
): Promise<ProcessFolderResult> {
  const emit = options.emit ?? (() => {});
  const pending = store.listImages({ status: 'pending' });
  const phases: PhaseTotals = { decodeImageMs: 0, encodeMs: 0, amgMs: 0, decodeModelMs: 0, embedMs: 0, dbMs: 0 };
  const result: ProcessFolderResult = {
    processed: 0, failed: 0, encoded: 0, cacheHits: 0, segments: 0, cancelled: false, phases, seconds: 0,
  };
  const started = performance.now();
  emit({ type: 'start', total: pending.length, provider: segmenter.provider });
  let done = 0;
  for (const img of pending) {
    if (options.signal?.aborted) {
      result.cancelled = true;
      break;
    }
    const file = join(folder, img.relPath);
    let status: 'done' | 'failed' = 'done';
    let error: string | null = null;
    let segmentCount = 0;
    try {
      emit({ type: 'phase', imageId: img.id, relPath: img.relPath, phase: 'decode' });
      let t = performance.now();
      const loaded = await loadImage(file);
      phases.decodeImageMs += performance.now() - t;

      const key = { contentHash: img.contentHash, modelId: segmenter.modelId, preprocessVersion: segmenter.preprocessVersion };
      const cached = store.getCachedEmbedding(key.contentHash, key.modelId, key.preprocessVersion);
      emit({ type: 'phase', imageId: img.id, relPath: img.relPath, phase: cached ? 'segment' : 'encode' });
      const seg = await segmenter.segment(loaded.image, { amg: options.amg, cached, signal: options.signal });
      phases.encodeMs += seg.timings.encodeMs;
      phases.amgMs += seg.timings.amgMs;
      phases.decodeModelMs += seg.timings.decodeModelMs;
      if (seg.encoded) result.encoded++;
      else result.cacheHits++;

      t = performance.now();
      const segments = toNewSegments(seg.masks, embedAmgMasks(seg.embedding, seg.masks));
      phases.embedMs += performance.now() - t;

      t = performance.now();
      store.commitImageResult(img.id, segments, {
        embedding: seg.encoded ? { key, embedding: seg.embedding } : undefined,
        width: loaded.width,
        height: loaded.height,
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
      // One bad photo must not stop the folder: record why and go on.
      status = 'failed';
      error = reason(err);
      store.markImageFailed(img.id, error);
      result.failed++;
    }
    done++;
    const elapsed = (performance.now() - started) / 1000;
    const ips = elapsed > 0 ? done / elapsed : 0;
    emit({
      type: 'image', imageId: img.id, relPath: img.relPath, status, error, segments: segmentCount,
      done, total: pending.length, imagesPerSecond: ips,
      etaSeconds: ips > 0 ? (pending.length - done) / ips : null,
    });
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
