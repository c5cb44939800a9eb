// Colours and textures of the synthetic pizza. Each material keeps its own hue family (dark walnut
// board, golden crust, cream cheese, red pepperoni, green basil, black/olive-green olives) so a
// colour-based stand-in for SAM can still tell them apart, while grain, blotches, speckles, shading
// and per-pixel noise keep regions from being flat. Everything is a pure function of the layout.

import type { RgbImage } from '../../core/types';
import type { SceneLayout, PlacedInstance } from './layout';
import { fbm, hash2, valueNoise } from '../../core/util/random';
import { leafCoords, leafHalfWidthAt, wobblyMaxRadius, wobblyRadiusAt, type LeafShape } from './shapes';

type Rgb = [number, number, number];

/** Base colours (sRGB 0-255), picked by eye from photos of a Margherita-with-pepperoni. */
export const PALETTE = {
  boardDark: [80, 55, 38] as Rgb,
  boardLight: [118, 84, 58] as Rgb,
  boardSeam: [48, 33, 24] as Rgb,
  crust: [208, 150, 82] as Rgb,
  crustToasted: [172, 108, 54] as Rgb,
  cheese: [247, 226, 156] as Rgb,
  cheeseGolden: [236, 196, 112] as Rgb,
  cheeseLight: [252, 240, 200] as Rgb,
  pepperoni: [182, 38, 32] as Rgb,
  pepperoniSpeckle: [132, 22, 20] as Rgb,
  basil: [52, 128, 44] as Rgb,
  basilVein: [98, 162, 74] as Rgb,
  oliveBlack: [36, 33, 36] as Rgb,
  oliveGreen: [64, 78, 36] as Rgb,
} as const;

/** Amplitude of the per-pixel sensor-like noise, in 8-bit levels (+/-). */
export const PIXEL_NOISE = 4;
/** The board's contact shadow reaches this far out, as a multiple of the pizza's radius. */
export const SHADOW_REACH = 1.08;
/** Strength of the top-left to bottom-right lighting gradient (fraction of brightness). */
export const LIGHT_GRADIENT = 0.06;

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  const k = Math.min(1, Math.max(0, t));
  return [a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k, a[2] + (b[2] - a[2]) * k];
}

function scale(c: Rgb, f: number): Rgb {
  return [c[0] * f, c[1] * f, c[2] * f];
}

function boardColour(L: SceneLayout, x: number, y: number): Rgb {
  const along = L.planksHorizontal ? x : y;
  const across = L.planksHorizontal ? y : x;
  const plank = Math.floor(across / L.plankWidth);
  const inPlank = across - plank * L.plankWidth;
  if (inPlank < 2) return PALETTE.boardSeam;
  // Grain: noise stretched along the plank, turned into stripes by a sine of the distorted position.
  const warp = fbm(along * 0.08, across * 1.2, 6, 3, L.seed + plank * 7919);
  const stripes = 0.5 + 0.5 * Math.sin((across + 10 * warp) * 0.9);
  let c = mix(PALETTE.boardDark, PALETTE.boardLight, 0.25 + 0.6 * stripes * warp + 0.15 * warp);
  c = scale(c, 0.92 + 0.14 * hash2(plank, 0, L.seed));
  // Contact shadow: a soft darkening just outside the pizza's rim.
  const dx = x - L.pizza.cx;
  const dy = y - L.pizza.cy;
  const d = Math.hypot(dx, dy);
  if (d < SHADOW_REACH * wobblyMaxRadius(L.pizza)) {
    const rel = d / wobblyRadiusAt(L.pizza, Math.atan2(dy, dx));
    if (rel < SHADOW_REACH) c = scale(c, 0.72 + 0.28 * Math.max(0, (rel - 1) / (SHADOW_REACH - 1)));
  }
  return c;
}

function crustColour(L: SceneLayout, x: number, y: number): Rgb {
  const dx = x - L.pizza.cx;
  const dy = y - L.pizza.cy;
  const theta = Math.atan2(dy, dx);
  const rIn = wobblyRadiusAt(L.cheese, theta);
  const rOut = wobblyRadiusAt(L.pizza, theta);
  const q = Math.min(1, Math.max(0, (Math.hypot(dx, dy) - rIn) / Math.max(1, rOut - rIn)));
  const toast = fbm(x, y, Math.max(4, L.pizza.radius * 0.06), 3, L.seed + 17);
  let c = mix(PALETTE.crust, PALETTE.crustToasted, Math.max(0, toast - 0.55) * 2.2 + 0.35 * q * q);
  // A raised rim catches light in the middle of the ring.
  c = scale(c, 1 + 0.07 * Math.sin(Math.PI * q) - 0.06 * q * q);
  return c;
}

