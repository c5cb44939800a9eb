// One interactive prompting session per open project: its own model instance (its own decoder
// session, so a click is never queued behind the automatic generator's decoder batches), the
// image embedding from the project's cache (encoded only when the image has none yet, which the
// result reports), and the low-res logits of the last step, which the next click of the same
// interaction passes back as mask_input.
import { join } from 'node:path';
import { SamanticError } from '../errors';
import { loadImage } from '../image/load';
import { rleToMask } from '../mask';
import { embeddingCacheVersion } from '../model/descriptor';
import { interiorPoint } from '../model/interior-point';
import type { SamModel } from '../model/runtime';
import type { EmbeddingCacheKey, ProjectStore } from '../store/project-store';
import type { BoxXYWH, ImageEmbedding, Rle } from '../types';
import { decodeInteractive, layoutFor, maskToLowResLogits } from './interactive';
import { requireRecord } from './edits';

/**
 * Memory for image embeddings already read, least recently clicked evicted first: 16 SAM 1
 * embeddings (4 MB each), 4 of SAM 2 (with its high-resolution maps), so flipping back to a photo
 * annotated a moment ago does not read and widen its embedding again (10-25 ms of a click).
 */
export const EMBEDDING_MEMORY_BYTES = 64 * 1024 * 1024;

function embeddingBytes(e: ImageEmbedding): number {
  return e.data.byteLength + (e.extras ?? []).reduce((n, f) => n + f.data.byteLength, 0);
}

export interface PromptRequest {
  imageId: number;
  /** Original image pixels. */
  points?: ReadonlyArray<readonly [number, number]>;
  /** 1 positive, 0 negative, one per point; default all positive. */
  labels?: readonly number[];
  /** [x0, y0, x1, y1], original image pixels. */
  box?: readonly [number, number, number, number];
  /** Refine this segment: its mask is the first mask_input (and a point inside it the first positive click). */
  segmentId?: number;
  /** Chain on the previous step of this interaction (same image and segment): its logits become mask_input. */
  continue?: boolean;
}

export interface PromptResult {
  imageId: number;
  rle: Rle;
  area: number;
  bbox: BoxXYWH;
  score: number;
  /** True when the image had no cached embedding and was encoded for this prompt. */
  encoded: boolean;
}

interface LastStep {
  imageId: number;
  segmentId: number | null;
  lowRes: Float32Array;
}

function invalid(message: string): SamanticError {
  return new SamanticError('invalid-argument', `promptMask: ${message}`);
}

/** Checks a prompt against the image's size; every failure names what is wrong. */
export function checkPrompt(req: PromptRequest, width: number, height: number): void {
  const points = req.points ?? [];
  if (points.length === 0 && !req.box && req.segmentId === undefined) {
    throw invalid('give at least one point or a box: click on the object or drag a box around it.');
  }
  if (req.labels && req.labels.length !== points.length)
    throw invalid(`${points.length} points but ${req.labels.length} labels; give one label per point.`);
  (req.labels ?? []).forEach((l, i) => {
    if (l !== 0 && l !== 1) throw invalid(`label ${i} is ${l}; use 1 for a positive point, 0 for a negative one.`);
  });
  points.forEach(([x, y], i) => {
    if (!(x >= 0 && x <= width && y >= 0 && y <= height)) {
      throw invalid(`point ${i} (${x}, ${y}) is outside the ${width}x${height} image; click on the image.`);
    }
  });
  if (req.box) {
    const [x0, y0, x1, y1] = req.box;
    if (!(x1 > x0 && y1 > y0)) throw invalid(`the box [${req.box.join(', ')}] is empty; drag from one corner to the opposite one.`);
    if (!(x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height)) {
      throw invalid(`the box [${req.box.join(', ')}] reaches outside the ${width}x${height} image; draw it on the image.`);
    }
  }
}

export class PromptSession {
  private model: Promise<SamModel> | null = null;
  private readonly embeddings = new Map<string, ImageEmbedding>();
  private last: LastStep | null = null;

  /**
   * `onEncoded`: receives an embedding encoded here that the store could not keep (read-only, as
   * in the prompt worker), so the project's writer can cache it and processing does not encode
   * the image again.
   */
  constructor(
    private readonly open: () => Promise<SamModel>,
    private readonly modelId: string,
    private readonly onEncoded: (key: EmbeddingCacheKey, embedding: ImageEmbedding) => void = () => {},
  ) {}

  private loaded(): Promise<SamModel> {
    this.model ??= this.open().catch((err: unknown) => {
      this.model = null;
      throw err;
    });
    return this.model;
  }

