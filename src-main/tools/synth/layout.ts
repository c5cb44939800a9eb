// Where everything on the synthetic pizza goes. Instances are painted into a label map in drawing
// order (board, crust, cheese, pepperoni, olives, basil), so a later topping hides an earlier one
// and the label map IS the visible-part ground truth: masks are disjoint by construction.

import type { PizzaCategory } from './categories';
import { createRng, type Rng } from '../../core/util/random';
import {
  insideWobbly,
  rasterize,
  wobblyMaxRadius,
  wobblyMinRadius,
  type DiscShape,
  type LeafShape,
  type RingShape,
  type ToppingShape,
  type WobblyCircle,
} from './shapes';

/** Tunables of the scene layout. Sizes are fractions of the pizza radius so scenes scale with the image. */
export const LAYOUT_DEFAULTS = {
  /** Pizza radius as a fraction of min(width, height): room for a rim of board on every side. */
  pizzaRadius: [0.4, 0.45] as const,
  /** Cheese radius as a fraction of the pizza radius; the rest is crust. */
  cheeseRadius: [0.84, 0.88] as const,
  pepperoniCount: [6, 14] as const,
  basilCount: [2, 6] as const,
  oliveCount: [3, 8] as const,
  pepperoniRadius: [0.09, 0.14] as const,
  oliveRadius: [0.045, 0.06] as const,
  /** Olive hole radius as a fraction of the olive radius. */
  oliveHole: [0.35, 0.45] as const,
  basilHalfLength: [0.1, 0.16] as const,
  /** Leaf half-width as a fraction of its half-length. */
  basilAspect: [0.42, 0.55] as const,
  /**
   * A topping may hide at most this share of an earlier topping: every thing keeps at least half
   * its own area visible, so it stays a recognisable instance rather than a sliver.
   */
  minVisibleFraction: 0.5,
  /** Chance that a pepperoni is placed touching one already there (touching, not overlapping). */
  pepperoniTouchChance: 0.3,
  /** Chance that an olive is placed across the edge of a pepperoni (the olive on top). */
  oliveOnPepperoniChance: 0.3,
  /** Chance that a basil leaf (after the first, which always tries) is placed across a pepperoni. */
  basilOnPepperoniChance: 0.5,
  /** Rejection-sampling budget per topping before it is shrunk and tried again. */
  attemptsPerSize: 150,
} as const;

/** One entry of the layout: its label value, what it is, and what the painter needs. */
export interface PlacedInstance {
  id: number;
  category: PizzaCategory;
  /** The full (unoccluded) shape of a topping; absent for board, crust and cheese. */
  shape?: ToppingShape;
  /** Per-instance random in [0, 1) that varies tone (olive colour, pepperoni darkness, ...). */
  variant: number;
}

export interface SceneLayout {
  width: number;
  height: number;
  seed: number;
  /** Per pixel (row-major) the id of the instance visible there; every pixel has one. */
  labels: Int32Array;
  instances: PlacedInstance[];
  pizza: WobblyCircle;
  cheese: WobblyCircle;
  /** Board planks run horizontally (true) or vertically. */
  planksHorizontal: boolean;
  plankWidth: number;
}

function wobbly(rng: Rng, cx: number, cy: number, radius: number, maxAmp: number): WobblyCircle {
  const amplitudes = [rng.uniform(0, maxAmp), rng.uniform(0, maxAmp), rng.uniform(0, maxAmp / 2)];
  const phases = amplitudes.map(() => rng.uniform(0, 2 * Math.PI));
  return { cx, cy, radius, amplitudes, phases };
}

interface PlacementState {
  labels: Int32Array;
  categoryOf: PizzaCategory[];
  fullArea: number[];
  visibleArea: number[];
}

/**
 * Whether `pixels` may be painted on top of what is there: only over cheese or over the listed
 * categories, and without leaving any covered topping under `minVisibleFraction` of its area.
 */