function cheeseColour(L: SceneLayout, x: number, y: number): Rgb {
  const b = fbm(x, y, Math.max(6, L.pizza.radius * 0.12), 3, L.seed + 29);
  if (b > 0.6) return mix(PALETTE.cheese, PALETTE.cheeseGolden, (b - 0.6) * 2.2);
  if (b < 0.38) return mix(PALETTE.cheese, PALETTE.cheeseLight, (0.38 - b) * 3);
  return PALETTE.cheese;
}

function pepperoniColour(inst: PlacedInstance, x: number, y: number, seed: number): Rgb {
  const s = inst.shape;
  if (!s || s.kind !== 'disc') return PALETTE.pepperoni;
  const rel = Math.hypot(x - s.cx, y - s.cy) / s.r;
  let c = scale(PALETTE.pepperoni, 0.9 + 0.14 * inst.variant);
  // Fat speckles: small dark dots from fine noise.
  const speck = valueNoise(x, y, 2.2, seed + inst.id * 131);
  if (speck > 0.72) c = mix(c, PALETTE.pepperoniSpeckle, (speck - 0.72) * 4);
  // Cupped slice: a slightly darker curled rim and a faint dome highlight.
  if (rel > 0.86) c = scale(c, 0.82);
  else c = scale(c, 1 + 0.06 * (1 - rel));
  return c;
}

function basilColour(inst: PlacedInstance, x: number, y: number): Rgb {
  const s = inst.shape as LeafShape | undefined;
  if (!s || s.kind !== 'leaf') return PALETTE.basil;
  const { u, v } = leafCoords(s, x, y);
  const hw = Math.max(0.5, leafHalfWidthAt(s, u));
  const across = Math.min(1, Math.abs(v) / hw);
  let c = scale(PALETTE.basil, 0.9 + 0.18 * inst.variant);
  if (Math.abs(v) < 0.6 + 0.06 * s.halfWidth && Math.abs(u) < 0.85 * s.halfLength) c = mix(c, PALETTE.basilVein, 0.7);
  return scale(c, 1.05 - 0.2 * across * across);
}

function oliveColour(inst: PlacedInstance, x: number, y: number): Rgb {
  const s = inst.shape;
  const base = inst.variant < 0.6 ? PALETTE.oliveBlack : PALETTE.oliveGreen;
  if (!s || s.kind !== 'ring') return base;
  // A glossy crescent on the side facing the light (top-left).
  const dx = (x - s.cx) / s.r;
  const dy = (y - s.cy) / s.r;
  const facing = (-dx - dy) / Math.SQRT2;
  return facing > 0.45 ? scale(base, 1.35) : base;
}

/** Renders the layout to 8-bit RGB. Deterministic: the same layout always gives the same bytes. */
export function paintScene(L: SceneLayout): RgbImage {
  const { width, height, labels } = L;
  const data = new Uint8Array(width * height * 3);
  const byId = new Map<number, PlacedInstance>(L.instances.map((i) => [i.id, i]));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const inst = byId.get(labels[p] as number);
      const px = x + 0.5;
      const py = y + 0.5;
      let c: Rgb;
      switch (inst?.category) {
        case 'crust':
          c = crustColour(L, px, py);
          break;
        case 'cheese':
          c = cheeseColour(L, px, py);
          break;
        case 'pepperoni':
          c = pepperoniColour(inst, px, py, L.seed);
          break;
        case 'basil':
          c = basilColour(inst, px, py);
          break;
        case 'olive':
          c = oliveColour(inst, px, py);
          break;
        default:
          c = boardColour(L, px, py);
      }
      const light = 1 + LIGHT_GRADIENT * (1 - x / width - y / height);
      for (let k = 0; k < 3; k++) {
        const noise = (hash2(x, y, L.seed * 3 + k) * 2 - 1) * PIXEL_NOISE;
        data[p * 3 + k] = Math.max(0, Math.min(255, Math.round((c[k] as number) * light + noise)));
      }
    }
  }
  return { width, height, data };
}