  /** The image's embedding: memory, else the project's cache, else the encoder (then cached). */
  async embedding(store: ProjectStore, folder: string, imageId: number): Promise<{ embedding: ImageEmbedding; encoded: boolean }> {
    const found = await this.held(store, imageId);
    if (found.embedding) return { embedding: found.embedding, encoded: false };
    const image = store.getImage(imageId)!;
    const model = await this.loaded();
    const loaded = await loadImage(join(folder, image.relPath));
    const embedding = await model.encode(loaded.image);
    // Read-only beside the project's writer: kept in memory here, and handed to the writer.
    if (!store.readOnly) store.putCachedEmbedding(found.key, embedding);
    else this.onEncoded(found.key, embedding);
    this.remember(found.memo, embedding);
    return { embedding, encoded: true };
  }

  /**
   * Loads the decoder, the image's cached embedding and its upsampling layout ahead of its first
   * click (never the encoder); false when the image has no cached embedding yet.
   */
  async prepare(store: ProjectStore, imageId: number): Promise<boolean> {
    const { embedding } = await this.held(store, imageId);
    if (!embedding) return false;
    const model = await this.loaded();
    layoutFor(embedding, model.decoder.lowResSize);
    // One throw-away decode: the runtime sizes its buffers for this image's frame, off the first click.
    const { origWidth: w, origHeight: h } = embedding.transform;
    await decodeInteractive(model, embedding, { points: [[w / 2, h / 2]], labels: [1], previous: null });
    return true;
  }

  /** The image's embedding from memory or the project's cache (then remembered), else null. */
  private async held(store: ProjectStore, imageId: number) {
    const image = store.getImage(imageId);
    if (!image) throw new SamanticError('not-found', `Image ${imageId} is not in the project; reload the image list.`);
    const model = await this.loaded();
    const key = { contentHash: image.contentHash, modelId: this.modelId, preprocessVersion: embeddingCacheVersion(model.descriptor) };
    const memo = `${key.contentHash}/${key.modelId}/${key.preprocessVersion}`;
    const inMemory = this.embeddings.get(memo);
    if (inMemory) {
      this.embeddings.delete(memo);
      this.embeddings.set(memo, inMemory);
      return { key, memo, embedding: inMemory };
    }
    const cached = store.getCachedEmbedding(key.contentHash, key.modelId, key.preprocessVersion);
    if (cached) this.remember(memo, cached);
    return { key, memo, embedding: cached };
  }

  private remember(memo: string, embedding: ImageEmbedding): void {
    this.embeddings.set(memo, embedding);
    let bytes = [...this.embeddings.values()].reduce((n, e) => n + embeddingBytes(e), 0);
    // The one just read always stays, whatever its size.
    while (this.embeddings.size > 1 && bytes > EMBEDDING_MEMORY_BYTES) {
      const oldest = this.embeddings.keys().next().value as string;
      bytes -= embeddingBytes(this.embeddings.get(oldest)!);
      this.embeddings.delete(oldest);
    }
  }

  /** One interactive step. */
  async prompt(store: ProjectStore, folder: string, req: PromptRequest): Promise<PromptResult> {
    const image = store.getImage(req.imageId);
    if (!image) throw new SamanticError('not-found', `Image ${req.imageId} is not in the project; reload the image list.`);
    const segment = req.segmentId === undefined ? null : requireRecord(store, req.segmentId);
    if (segment && segment.imageId !== req.imageId) throw invalid(`segment ${req.segmentId} is not on image ${req.imageId}.`);
    const { embedding, encoded } = await this.embedding(store, folder, req.imageId);
    const { origWidth: w, origHeight: h } = embedding.transform;
    checkPrompt(req, w, h);
    const model = await this.loaded();
    const segmentId = req.segmentId ?? null;
    const chained =
      req.continue && this.last && this.last.imageId === req.imageId && this.last.segmentId === segmentId ? this.last.lowRes : null;
    let points = [...(req.points ?? [])];
    let labels = req.labels ? [...req.labels] : points.map(() => 1);
    let previous = chained;
    if (segment) {
      // Refining starts from the segment itself: its mask as mask_input, a point inside it as a positive click.
      const inside = interiorPoint(rleToMask(segment.rle));
      if (inside) {
        points = [[inside[0] + 0.5, inside[1] + 0.5], ...points];
        labels = [1, ...labels];
      }
      previous ??= maskToLowResLogits(segment.rle, embedding, model.decoder.lowResSize);
    }
    const r = await decodeInteractive(model, embedding, { points, labels, box: req.box, previous });
    this.last = { imageId: req.imageId, segmentId, lowRes: r.lowRes };
    return { imageId: req.imageId, rle: r.rle, area: r.area, bbox: r.bbox, score: r.score, encoded };
  }

  /** Forgets the chain (Esc, or a committed mask). */
  reset(): void {
    this.last = null;
  }

  async close(): Promise<void> {
    const m = this.model;
    this.model = null;
    this.embeddings.clear();
    this.last = null;
    if (m) await (await m.catch(() => null))?.release();
  }
}
