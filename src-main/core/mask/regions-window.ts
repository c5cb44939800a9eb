// SAM's small-region clean-up of one RLE mask (fill holes, then remove islands, as
// postprocess_small_regions in automatic_mask_generator.py) computed on a window around the mask
// instead of the whole image, with the same result as removeSmallRegions on the full mask.
//
// The window is the mask's box grown by one pixel (clamped to the image). Islands lie inside the box.
// Background components that reach the window's one-pixel ring continue outside it: the ring is all
// background, and each strip of image outside the window (above, below, left, right) is all
// background and touches the ring side facing it, so its pixel count is added to that side's
// component. Only if one of those outer components is itself small (it would then be filled, outside
// the window too) does this fall back to the whole image.

import type { BoxXYXY, Rle } from '../types';
import { maskBoxInclusive } from './measure';
import { connectedComponents, invertMask, removeSmallRegions } from './regions';
import { checkRle, maskToRle, maskToRleInFrame, rleBoxInclusive, rleToMask, rleToMaskWindow } from './rle';

export interface CleanedRegions {
  /** False when neither holes nor islands were found (SAM's "unchanged"). */
  changed: boolean;
  /** The cleaned mask (the input object when unchanged). */
  rle: Rle;
  /** Its inclusive box in image coordinates, null when empty. */
  box: BoxXYXY | null;
}

/** The whole-image computation, for the rare cases the window cannot decide. */
function cleanFull(rle: Rle, minArea: number): CleanedRegions {
  const holes = removeSmallRegions(rleToMask(rle), minArea, 'holes');
  const islands = removeSmallRegions(holes.mask, minArea, 'islands');
  const changed = holes.changed || islands.changed;
  return changed
    ? { changed, rle: maskToRle(islands.mask), box: maskBoxInclusive(islands.mask) }
    : { changed, rle, box: rleBoxInclusive(rle) };
}

/**
 * Fills holes and then removes islands smaller than minArea (8-connectivity, largest island kept
 * if all are small), working on a window around the mask.
 */
export function cleanSmallRegions(rle: Rle, minArea: number): CleanedRegions {
  checkRle(rle);
  const [H, W] = rle.size;
  const box = rleBoxInclusive(rle);
  if (!box) return cleanFull(rle, minArea);
  const x0 = Math.max(box[0] - 1, 0);
  const y0 = Math.max(box[1] - 1, 0);
  const x1 = Math.min(box[2] + 1, W - 1);
  const y1 = Math.min(box[3] + 1, H - 1);
  const ww = x1 - x0 + 1;
  const wh = y1 - y0 + 1;
  const mask = rleToMaskWindow(rle, x0, y0, ww, wh);

  // Holes: components of the inverted window, outer ones credited with the strips outside.
  const { count, labels, areas } = connectedComponents(invertMask(mask), 8);
  const outer = new Uint8Array(count);
  const credit = (present: boolean, label: number, pixels: number) => {
    if (!present) return;
    areas[label] += pixels;
    outer[label] = 1;
  };
  credit(box[1] > 0, labels[0], y0 * W);
  credit(box[3] < H - 1, labels[(wh - 1) * ww], (H - 1 - y1) * W);
  credit(box[0] > 0, labels[0], x0 * wh);
  credit(box[2] < W - 1, labels[ww - 1], (W - 1 - x1) * wh);
  const fill = new Uint8Array(count);
  let holesChanged = false;
  for (let l = 1; l < count; l++) {
    if (areas[l] < minArea) {
      if (outer[l]) return cleanFull(rle, minArea);
      fill[l] = 1;
      holesChanged = true;
    }
  }
  if (holesChanged) for (let i = 0; i < labels.length; i++) if (fill[labels[i]]) mask.data[i] = 1;

  const islands = removeSmallRegions(mask, minArea, 'islands');
  if (!holesChanged && !islands.changed) return { changed: false, rle, box };
  const out = islands.mask;
  const b = maskBoxInclusive(out);
  return {
    changed: true,
    rle: maskToRleInFrame(out, x0, y0, W, H),
    box: b ? [b[0] + x0, b[1] + y0, b[2] + x0, b[3] + y0] : null,
  };
}
