// Default class names and colours: stable (class i always gets the same ones) and distinguishable,
// both from each other and from the colours classes already have.

/**
 * 18 colours picked for distance from each other (CIE76 distance >= 25 between any two, see
 * palette.test.ts) and for reading on photos and on the dark UI; after Sasha Trubetskoy's "20
 * simple, distinct colours" without the near-white beige and the near-black navy. The most
 * distinct hues come first, because most folders have few classes.
 */
export const CLASS_PALETTE: readonly string[] = Object.freeze([
  '#4363d8',
  '#f58231',
  '#3cb44b',
  '#e6194b',
  '#911eb4',
  '#42d4f4',
  '#ffe119',
  '#f032e6',
  '#9a6324',
  '#bfef45',
  '#fabed4',
  '#469990',
  '#dcbeff',
  '#800000',
  '#aaffc3',
  '#808000',
  '#ffd8b1',
  '#a9a9a9',
]);

/** Golden angle in degrees: successive hues never repeat and stay spread out (phyllotaxis). */
const GOLDEN_ANGLE = 137.50776405003785;
/** Below this CIE76 distance two class colours read as the same colour on a photo. */
export const SAME_COLOUR_DISTANCE = 20;

function hex(v: number): string {
  return Math.round(Math.max(0, Math.min(1, v)) * 255)
    .toString(16)
    .padStart(2, '0');
}

/** HSL (h in degrees, s and l in [0, 1]) to '#rrggbb'. */
export function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return `#${hex(f(0))}${hex(f(8))}${hex(f(4))}`;
}

/**
 * Colour of class `index` (0-based): the palette first, then hues stepped by the golden angle with
 * alternating lightness, so class 19 onwards still differ from their neighbours.
 */
export function classColor(index: number): string {
  if (index < CLASS_PALETTE.length) return CLASS_PALETTE[index];
  const k = index - CLASS_PALETTE.length;
  const hue = (k * GOLDEN_ANGLE + 15) % 360;
  const lightness = k % 2 === 0 ? 0.45 : 0.65;
  return hslToHex(hue, 0.65, lightness);
}

/** Default name of class `index` (0-based): 'class 1', 'class 2', ... */
export function className(index: number): string {
  return `class ${index + 1}`;
}

/** CIELAB (D65) of '#rrggbb'. */
export function hexToLab(color: string): [number, number, number] {
  const lin = [1, 3, 5]
    .map((i) => parseInt(color.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const [r, g, b] = lin;
  const x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047;
  const y = r * 0.2126 + g * 0.7152 + b * 0.0722;
  const z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference: about 2.3 is just noticeable, above 20 two colours read as different. */
export function colourDistance(a: string, b: string): number {
  const p = hexToLab(a);
  const q = hexToLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/**
 * A colour for a new class that keeps apart from the colours in use: the first palette (or
 * golden-angle) colour no used colour comes close to, else the candidate farthest from all of them.
 */
export function distinctColor(used: readonly string[]): string {
  let best = classColor(0);
  let bestDistance = -1;
  for (let i = 0; i < used.length + CLASS_PALETTE.length + 8; i++) {
    const c = classColor(i);
    const nearest = Math.min(Infinity, ...used.map((u) => colourDistance(c, u)));
    if (nearest >= SAME_COLOUR_DISTANCE) return c;
    if (nearest > bestDistance) {
      best = c;
      bestDistance = nearest;
    }
  }
  return best;
}

/**
 * Default name of a class the user makes: 'class N' with N its position in the list (so its number
 * matches its shortcut digit), or the next number no class uses yet. `taken` holds nameKey()s.
 */
export function nextClassName(position: number, taken: ReadonlySet<string>): string {
  for (let n = Math.max(1, position); ; n++) {
    const name = className(n - 1);
    if (!taken.has(name)) return name;
  }
}
