// Connected components and SAM's small-region clean-up.
//
// connectedComponents has the shape of OpenCV's connectedComponentsWithStats: label 0 is the
// background (the zero pixels, even when there are none), components are 1..count-1, areas[label]
// their pixel counts.
//
// removeSmallRegions is segment-anything's remove_small_regions (utils/amg.py): components are found
// with 8-connectivity (its cv2.connectedComponentsWithStats(..., 8) call); holes are the components
// of the inverted mask, so a small background patch cut off by the mask counts as a hole even where
// it touches the image border.

import { SamanticError } from '../errors';
import type { BinaryMask } from '../types';
import { checkMask } from './rle';

export type Connectivity = 4 | 8;

export interface Components {
  /** Number of labels including the background label 0 (cv2's n_labels). */
  count: number;
  /** Row-major label per pixel; 0 for background. */
  labels: Int32Array;
  /** Pixel count per label; areas[0] is the background's. */
  areas: number[];
}

/**
 * Labels the foreground's connected components. Labels are numbered in row-major order of each
 * component's first pixel. OpenCV's block-based algorithms may number them differently; only the
 * tie-break between equally large components can see the difference.
 */
export function connectedComponents(mask: BinaryMask, connectivity: Connectivity = 8): Components {
  checkMask(mask);
  if (connectivity !== 4 && connectivity !== 8) {
    throw new SamanticError('invalid-argument', `connectivity must be 4 or 8, got ${connectivity}.`);
  }
  const { width: w, height: h, data } = mask;
  const n = w * h;
  const labels = new Int32Array(n);
  const areas: number[] = [0];
  const stack = new Int32Array(Math.max(n, 1));
  let background = 0;
  for (let start = 0; start < n; start++) {
    if (data[start] === 0) {
      background++;
      continue;
    }
    if (labels[start] !== 0) continue;
    const label = areas.length;
    let area = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      area++;
      const y = (p / w) | 0;
      const x = p - y * w;
      const y0 = y > 0 ? y - 1 : y;
      const y1 = y < h - 1 ? y + 1 : y;
      const x0 = x > 0 ? x - 1 : x;
      const x1 = x < w - 1 ? x + 1 : x;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          if (connectivity === 4 && yy !== y && xx !== x) continue;
          const q = yy * w + xx;
          if (data[q] !== 0 && labels[q] === 0) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    areas.push(area);
  }
  areas[0] = background;
  return { count: areas.length, labels, areas };
}

/** Inverts a mask (1 where it is 0): the working mask SAM labels to find holes. */
export function invertMask(mask: BinaryMask): BinaryMask {
  checkMask(mask);
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i] === 0 ? 1 : 0;
  return { width: mask.width, height: mask.height, data };
}

export type SmallRegionMode = 'holes' | 'islands';

export interface SmallRegionResult {
  mask: BinaryMask;
  /** False when nothing was below the threshold; `mask` is then the input object itself. */
  changed: boolean;
}

function checkArea(areaThresh: number): void {
  if (!Number.isFinite(areaThresh) || areaThresh < 0) {
    throw new SamanticError('invalid-argument', `small-region area threshold must be a finite number >= 0 (pixels), got ${areaThresh}.`);
  }
}

/**
 * 'holes': sets every component of the inverted mask smaller than `areaThresh` to foreground.
 * 'islands': clears every foreground component smaller than `areaThresh`; if all are smaller, keeps
 * the largest (the first one in label order on a tie), as SAM does.
 */
export function removeSmallRegions(mask: BinaryMask, areaThresh: number, mode: SmallRegionMode): SmallRegionResult {
  checkArea(areaThresh);
  if (mode !== 'holes' && mode !== 'islands') {
    throw new SamanticError('invalid-argument', `small-region mode must be 'holes' or 'islands', got ${String(mode)}.`);
  }
  const holes = mode === 'holes';
  const working = holes ? invertMask(mask) : mask;
  const { count, labels, areas } = connectedComponents(working, 8);
  const small = new Uint8Array(count);
  let anySmall = false;
  for (let l = 1; l < count; l++) {
    if (areas[l] < areaThresh) {
      small[l] = 1;
      anySmall = true;
    }
  }
  if (!anySmall) return { mask, changed: false };

  // keep[l] = 1 for the labels whose pixels end up in the output mask.
  const keep = new Uint8Array(count);
  if (holes) {
    // Label 0 of the inverted mask is the original foreground.
    keep[0] = 1;
    for (let l = 1; l < count; l++) keep[l] = small[l];
  } else {
    let kept = 0;
    for (let l = 1; l < count; l++) {
      keep[l] = small[l] ? 0 : 1;
      kept += keep[l];
    }
    if (kept === 0) {
      let best = 1;
      for (let l = 2; l < count; l++) if (areas[l] > areas[best]) best = l;
      keep[best] = 1;
    }
  }
  const data = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) data[i] = keep[labels[i]];
  return { mask: { width: mask.width, height: mask.height, data }, changed: true };
}

/** Fills holes (background components) smaller than `maxArea` pixels. */
export function fillSmallHoles(mask: BinaryMask, maxArea: number): SmallRegionResult {
  return removeSmallRegions(mask, maxArea, 'holes');
}

/** Removes islands smaller than `minArea` pixels, always keeping the largest one. */
export function removeSmallIslands(mask: BinaryMask, minArea: number): SmallRegionResult {
  return removeSmallRegions(mask, minArea, 'islands');
}
