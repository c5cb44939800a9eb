import { describe, expect, it } from 'vitest';
import { layoutScene } from './layout';
import { generatePizzaScene, LAYOUT_DEFAULTS, PIZZA_CATEGORIES, THING_CATEGORIES, type PizzaScene } from './pizza';
import { rasterize } from './shapes';

// Smaller than the default so that many seeds stay cheap; the layout scales with the image.
const W = 384;
const H = 288;
const SEEDS = Array.from({ length: 10 }, (_, i) => i * 7 + 3);
const scenes = new Map<number, PizzaScene>();
function scene(seed: number): PizzaScene {
  let s = scenes.get(seed);
  if (!s) scenes.set(seed, (s = generatePizzaScene({ seed, width: W, height: H })));
  return s;
}

function pixelsOf(s: PizzaScene, id: number): number[][] {
  const inst = s.instances.find((i) => i.id === id);
  if (!inst) throw new Error(`no instance ${id}`);
  const out: number[][] = [];
  for (let p = 0; p < inst.mask.data.length; p++) {
    if (inst.mask.data[p]) out.push([s.image.data[p * 3] as number, s.image.data[p * 3 + 1] as number, s.image.data[p * 3 + 2] as number]);
  }
  return out;
}

const share = (px: number[][], test: (c: number[]) => boolean) => px.filter(test).length / px.length;
const luma = (c: number[]) => 0.299 * (c[0] as number) + 0.587 * (c[1] as number) + 0.114 * (c[2] as number);

describe('generatePizzaScene', () => {
  it('is deterministic: same seed gives identical pixels and masks', () => {
    const a = generatePizzaScene({ seed: 42, width: W, height: H });
    const b = generatePizzaScene({ seed: 42, width: W, height: H });
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.instances.length).toBe(b.instances.length);
    a.instances.forEach((inst, k) => {
      const other = b.instances[k];
      expect(other && [other.id, other.category, other.area, other.bbox]).toEqual([inst.id, inst.category, inst.area, inst.bbox]);
      expect(Buffer.from(inst.mask.data).equals(Buffer.from(other!.mask.data))).toBe(true);
    });
  });

  it('different seeds give different scenes', () => {
    const a = scene(SEEDS[0]!);
    const b = scene(SEEDS[1]!);
    let differing = 0;
    for (let i = 0; i < a.image.data.length; i++) if (a.image.data[i] !== b.image.data[i]) differing++;
    expect(differing / a.image.data.length).toBeGreaterThan(0.5);
    expect(Buffer.from(a.labelMap.buffer).equals(Buffer.from(b.labelMap.buffer))).toBe(false);
  });

  it('uses the requested size, defaults to 768x576 and refuses silly sizes', () => {
    const s = scene(SEEDS[0]!);
    expect([s.image.width, s.image.height, s.image.data.length]).toEqual([W, H, W * H * 3]);
    const d = generatePizzaScene({ seed: 1 });
    expect([d.image.width, d.image.height]).toEqual([768, 576]);
    expect(() => generatePizzaScene({ seed: 1, width: 20 })).toThrow(/width must be an integer from 96/);
    expect(() => generatePizzaScene({ seed: 1, height: 300.5 })).toThrow(/height/);
  });

  it('masks are disjoint, cover the image, and match the label map, areas and boxes', () => {
    for (const seed of SEEDS.slice(0, 4)) {
      const s = scene(seed);
      const cover = new Uint8Array(W * H);
      let wrongLabel = 0;
      for (const inst of s.instances) {
        let area = 0;
        let x0 = W;
        let y0 = H;
        let x1 = -1;
        let y1 = -1;
        for (let p = 0; p < W * H; p++) {
          if (!inst.mask.data[p]) continue;
          cover[p] = (cover[p] as number) + 1;
          if (s.labelMap[p] !== inst.id) wrongLabel++;
          area++;
          const x = p % W;
          const y = Math.floor(p / W);
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
        expect(area).toBe(inst.area);
        expect(area).toBeGreaterThan(0);
        expect(inst.bbox).toEqual([x0, y0, x1 - x0 + 1, y1 - y0 + 1]);
        expect([inst.mask.width, inst.mask.height]).toEqual([W, H]);
      }
      expect(wrongLabel).toBe(0);
      expect(cover.every((c) => c === 1)).toBe(true);
    }
  });

  it('has one board, crust and cheese and topping counts within their ranges', () => {
    const ranges = { pepperoni: LAYOUT_DEFAULTS.pepperoniCount, basil: LAYOUT_DEFAULTS.basilCount, olive: LAYOUT_DEFAULTS.oliveCount };
    const seen = new Set<number>();
    for (const seed of SEEDS) {
      const count = (c: string) => scene(seed).instances.filter((i) => i.category === c).length;
      expect([count('board'), count('crust'), count('cheese')]).toEqual([1, 1, 1]);
      for (const [cat, [lo, hi]] of Object.entries(ranges)) {
        expect(count(cat)).toBeGreaterThanOrEqual(lo);
        expect(count(cat)).toBeLessThanOrEqual(hi);
      }
      seen.add(count('pepperoni'));
      expect(scene(seed).instances.every((i) => (PIZZA_CATEGORIES as readonly string[]).includes(i.category))).toBe(true);
    }
    // The counts really vary between seeds.
    expect(seen.size).toBeGreaterThan(2);
    expect([...THING_CATEGORIES].sort()).toEqual(['basil', 'olive', 'pepperoni']);
  });

  it('each material has its own colour under its mask', () => {
    for (const seed of SEEDS.slice(0, 4)) {
      const s = scene(seed);
      for (const inst of s.instances) {
        const px = pixelsOf(s, inst.id);
        const tag = `${inst.category} ${inst.id} (seed ${seed})`;
        switch (inst.category) {
          case 'pepperoni':
            expect(
              share(px, (c) => c[0]! > 90 && c[0]! > 2 * c[1]! && c[0]! > 2 * c[2]!),
              tag,
            ).toBeGreaterThan(0.97);
            break;
          case 'basil':
            expect(
              share(px, (c) => c[1]! > c[0]! + 20 && c[1]! > c[2]! + 20),
              tag,
            ).toBeGreaterThan(0.97);
            break;
          case 'olive':
            expect(
              share(px, (c) => luma(c) < 110),
              tag,
            ).toBeGreaterThan(0.97);
            break;
          case 'cheese':
            expect(
              share(px, (c) => luma(c) > 190 && c[0]! > c[2]! + 20),
              tag,
            ).toBeGreaterThan(0.97);
            break;
          case 'crust':
            expect(
              share(px, (c) => luma(c) > 100 && luma(c) < 200 && c[0]! > c[2]! + 60),
              tag,
            ).toBeGreaterThan(0.95);
            break;
          case 'board':
            expect(
              share(px, (c) => luma(c) < 105 && c[0]! > c[2]!),
              tag,
            ).toBeGreaterThan(0.97);
            break;
        }
      }
    }
  });

  it('is textured, not flat colour', () => {
    const s = scene(SEEDS[2]!);
    for (const cat of ['cheese', 'board', 'crust'] as const) {
      const inst = s.instances.find((i) => i.category === cat)!;
      const reds = pixelsOf(s, inst.id).map((c) => c[0]!);
      const mean = reds.reduce((a, b) => a + b, 0) / reds.length;
      const sd = Math.sqrt(reds.reduce((a, b) => a + (b - mean) ** 2, 0) / reds.length);
      expect(sd, cat).toBeGreaterThan(2.5);
    }
  });
});

