// Synthetic pizza photos with exact instance ground truth, for tests and quality benchmarks that
// need to know what the right segmentation is. Seeded and deterministic: the same options always
// give the same pixels and masks, on any machine.

import type { BinaryMask, BoxXYWH, RgbImage } from '../../core/types';
import type { PizzaCategory } from './categories';
import { layoutScene, LAYOUT_DEFAULTS } from './layout';
import { paintScene } from './paint';

export { LAYOUT_DEFAULTS };

export { isThing, PIZZA_CATEGORIES, STUFF_CATEGORIES, THING_CATEGORIES, type PizzaCategory } from './categories';

export interface PizzaSceneOptions {
  /** Any finite number; equal seeds give identical scenes. */
  seed: number;
  /** Default 768. */
  width?: number;
  /** Default 576. */
  height?: number;
}

export interface PizzaInstance {
  /** 1-based, unique within the scene; also the value of `labelMap` where this instance shows. */
  id: number;
  category: PizzaCategory;
  /** The VISIBLE part after occlusion by toppings drawn later; masks of a scene are disjoint. */
  mask: BinaryMask;
  /** pycocotools convention: [x0, y0, x1 - x0 + 1, y1 - y0 + 1] with x1, y1 the last pixel (inclusive). */
  bbox: BoxXYWH;
  /** Number of mask pixels. */
  area: number;
}

export interface PizzaScene {
  image: RgbImage;
  /** Board, crust and cheese first (one instance each), then pepperoni, olives and basil. */
  instances: PizzaInstance[];
  /** Row-major instance id per pixel: every pixel belongs to exactly one instance. */
  labelMap: Int32Array;
}

export const PIZZA_DEFAULT_WIDTH = 768;
export const PIZZA_DEFAULT_HEIGHT = 576;
/**
 * Below this the smallest toppings (olives, about 4% of the pizza radius) shrink to a few pixels
 * and stop being meaningful instances.
 */
export const PIZZA_MIN_SIDE = 96;
/** Above this a single scene would allocate hundreds of MB; nobody needs it for tests. */
export const PIZZA_MAX_SIDE = 8192;

function checkSide(name: string, v: number): number {
  if (!Number.isInteger(v) || v < PIZZA_MIN_SIDE || v > PIZZA_MAX_SIDE) {
    throw new RangeError(
      `generatePizzaScene: ${name} must be an integer from ${PIZZA_MIN_SIDE} to ${PIZZA_MAX_SIDE} pixels, got ${v}; pass a size in that range.`,
    );
  }
  return v;
}

/** Per-instance binary masks, pixel counts and tight boxes from a label map, in one pass. */
function masksFromLabels(
  labels: Int32Array,
  width: number,
  height: number,
  ids: number[],
): Map<number, Omit<PizzaInstance, 'id' | 'category'>> {
  const out = new Map<number, Omit<PizzaInstance, 'id' | 'category'>>();
  const box = new Map<number, [number, number, number, number]>();
  for (const id of ids) {
    out.set(id, { mask: { width, height, data: new Uint8Array(width * height) }, bbox: [0, 0, 0, 0], area: 0 });
    box.set(id, [Infinity, Infinity, -Infinity, -Infinity]);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const id = labels[p] as number;
      const rec = out.get(id);
      const b = box.get(id);
      if (!rec || !b) continue;
      rec.mask.data[p] = 1;
      rec.area++;
      if (x < b[0]) b[0] = x;
      if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x;
      if (y > b[3]) b[3] = y;
    }
  }
  for (const [id, rec] of out) {
    const b = box.get(id) as [number, number, number, number];
    if (rec.area > 0) rec.bbox = [b[0], b[1], b[2] - b[0] + 1, b[3] - b[1] + 1];
  }
  return out;
}

/**
 * Paints a pizza on a wooden board: crust ring, cheese, 6-14 pepperoni, 3-8 olive slices (rings
 * with cheese showing through), 2-6 basil leaves, some touching and some partly covered (basil and
 * olives may lie over pepperoni; every topping keeps at least half of itself visible).
 */
export function generatePizzaScene(options: PizzaSceneOptions): PizzaScene {
  const width = checkSide('width', options.width ?? PIZZA_DEFAULT_WIDTH);
  const height = checkSide('height', options.height ?? PIZZA_DEFAULT_HEIGHT);
  const layout = layoutScene(options.seed, width, height);
  const image = paintScene(layout);
  const recs = masksFromLabels(
    layout.labels,
    width,
    height,
    layout.instances.map((i) => i.id),
  );
  const instances: PizzaInstance[] = [];
  for (const inst of layout.instances) {
    const rec = recs.get(inst.id);
    // Cannot happen with the visible-fraction rule, but an empty mask is no instance at all.
    if (!rec || rec.area === 0) continue;
    instances.push({ id: inst.id, category: inst.category, ...rec });
  }
  return { image, instances, labelMap: layout.labels };
}
