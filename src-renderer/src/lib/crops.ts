// Example crops for the class panel, cut client-side from a downscaled copy of each photo: one
// image download per photo serves every crop of it, for every class.

import { mediaUrl } from './api';

/** Edge of the downscaled photo crops are cut from: enough detail for 80 px tiles of small parts. */
export const CROP_SOURCE_SIZE = 768;
/** Context kept around the segment's box, as a share of its size, so the crop shows where it is. */
export const CROP_PADDING = 0.15;
/** Photos kept decoded; beyond this the oldest are dropped. */
const CACHE_ENTRIES = 64;

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
 * `fullWidth`, centred and letterboxed into `canvas`.
 */
export async function drawCrop(
  canvas: HTMLCanvasElement,
  imageId: number,
  fullWidth: number,
  bbox: [number, number, number, number],
): Promise<void> {
  const img = await loadSource(imageId);
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
  ctx.drawImage(img, sx, sy, sw, sh, (canvas.width - dw) / 2, (canvas.height - dh) / 2, dw, dh);
}
