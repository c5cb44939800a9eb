// Example crops (class panel, split preview, review queue), cut client-side from a downscaled copy
// of each photo: one image download per photo serves every crop of it, for every class. Each crop
// marks its segment: the rest of the crop is dimmed and the segment ringed, so a crop of a large
// segment does not look like every other crop of the same photo.

import type { MaskRle } from '@contract';
import { api, mediaUrl } from './api';
import { forEachRun, decodeCounts } from './rle';

/** Edge of the downscaled photo crops are cut from: enough detail for 80 px tiles of small parts. */
export const CROP_SOURCE_SIZE = 768;
/** Context kept around the segment's box, as a share of its size, so the crop shows where it is. */
export const CROP_PADDING = 0.15;
/** Photos kept decoded; beyond this the oldest are dropped. */
const CACHE_ENTRIES = 64;
/** Segment masks kept; a class panel with a few rows open and a split preview stay well below it. */
const MASK_CACHE_ENTRIES = 1024;
/** Opacity of the black laid over the crop outside its segment. */
export const CROP_DIM = 0.6;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const masks = new Map<number, Promise<MaskRle | null>>();
let pending: Map<number, (rle: MaskRle | null) => void> | null = null;

/** One findSegments call for every mask asked for in the same tick (a row of crops asks at once). */
function flushMasks(): void {
  const batch = pending!;
  pending = null;
  api
    .findSegments({ segmentIds: [...batch.keys()], masks: true })
    .then((refs) => {
      const found = new Map(refs.map((r) => [r.segmentId, r.rle ?? null]));
      for (const [id, resolve] of batch) resolve(found.get(id) ?? null);
    })
    .catch(() => {
      for (const [id, resolve] of batch) {
        masks.delete(id);
        resolve(null);
      }
    });
}

/** The segment's mask (null when it no longer exists), fetched in batches and cached. */
export function loadMask(segmentId: number): Promise<MaskRle | null> {
  let p = masks.get(segmentId);
  if (!p) {
    p = new Promise((resolve) => {
      if (!pending) {
        pending = new Map();
        setTimeout(flushMasks, 0);
      }
      pending.set(segmentId, resolve);
    });
    masks.set(segmentId, p);
    while (masks.size > MASK_CACHE_ENTRIES) masks.delete(masks.keys().next().value as number);
  }
  return p;
}

/** Masks change when a segment is edited: forget the cached ones of these segments (all with none given). */
export function forgetMasks(segmentIds?: Iterable<number>): void {
  if (!segmentIds) masks.clear();
  else for (const id of segmentIds) masks.delete(id);
}

/**
 * Which pixels of an outW x outH crop the mask covers: `region` (original image pixels) is drawn at
 * `dest` (crop pixels). Every original pixel marks the crop pixels it lands on, so small segments
 * blown up stay solid and large ones shrunk keep their thin parts.
 */
export function maskInCrop(counts: readonly number[], height: number, region: Rect, dest: Rect, outW: number, outH: number): Uint8Array {
  const inside = new Uint8Array(outW * outH);
  const kx = dest.w / region.w;
  const ky = dest.h / region.h;
  forEachRun(counts, height, (x, y0, y1) => {
    if (x < region.x || x >= region.x + region.w) return;
    const ya = Math.max(y0, region.y);
    const yb = Math.min(y1, region.y + region.h);
    if (ya >= yb) return;
    const px0 = Math.max(0, Math.floor(dest.x + (x - region.x) * kx));
    const px1 = Math.min(outW, Math.max(px0 + 1, Math.floor(dest.x + (x + 1 - region.x) * kx)));
    const py0 = Math.max(0, Math.floor(dest.y + (ya - region.y) * ky));
    const py1 = Math.min(outH, Math.max(py0 + 1, Math.floor(dest.y + (yb - region.y) * ky)));
    for (let py = py0; py < py1; py++) inside.fill(1, py * outW + px0, py * outW + px1);
  });
  return inside;
}

