// Default class names and colours: stable (class i always gets the same ones) and distinguishable.

/**
 * The 20-colour categorical palette of D3 v3 (d3.scale.category20, Tableau's 20-colour palette):
 * 10 saturated hues, then their light partners. Reordered so that the first 10 classes get the 10
 * saturated hues, which are the most distinguishable on photos.
 */
export const CLASS_PALETTE: readonly string[] = Object.freeze([
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#aec7e8',
  '#ffbb78',
  '#98df8a',
  '#ff9896',
  '#c5b0d5',
  '#c49c94',
  '#f7b6d2',
  '#c7c7c7',
  '#dbdb8d',
  '#9edae5',
]);

/** Golden angle in degrees: successive hues never repeat and stay spread out (phyllotaxis). */
const GOLDEN_ANGLE = 137.50776405003785;

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
 * alternating lightness, so class 21 onwards still differ from their neighbours.
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
