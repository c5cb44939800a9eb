// Mask rasters for the image view, built once per image and reused on every redraw: a label map
// (for each pixel, the smallest segment that covers it, so clicks pick the innermost segment), a
// colour fill and outlines drawn from it, and per-segment highlight bitmaps cut to the segment's
// box. Konva then only blits these canvases; zoom and pan never re-decode a mask.

import type { SegmentInfo } from '@contract';
import { decodeCounts, forEachRun } from './rle';

export type Rgb = [number, number, number];

export interface SegmentMaps {
  width: number;
  height: number;
  segments: SegmentInfo[];
  /** Per pixel (row-major): index into `segments` of the smallest covering segment, or -1. */
  labels: Int32Array;
  indexOf: Map<number, number>;
  /** Decoded run lengths per segment, kept for highlights. */
  runs: number[][];
}

export function hexToRgb(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [128, 128, 128];
}

/** Paints segments largest first so that each pixel ends up owned by the smallest one. */
export function buildSegmentMaps(segments: SegmentInfo[], width: number, height: number): SegmentMaps {
  const labels = new Int32Array(width * height).fill(-1);
  // A malformed mask must not take the whole image view down: it is left out (empty runs).
  const runs = segments.map((s) => {
    try {
      return decodeCounts(s.rle.counts);
    } catch {
      return [];
    }
  });
  const order = segments.map((_, i) => i).sort((a, b) => segments[b].area - segments[a].area || segments[a].id - segments[b].id);
  for (const i of order) {
    const [h, w] = segments[i].rle.size;
    if (h !== height || w !== width) continue; // a mask of another size cannot be placed; skip it
    forEachRun(runs[i], h, (x, y0, y1) => {
      for (let y = y0, p = y0 * width + x; y < y1; y++, p += width) labels[p] = i;
    });
  }
  return { width, height, segments, labels, indexOf: new Map(segments.map((s, i) => [s.id, i])), runs };
}

function newCanvas(w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = Math.max(1, w);
  c.height = Math.max(1, h);
  return c;
}

/**
 * One canvas with every visible segment filled in its colour (`colorOf` returns null to leave a
 * segment out: hidden class or no class), and a second with its outlines (pixels whose right or
 * lower neighbour belongs to another segment).
 */
export function renderFillAndOutline(
  maps: SegmentMaps,
  colorOf: (s: SegmentInfo) => Rgb | null,
): { fill: HTMLCanvasElement; outline: HTMLCanvasElement } {
  const { width: w, height: h, labels, segments } = maps;
  const colors = segments.map(colorOf);
  const fill = newCanvas(w, h);
  const outline = newCanvas(w, h);
  const fctx = fill.getContext('2d')!;
  const octx = outline.getContext('2d')!;
  const fd = fctx.createImageData(w, h);
  const od = octx.createImageData(w, h);
  const f = fd.data;
  const o = od.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0, p = y * w; x < w; x++, p++) {
      const l = labels[p];
      if (l < 0) continue;
      const c = colors[l];
      if (c) {
        f[p * 4] = c[0];
        f[p * 4 + 1] = c[1];
        f[p * 4 + 2] = c[2];
        f[p * 4 + 3] = 255;
      }
      const edge =
        x === 0 ||
        y === 0 ||
        x === w - 1 ||
        y === h - 1 ||
        labels[p + 1] !== l ||
        labels[p + w] !== l ||
        labels[p - 1] !== l ||
        labels[p - w] !== l;
      if (edge) {
        // Outlines in a lighter tint of the class colour read well on both photo and fill.
        const oc = c ?? [200, 200, 200];
        o[p * 4] = Math.min(255, oc[0] + 60);
        o[p * 4 + 1] = Math.min(255, oc[1] + 60);
        o[p * 4 + 2] = Math.min(255, oc[2] + 60);
        o[p * 4 + 3] = 255;
      }
    }
  }
  fctx.putImageData(fd, 0, 0);
  octx.putImageData(od, 0, 0);
  return { fill, outline };
}

/**
 * A bitmap of one segment's full mask (not only where it is on top), cut to its box, filled with
 * `rgba` and ringed with an opaque border. Returned with the position to draw it at.
 */
export function renderHighlight(
  maps: SegmentMaps,
  segmentId: number,
  rgb: Rgb,
  fillAlpha: number,
): { canvas: HTMLCanvasElement; x: number; y: number } | null {
  const i = maps.indexOf.get(segmentId);
  if (i === undefined) return null;
  const s = maps.segments[i];
  const [bx, by, bw, bh] = s.bbox.map((v) => Math.round(v));
  if (bw <= 0 || bh <= 0) return null;
  // One pixel of margin on each side for the border.
  const x0 = bx - 1;
  const y0 = by - 1;
  const cw = bw + 2;
  const ch = bh + 2;
  const inside = new Uint8Array(cw * ch);
  forEachRun(maps.runs[i], s.rle.size[0], (x, ya, yb) => {
    const cx = x - x0;
    if (cx < 0 || cx >= cw) return;
    for (let y = ya; y < yb; y++) {
      const cy = y - y0;
      if (cy >= 0 && cy < ch) inside[cy * cw + cx] = 1;
    }
  });
  const canvas = newCanvas(cw, ch);
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(cw, ch);
  const d = img.data;
  const a = Math.round(fillAlpha * 255);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const p = y * cw + x;
      if (!inside[p]) continue;
      const border =
        x === 0 || y === 0 || x === cw - 1 || y === ch - 1 || !inside[p - 1] || !inside[p + 1] || !inside[p - cw] || !inside[p + cw];
      d[p * 4] = border ? 255 : rgb[0];
      d[p * 4 + 1] = border ? 255 : rgb[1];
      d[p * 4 + 2] = border ? 255 : rgb[2];
      d[p * 4 + 3] = border ? 255 : a;
    }
  }
  ctx.putImageData(img, 0, 0);
  return { canvas, x: x0, y: y0 };
}

/** The id of the smallest segment covering image pixel (x, y), or null. */
export function segmentAt(maps: SegmentMaps, x: number, y: number): number | null {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  if (xi < 0 || yi < 0 || xi >= maps.width || yi >= maps.height) return null;
  const l = maps.labels[yi * maps.width + xi];
  return l < 0 ? null : maps.segments[l].id;
}

/** Ids of the segments whose box lies entirely inside the rectangle (image pixels). */
export function segmentsInRect(maps: SegmentMaps, x0: number, y0: number, x1: number, y1: number): number[] {
  const [ax, bx] = x0 < x1 ? [x0, x1] : [x1, x0];
  const [ay, by] = y0 < y1 ? [y0, y1] : [y1, y0];
  return maps.segments
    .filter((s) => s.bbox[0] >= ax && s.bbox[1] >= ay && s.bbox[0] + s.bbox[2] <= bx && s.bbox[1] + s.bbox[3] <= by)
    .map((s) => s.id);
}