function canPlace(state: PlacementState, pixels: Int32Array, mayCover: readonly PizzaCategory[]): boolean {
  if (pixels.length === 0) return false;
  const covered = new Map<number, number>();
  for (let i = 0; i < pixels.length; i++) {
    const id = state.labels[pixels[i] as number] as number;
    const cat = state.categoryOf[id];
    if (cat === 'cheese') continue;
    if (cat === undefined || !mayCover.includes(cat)) return false;
    covered.set(id, (covered.get(id) ?? 0) + 1);
  }
  for (const [id, n] of covered) {
    const left = (state.visibleArea[id] as number) - n;
    if (left < LAYOUT_DEFAULTS.minVisibleFraction * (state.fullArea[id] as number)) return false;
  }
  return true;
}

function paint(state: PlacementState, pixels: Int32Array, id: number): void {
  for (let i = 0; i < pixels.length; i++) {
    const p = pixels[i] as number;
    const prev = state.labels[p] as number;
    state.visibleArea[prev] = (state.visibleArea[prev] as number) - 1;
    state.labels[p] = id;
  }
  state.fullArea[id] = pixels.length;
  state.visibleArea[id] = pixels.length;
}

/** A uniformly distributed point in a disc. */
function pointInDisc(rng: Rng, cx: number, cy: number, radius: number): [number, number] {
  const r = Math.sqrt(rng.next()) * Math.max(0, radius);
  const a = rng.uniform(0, 2 * Math.PI);
  return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
}

