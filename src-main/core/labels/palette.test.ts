import { describe, expect, it } from 'vitest';
import {
  CLASS_PALETTE,
  SAME_COLOUR_DISTANCE,
  classColor,
  className,
  colourDistance,
  distinctColor,
  hslToHex,
  nextClassName,
} from './palette';

function closestPair(colours: string[]): { distance: number; pair: [string, string] } {
  let best = { distance: Infinity, pair: ['', ''] as [string, string] };
  for (let i = 0; i < colours.length; i++) {
    for (let j = 0; j < i; j++) {
      const d = colourDistance(colours[i], colours[j]);
      if (d < best.distance) best = { distance: d, pair: [colours[j], colours[i]] };
    }
  }
  return best;
}

describe('class palette', () => {
  it('keeps every two of its colours apart (no two near-identical greens)', () => {
    const { distance, pair } = closestPair([...CLASS_PALETTE]);
    expect(distance, `closest pair ${pair.join(' / ')}`).toBeGreaterThanOrEqual(25);
    // The golden-angle colours after the palette still differ from their neighbours.
    const more = Array.from({ length: 40 }, (_, i) => classColor(CLASS_PALETTE.length + i));
    for (let i = 1; i < more.length; i++) expect(colourDistance(more[i], more[i - 1])).toBeGreaterThan(SAME_COLOUR_DISTANCE);
  });

  it('is stable and valid far beyond the palette', () => {
    const colours = Array.from({ length: 200 }, (_, i) => classColor(i));
    expect(colours.slice(0, CLASS_PALETTE.length)).toEqual(CLASS_PALETTE);
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(colours).size).toBe(200);
    expect(classColor(57)).toBe(classColor(57));
  });

  it('measures colour distance in CIELAB: greens close, green and blue far', () => {
    expect(colourDistance('#2ca02c', '#2ca02c')).toBe(0);
    expect(colourDistance('#2ca02c', '#3cb44b')).toBeLessThan(SAME_COLOUR_DISTANCE);
    expect(colourDistance('#3cb44b', '#4363d8')).toBeGreaterThan(50);
  });

  it('a new colour skips those in use, even near copies of them', () => {
    expect(distinctColor([])).toBe(CLASS_PALETTE[0]);
    expect(distinctColor([CLASS_PALETTE[0]])).toBe(CLASS_PALETTE[1]);
    // A green close to the palette's green (another tool's choice) rules that green out too.
    const used = [CLASS_PALETTE[0], CLASS_PALETTE[1], '#2ca02c'];
    const c = distinctColor(used);
    expect(c).not.toBe('#3cb44b');
    for (const u of used) expect(colourDistance(c, u)).toBeGreaterThanOrEqual(SAME_COLOUR_DISTANCE);
    // With every palette colour in use, the pick is still the farthest candidate, not a repeat.
    const all = Array.from({ length: 60 }, (_, i) => classColor(i));
    expect(all).not.toContain(distinctColor(all.slice(0, 59)));
  });

  it('converts HSL the standard way', () => {
    expect(hslToHex(0, 1, 0.5)).toBe('#ff0000');
    expect(hslToHex(120, 1, 0.5)).toBe('#00ff00');
    expect(hslToHex(240, 1, 0.25)).toBe('#000080');
    expect(hslToHex(0, 0, 1)).toBe('#ffffff');
  });
});

describe('default class names', () => {
  it('are lower-case and numbered by position, or the next free number', () => {
    expect(className(0)).toBe('class 1');
    expect(className(41)).toBe('class 42');
    expect(nextClassName(6, new Set(['class 1', 'class 2']))).toBe('class 6');
    expect(nextClassName(3, new Set(['class 3', 'class 4', 'dog']))).toBe('class 5');
    expect(nextClassName(0, new Set())).toBe('class 1');
  });
});
