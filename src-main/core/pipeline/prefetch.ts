// A bounded, in-order prefetch queue: while the consumer works on item i, the loader already
// prepares items i+1 .. i+depth (read and decode the next photo; encode it too where the segmenter
// can do that off the JavaScript thread, see EncodeAhead), so the model never waits for the disk or
// for sharp. Memory stays bounded: at most depth + 1 prepared items exist at a time,
// and a consumed item's result is dropped from the queue at once.
//
// Loads run one after another (never two at once): two encoder runs side by side would only fight
// over the same cores, and one at a time keeps peak memory to one encoder activation.
import { SamanticError } from '../errors';
import type { ImageEmbedding, RgbImage } from '../types';
import type { Segmenter } from './segmenter';

/** How many images the folder processor prepares ahead of the one being segmented (default 1). */
export const DEFAULT_PREFETCH_DEPTH = 1;
/** More than this buys nothing (one load at a time) and holds more decoded photos in memory. */
export const MAX_PREFETCH_DEPTH = 4;

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface PrefetchItem<I, T> {
  item: I;
  index: number;
  result: Settled<T>;
}

export interface PrefetchOptions {
  /** Items prepared ahead of the one being consumed; 0 = strictly sequential (load on demand). */
  depth: number;
  /** Once aborted, no new load starts; loads already running finish (see drain()). */
  signal?: AbortSignal;
}

export function checkPrefetchDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 0 || depth > MAX_PREFETCH_DEPTH) {
    throw new SamanticError(
      'invalid-argument',
      `prefetch depth must be an integer from 0 (sequential) to ${MAX_PREFETCH_DEPTH}, got ${depth}; 1 is enough to keep the model busy.`,
    );
  }
  return depth;
}

export function cancelledError(): SamanticError {
  return new SamanticError('cancelled', 'Processing was cancelled; start it again to continue with the remaining images.');
}

export class PrefetchQueue<I, T> {
  private readonly pending = new Map<number, Promise<Settled<T>>>();
  private chain: Promise<unknown> = Promise.resolve();
  private startedCount = 0;
  private consumed = 0;
  private readonly depth: number;

  constructor(
    private readonly items: readonly I[],
    private readonly load: (item: I, index: number) => Promise<T>,
    private readonly options: PrefetchOptions,
  ) {
    this.depth = checkPrefetchDepth(options.depth);
  }

  /** Starts loads up to index `end` (exclusive), each after the previous one. */
  private fill(end: number): void {
    const limit = Math.min(this.items.length, end);
    while (this.startedCount < limit && !this.options.signal?.aborted) {
      const i = this.startedCount++;
      const run = this.chain.then(() => {
        if (this.options.signal?.aborted) throw cancelledError();
        return this.load(this.items[i], i);
      });
      // Settled at once, so a failed load ahead of the consumer is never an unhandled rejection;
      // it is reported when the consumer reaches that item, in order.
      const settled = run.then(
        (value): Settled<T> => ({ ok: true, value }),
        (error: unknown): Settled<T> => ({ ok: false, error }),
      );
      this.chain = settled;
      this.pending.set(i, settled);
    }
  }

  /** The next item with its load's outcome; null when all are consumed or the signal stopped it. */
  async next(): Promise<PrefetchItem<I, T> | null> {
    if (this.consumed >= this.items.length) return null;
    // The consumer holds nothing now: the item it asks for and `depth` after it may be prepared.
    this.fill(this.consumed + this.depth + 1);
    const i = this.consumed;
    const p = this.pending.get(i);
    if (!p) return null;
    const result = await p;
    this.pending.delete(i);
    this.consumed++;
    // Start preparing the next item(s) before the consumer begins work on this one, at most
    // `depth` beyond it.
    this.fill(this.consumed + this.depth);
    return { item: this.items[i], index: i, result };
  }

  /** Number of loads started but not yet handed to the consumer. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Waits for every load already started and discards the results, so nothing (an encoder run)
   * is still using the model when the caller returns and the model may be released.
   */
  async drain(): Promise<void> {
    await Promise.all(this.pending.values());
    this.pending.clear();
  }
}

/** A full image encoded ahead: its embedding, and the image (its pixels may have travelled). */
export interface EncodedAhead {
  embedding: ImageEmbedding;
  /** Use this image from now on: its pixel buffer may have been transferred away and back. */
  image: RgbImage;
}

/**
 * A segmenter that can encode a full image on its own without disturbing a segmentation in
 * progress; the folder processor then encodes the next image ahead as well as decoding it. Only
 * worth offering when the encoder runs off the JavaScript thread (a worker, a GPU queue):
 * onnxruntime-node 1.30 runs session.run synchronously on the calling thread (dist/backend.js calls
 * binding.run inside a setImmediate; measured: no timer ticks during a run), so an in-process
 * encode "ahead" cannot overlap the decoder's runs. Image decoding (sharp, libuv threads) does
 * overlap, and is always done ahead.
 */
export interface EncodeAhead {
  /**
   * The embedding segment() would compute for this full image (bit for bit), or null when it
   * cannot be encoded ahead now (segment() then encodes it). Rejects for this image only.
   */
  encodeFull(image: RgbImage): Promise<EncodedAhead | null>;
  /** Stops encoding at once (cancel): encodes in flight reject with a 'cancelled' error. */
  stopEncodeAhead?(): Promise<void>;
}

export function canEncodeAhead(s: Segmenter): s is Segmenter & EncodeAhead {
  return typeof (s as Partial<EncodeAhead>).encodeFull === 'function';
}