export function layoutScene(seed: number, width: number, height: number): SceneLayout {
  const rng = createRng(seed);
  const D = LAYOUT_DEFAULTS;
  const short = Math.min(width, height);
  const R = short * rng.uniform(...D.pizzaRadius);
  const margin = short * 0.03;
  const slackX = Math.max(0, width / 2 - R - margin);
  const slackY = Math.max(0, height / 2 - R - margin);
  const cx = width / 2 + rng.uniform(-slackX, slackX);
  const cy = height / 2 + rng.uniform(-slackY, slackY);
  // Hand-made outlines: a few percent of wobble (the two stay nested: cheese <= 0.88*1.04 < 0.96).
  const pizza = wobbly(rng, cx, cy, R, 0.012);
  const cheese = wobbly(rng, cx, cy, R * rng.uniform(...D.cheeseRadius), 0.015);
  const planksHorizontal = rng.chance(0.5);
  const plankWidth = (planksHorizontal ? height : width) / rng.uniform(3, 5);

  const instances: PlacedInstance[] = [
    { id: 1, category: 'board', variant: rng.next() },
    { id: 2, category: 'crust', variant: rng.next() },
    { id: 3, category: 'cheese', variant: rng.next() },
  ];
  const labels = new Int32Array(width * height);
  const areas = [0, 0, 0, 0];
  // Squared-radius bounds settle most pixels without the trigonometry of insideWobbly.
  const cheeseIn2 = wobblyMinRadius(cheese) ** 2;
  const pizzaOut2 = wobblyMaxRadius(pizza) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d2 = (px - cx) ** 2 + (py - cy) ** 2;
      const id = d2 <= cheeseIn2 ? 3 : d2 > pizzaOut2 ? 1 : insideWobbly(cheese, px, py) ? 3 : insideWobbly(pizza, px, py) ? 2 : 1;
      labels[y * width + x] = id;
      areas[id] = (areas[id] as number) + 1;
    }
  }
  const state: PlacementState = {
    labels,
    categoryOf: [undefined as unknown as PizzaCategory, 'board', 'crust', 'cheese'],
    fullArea: areas.slice(),
    visibleArea: areas.slice(),
  };
  const inner = wobblyMinRadius(cheese) - 1;
  const discs: DiscShape[] = [];

  /**
   * Rejection sampling: propose(scale) makes a candidate (targeted or random); after
   * attemptsPerSize failures the topping is shrunk by 10% and tried again, up to 4 sizes.
   */
  const place = (
    category: PizzaCategory,
    mayCover: readonly PizzaCategory[],
    propose: (scale: number) => ToppingShape,
  ): ToppingShape | null => {
    for (let s = 0; s < 4; s++) {
      const scale = Math.pow(0.9, s);
      for (let a = 0; a < D.attemptsPerSize; a++) {
        const shape = propose(scale);
        const pixels = rasterize(shape, width, height);
        if (!canPlace(state, pixels, mayCover)) continue;
        const id = instances.length + 1;
        instances.push({ id, category, shape, variant: rng.next() });
        state.categoryOf[id] = category;
        paint(state, pixels, id);
        return shape;
      }
    }
    return null;
  };
  const near = (target: DiscShape, dist: number): [number, number] => {
    const a = rng.uniform(0, 2 * Math.PI);
    return [target.cx + dist * Math.cos(a), target.cy + dist * Math.sin(a)];
  };

  const nPep = rng.int(...D.pepperoniCount);
  for (let i = 0; i < nPep; i++) {
    const r0 = R * rng.uniform(...D.pepperoniRadius);
    const touch = discs.length > 0 && rng.chance(D.pepperoniTouchChance);
    const placed = place('pepperoni', [], (scale) => {
      const r = r0 * scale;
      // Half the budget goes to the touching position, then fall back to anywhere.
      if (touch && rng.chance(0.5)) {
        const t = rng.pick(discs);
        const [x, y] = near(t, t.r + r + rng.uniform(0, 0.7));
        return { kind: 'disc', cx: x, cy: y, r };
      }
      const [x, y] = pointInDisc(rng, cx, cy, inner - r);
      return { kind: 'disc', cx: x, cy: y, r };
    });
    if (placed) discs.push(placed as DiscShape);
  }

  const nOlive = rng.int(...D.oliveCount);
  for (let i = 0; i < nOlive; i++) {
    const r0 = R * rng.uniform(...D.oliveRadius);
    const hole = rng.uniform(...D.oliveHole);
    const onPep = discs.length > 0 && rng.chance(D.oliveOnPepperoniChance);
    place('olive', ['pepperoni'], (scale): RingShape => {
      const r = r0 * scale;
      // Across the edge of a pepperoni (centre just inside or outside its rim), else anywhere.
      let x: number;
      let y: number;
      if (onPep && rng.chance(0.6)) {
        const t = rng.pick(discs);
        [x, y] = near(t, t.r + r * rng.uniform(-0.4, 0.4));
      } else {
        [x, y] = pointInDisc(rng, cx, cy, inner - r);
      }
      return { kind: 'ring', cx: x, cy: y, r, inner: r * hole };
    });
  }

  const nBasil = rng.int(...D.basilCount);
  for (let i = 0; i < nBasil; i++) {
    const hl0 = R * rng.uniform(...D.basilHalfLength);
    const aspect = rng.uniform(...D.basilAspect);
    const angle = rng.uniform(0, Math.PI);
    const bend = rng.uniform(-0.3, 0.3);
    const onPep = discs.length > 0 && (i === 0 || rng.chance(D.basilOnPepperoniChance));
    place('basil', ['pepperoni', 'olive'], (scale): LeafShape => {
      const halfLength = hl0 * scale;
      const halfWidth = halfLength * aspect;
      let x: number;
      let y: number;
      if (onPep && rng.chance(0.6)) {
        const t = rng.pick(discs);
        [x, y] = near(t, t.r + halfWidth * rng.uniform(-0.5, 0.8));
      } else {
        [x, y] = pointInDisc(rng, cx, cy, inner - halfLength - halfWidth * 0.5);
      }
      return { kind: 'leaf', cx: x, cy: y, halfLength, halfWidth, angle: angle + rng.uniform(-0.5, 0.5), bend };
    });
  }

  return { width, height, seed, labels, instances, pizza, cheese, planksHorizontal, plankWidth };
}