/**
 * RGBA to lay over a crop: black at `dim` outside the segment (within `dest`, the photo's part of
 * the crop), an opaque white ring `ring` pixels wide along its edge, clear inside.
 */
export function cropOverlay(inside: Uint8Array, outW: number, outH: number, dest: Rect, dim = CROP_DIM, ring = 2): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(outW * outH * 4);
  const at = (x: number, y: number) => x >= 0 && y >= 0 && x < outW && y < outH && inside[y * outW + x] === 1;
  const x0 = Math.max(0, Math.floor(dest.x));
  const y0 = Math.max(0, Math.floor(dest.y));
  const x1 = Math.min(outW, Math.ceil(dest.x + dest.w));
  const y1 = Math.min(outH, Math.ceil(dest.y + dest.h));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const p = (y * outW + x) * 4;
      if (!at(x, y)) {
        rgba[p + 3] = Math.round(dim * 255);
        continue;
      }
      let edge = false;
      for (let d = 1; d <= ring && !edge; d++) edge = !at(x - d, y) || !at(x + d, y) || !at(x, y - d) || !at(x, y + d);
      if (edge) rgba.set([255, 255, 255, 255], p);
    }
  }
  return rgba;
}

const cache = new Map<number, Promise<HTMLImageElement>>();

function loadSource(imageId: number): Promise<HTMLImageElement> {
  let p = cache.get(imageId);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.decoding = 'async';
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`image ${imageId} did not load`));
      img.src = mediaUrl('thumb', imageId, CROP_SOURCE_SIZE);
    });
    p.catch(() => cache.delete(imageId));
    cache.set(imageId, p);
    while (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value as number);
  }
  return p;
}

/**
 * Draws the box [x, y, w, h] (original image pixels) of image `imageId`, whose full size is
 * `fullWidth`, centred and letterboxed into `canvas`; with the segment's mask, marks the segment.
 */
export async function drawCrop(
  canvas: HTMLCanvasElement,
  imageId: number,
  fullWidth: number,
  bbox: [number, number, number, number],
  mask?: Promise<MaskRle | null>,
): Promise<void> {
  const [img, rle] = await Promise.all([loadSource(imageId), mask ?? Promise.resolve(null)]);
  const s = img.naturalWidth / Math.max(1, fullWidth);
  const [bx, by, bw, bh] = bbox;
  const pad = Math.max(bw, bh) * CROP_PADDING;
  const side = Math.max(bw, bh) + 2 * pad;
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  const sx = Math.max(0, (cx - side / 2) * s);
  const sy = Math.max(0, (cy - side / 2) * s);
  const sw = Math.min(img.naturalWidth - sx, side * s);
  const sh = Math.min(img.naturalHeight - sy, side * s);
  const ctx = canvas.getContext('2d');
  if (!ctx || sw <= 0 || sh <= 0) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const k = Math.min(canvas.width / sw, canvas.height / sh);
  const dw = sw * k;
  const dh = sh * k;
  ctx.imageSmoothingQuality = 'high';
  const dest = { x: (canvas.width - dw) / 2, y: (canvas.height - dh) / 2, w: dw, h: dh };
  ctx.drawImage(img, sx, sy, sw, sh, dest.x, dest.y, dw, dh);
  if (!rle) return;
  const region = { x: sx / s, y: sy / s, w: sw / s, h: sh / s };
  let counts: number[];
  try {
    counts = decodeCounts(rle.counts);
  } catch {
    return; // a malformed mask leaves the plain crop
  }
  const inside = maskInCrop(counts, rle.size[0], region, dest, canvas.width, canvas.height);
  const overlay = newOverlay(canvas.width, canvas.height, cropOverlay(inside, canvas.width, canvas.height, dest));
  ctx.drawImage(overlay, 0, 0);
  canvas.dataset.masked = 'true';
}

function newOverlay(w: number, h: number, rgba: Uint8ClampedArray): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  c.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h), 0, 0);
  return c;
}
