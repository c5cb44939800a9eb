import { describe, expect, it } from 'vitest';
import type { ClassInfo, SegmentInfo } from '@contract';
import { BACKGROUND_RGB, countSelection, fillOf, placeMenu, placeOf, selectionText } from './segment-look';

const seg = (classId: number | null, background = false) => ({ classId, background }) as SegmentInfo;
const classes = new Map<number, ClassInfo>([[1, { id: 1, color: '#ff0000' } as ClassInfo]]);

describe('segment places', () => {
  it('tells unassigned from background and paints background grey', () => {
    expect(placeOf(seg(null))).toBe('unassigned');
    expect(placeOf(seg(null, true))).toBe('background');
    expect(placeOf(seg(1))).toBe('assigned');
    expect(fillOf(seg(1), classes, new Set())).toEqual([255, 0, 0]);
    expect(fillOf(seg(1), classes, new Set([1]))).toBeNull();
    expect(fillOf(seg(null), classes, new Set())).toBeNull();
    expect(fillOf(seg(null, true), classes, new Set())).toEqual(BACKGROUND_RGB);
  });

  it('says where the selection is', () => {
    expect(selectionText(0, 0)).toBe('0 selected');
    expect(selectionText(3, 3)).toBe('3 selected');
    expect(selectionText(21, 3)).toBe('3 here, 21 in all');
    expect(selectionText(5, 0)).toBe('0 here, 5 in all');
  });
});

describe('countSelection', () => {
  it('counts the current image from its segments and the others from where they were found', () => {
    const located = new Map([
      [10, 2],
      [11, 2],
      [12, 3],
      [1, 9], // a stale location for a segment of the current image: the current image wins
    ]);
    const counts = countSelection(new Set([1, 2, 10, 11, 12, 99]), 1, [{ id: 1 }, { id: 2 }, { id: 3 }], located);
    expect([...counts].sort()).toEqual([
      [1, 2],
      [2, 2],
      [3, 1],
    ]);
    // No image open: only located ids count; unknown ones (99) never do.
    expect(countSelection(new Set([10, 99]), null, [], located)).toEqual(new Map([[2, 1]]));
  });
});

describe('placeMenu', () => {
  it('opens at the pointer when it fits', () => {
    expect(placeMenu(100, 100, 200, 300, 1024, 700)).toEqual({ x: 100, y: 100 });
  });

  it('flips left and up near the right and bottom edges', () => {
    expect(placeMenu(900, 600, 200, 300, 1024, 700)).toEqual({ x: 700, y: 300 });
  });

  it('clamps inside when it fits neither way, and never leaves the bounds', () => {
    const p = placeMenu(150, 200, 200, 500, 320, 560);
    expect(p.x).toBeGreaterThanOrEqual(0);
    expect(p.x + 200).toBeLessThanOrEqual(320);
    expect(p.y).toBeGreaterThanOrEqual(0);
    expect(p.y + 500).toBeLessThanOrEqual(560);
  });
});
