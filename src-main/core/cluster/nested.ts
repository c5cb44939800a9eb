// Nested segments. SAM returns wholes and their parts: the pizza and each pepperoni on it, the
// whole table and the plates, the whole picture. A whole's embedding averages its parts, so it
// sits between its parts' classes and the whole's own material; clustered together with the parts
// it joins a part's class or chains two classes into one.
//
// Choice: "things" and "containers" are clustered SEPARATELY. A segment is a container when it
// covers more than `largeSegmentFraction` of its image (background, sky, table, the whole frame),
// or when, given bounding boxes, it contains at least `containerMinParts` other segments of its
// image (a pizza with its toppings). Containers still form classes among themselves (pizzas of
// several photos are alike), but never merge with a class of parts. 'exclude' drops them instead
// (label -1), 'none' clusters everything together (the seed's behaviour).

import { SamanticError } from '../errors';

export interface SegmentMeta {
  imageId: number;
  /** Mask area in pixels. */
  area: number;
  /** width x height of the segment's image, in pixels. */
  imageArea: number;
  /** Optional [x, y, w, h] box (any one convention for all segments), enables the parts rule. */
  bbox?: [number, number, number, number];
}

export type NestedMode = 'separate' | 'exclude' | 'none';

export interface NestedOptions {
  /** Default 'separate'. */
  nested?: NestedMode;
  /**
   * A segment covering MORE than this fraction of its image is a container. Default 0.5: in photo
   * collections a mask over half the frame is background or a surface far more often than an
   * instance of a repeated object class.
   */
  largeSegmentFraction?: number;
  /** With bboxes: containing at least this many other segments makes a container. Default 3. */
  containerMinParts?: number;
  /**
   * A segment counts as a part of another only if its area is at most this fraction of the
   * other's, so two near-identical masks (SAM's multimask outputs) do not contain each other.
   * Default 0.5.
   */
  partMaxAreaRatio?: number;
}

export const DEFAULT_LARGE_SEGMENT_FRACTION = 0.5;
export const DEFAULT_CONTAINER_MIN_PARTS = 3;
export const DEFAULT_PART_MAX_AREA_RATIO = 0.5;

function fail(message: string): never {
  throw new SamanticError('invalid-argument', message);
}

export function checkMeta(meta: readonly SegmentMeta[], n: number, what: string): void {
  if (!Array.isArray(meta) || meta.length !== n) {
    fail(`${what}: meta has ${Array.isArray(meta) ? meta.length : 'no'} entries for ${n} vectors; give one per segment`);
  }
  meta.forEach((m, i) => {
    if (!(m.imageArea > 0) || !(m.area >= 0) || !Number.isFinite(m.area) || !Number.isFinite(m.imageArea)) {
      fail(`${what}: segment #${i} has area ${m.area} in an image of area ${m.imageArea}; both must be finite, the image's > 0`);
    }
    if (m.bbox && (m.bbox.length !== 4 || !m.bbox.every(Number.isFinite))) {
      fail(`${what}: segment #${i} has bbox ${JSON.stringify(m.bbox)}; expected [x, y, w, h]`);
    }
  });
}

function inside(part: [number, number, number, number], whole: [number, number, number, number]): boolean {
  return part[0] >= whole[0] && part[1] >= whole[1] && part[0] + part[2] <= whole[0] + whole[2] && part[1] + part[3] <= whole[1] + whole[3];
}

/** Number of other segments of the same image inside each segment's box (0 without boxes). */
export function countParts(meta: readonly SegmentMeta[], partMaxAreaRatio = DEFAULT_PART_MAX_AREA_RATIO): Int32Array {
  const parts = new Int32Array(meta.length);
  const byImage = new Map<number, number[]>();
  meta.forEach((m, i) => {
    if (!m.bbox) return;
    const list = byImage.get(m.imageId);
    if (list) list.push(i);
    else byImage.set(m.imageId, [i]);
  });
  for (const list of byImage.values()) {
    for (const w of list) {
      const whole = meta[w];
      for (const p of list) {
        const part = meta[p];
        if (p !== w && part.area <= partMaxAreaRatio * whole.area && inside(part.bbox!, whole.bbox!)) parts[w]++;
      }
    }
  }
  return parts;
}

/** 1 for containers, 0 for things (all 0 when nested is 'none'). */
export function findContainers(meta: readonly SegmentMeta[], options: NestedOptions = {}): Uint8Array {
  const mode = options.nested ?? 'separate';
  const out = new Uint8Array(meta.length);
  if (mode === 'none') return out;
  const frac = options.largeSegmentFraction ?? DEFAULT_LARGE_SEGMENT_FRACTION;
  const minParts = options.containerMinParts ?? DEFAULT_CONTAINER_MIN_PARTS;
  if (!(frac > 0 && frac <= 1)) fail(`clustering: largeSegmentFraction must be in (0, 1], got ${frac}`);
  if (!Number.isInteger(minParts) || minParts < 1) fail(`clustering: containerMinParts must be an integer >= 1, got ${minParts}`);
  const parts = countParts(meta, options.partMaxAreaRatio ?? DEFAULT_PART_MAX_AREA_RATIO);
  meta.forEach((m, i) => {
    if (m.area / m.imageArea > frac || parts[i] >= minParts) out[i] = 1;
  });
  return out;
}
