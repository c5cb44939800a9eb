// One vocabulary for a segment's place, used by the tooltip, the footer and the menus: a segment is
// in a class, *unassigned* (no class yet), or *background* (removed on purpose: never exported).
// Also how each is painted, and how a selection spread over images is summarised.

import type { ClassInfo, SegmentInfo } from '@contract';
import { hexToRgb, type Rgb } from './masks';

export type SegmentPlace = 'assigned' | 'unassigned' | 'background';

export const PLACE_WORDS: Record<Exclude<SegmentPlace, 'assigned'>, { name: string; hint: string }> = {
  unassigned: { name: 'unassigned', hint: 'no class yet: press 1–9 to assign it' },
  background: { name: 'background', hint: 'removed on purpose, not exported: U or a class restores it' },
};

/** Grey of background segments when they are shown: present, but plainly not a class. */
export const BACKGROUND_RGB: Rgb = [128, 128, 128];
/** Fill of a selected segment's highlight: white reads on top of any class colour. */
export const SELECTION_RGB: Rgb = [255, 255, 255];

export function placeOf(s: Pick<SegmentInfo, 'classId' | 'background'>): SegmentPlace {
  if (s.background) return 'background';
  return s.classId === null ? 'unassigned' : 'assigned';
}

/** Fill colour of a segment on the image, or null for none (unassigned, or its class hidden). */
export function fillOf(s: SegmentInfo, classById: ReadonlyMap<number, ClassInfo>, hidden: ReadonlySet<number>): Rgb | null {
  if (s.background) return BACKGROUND_RGB;
  if (s.classId === null || hidden.has(s.classId)) return null;
  const c = classById.get(s.classId);
  return c ? hexToRgb(c.color) : null;
}

/**
 * The selection as the image view's header says it: "3 selected" when all are on this image,
 * "3 here, 21 in all" when others are elsewhere, "21 elsewhere" when none is here.
 */
export function selectionText(total: number, here: number): string {
  if (total === 0) return '0 selected';
  if (here === total) return `${total} selected`;
  if (here === 0) return `0 here, ${total} in all`;
  return `${here} here, ${total} in all`;
}

/**
 * Where to put a menu of size w x h opened at (x, y) so it stays fully inside bounds (bw x bh):
 * it opens right/down, flips left/up when there is no room, and is clamped as a last resort.
 */
export function placeMenu(x: number, y: number, w: number, h: number, bw: number, bh: number, margin = 4): { x: number; y: number } {
  const place = (p: number, size: number, room: number) => {
    if (p + size + margin <= room) return p;
    if (p - size - margin >= 0) return p - size;
    return Math.max(margin, Math.min(room - size - margin, p));
  };
  return { x: place(x, w, bw), y: place(y, h, bh) };
}

/** How many selected segments each image holds; ids not located yet are left out. */
export function countSelection(
  selection: ReadonlySet<number>,
  currentImageId: number | null,
  current: readonly { id: number }[],
  located: ReadonlyMap<number, number>,
): Map<number, number> {
  const here = new Set(current.map((s) => s.id));
  const counts = new Map<number, number>();
  for (const id of selection) {
    const image = currentImageId !== null && here.has(id) ? currentImageId : located.get(id);
    if (image !== undefined) counts.set(image, (counts.get(image) ?? 0) + 1);
  }
  return counts;
}