describe('occlusion: masks are the visible parts', () => {
  it('toppings drawn later hide earlier ones, yet every topping keeps half of itself', () => {
    let occludedPepperoni = 0;
    let touchingPairs = 0;
    for (const seed of SEEDS) {
      const L = layoutScene(seed, W, H);
      const cat = new Map(L.instances.map((i) => [i.id, i.category]));
      const order = L.instances.map((i) => i.id);
      let wrongTop = 0;
      for (const inst of L.instances) {
        if (!inst.shape) continue;
        const full = rasterize(inst.shape, W, H);
        let visible = 0;
        for (const p of full) {
          const top = L.labels[p] as number;
          if (top === inst.id) visible++;
          // Whatever shows instead was drawn later (is on top) and is a topping.
          else if (order.indexOf(top) < order.indexOf(inst.id) || !['basil', 'olive'].includes(cat.get(top) ?? '')) wrongTop++;
        }
        expect(visible / full.length).toBeGreaterThanOrEqual(LAYOUT_DEFAULTS.minVisibleFraction);
        if (inst.category === 'pepperoni' && visible < full.length) occludedPepperoni++;
      }
      expect(wrongTop).toBe(0);
      // The visible mask of a topping is never outside its own shape (olive holes show what is below).
      const generated = generatePizzaScene({ seed, width: W, height: H });
      for (const inst of generated.instances) {
        const placed = L.instances.find((i) => i.id === inst.id)!;
        if (!placed.shape) continue;
        const full = new Set(rasterize(placed.shape, W, H));
        let outside = 0;
        inst.mask.data.forEach((v, p) => {
          if (v && !full.has(p)) outside++;
        });
        expect(outside).toBe(0);
      }
      const ids = new Set<string>();
      for (let y = 0; y < H; y++) {
        for (let x = 0; x + 1 < W; x++) {
          const a = L.labels[y * W + x] as number;
          const b = L.labels[y * W + x + 1] as number;
          if (a !== b && cat.get(a) === 'pepperoni' && cat.get(b) === 'pepperoni') ids.add(`${a}-${b}`);
        }
      }
      touchingPairs += ids.size;
    }
    // Across ten scenes some pepperoni are partly covered and some touch each other.
    expect(occludedPepperoni).toBeGreaterThan(2);
    expect(touchingPairs).toBeGreaterThan(0);
  });

  it('olive slices have a hole showing what lies beneath', () => {
    let holes = 0;
    for (const seed of SEEDS.slice(0, 3)) {
      const L = layoutScene(seed, W, H);
      for (const inst of L.instances) {
        const s = inst.shape;
        if (s?.kind !== 'ring') continue;
        const centre = Math.floor(s.cy) * W + Math.floor(s.cx);
        const under = L.instances.find((i) => i.id === L.labels[centre]);
        if (under && under.id !== inst.id) holes++;
        expect(under?.category).not.toBe('olive');
      }
    }
    expect(holes).toBeGreaterThan(5);
  });
});
