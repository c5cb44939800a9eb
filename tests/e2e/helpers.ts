// Helpers for the end-to-end specs: a small client for the server's HTTP API (to check what the
// UI did, never to do it), the synthetic folder's ground truth, and the geometry needed to click
// a given segment on the canvas.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { ClassInfo, ImageInfo, SegmentInfo } from '../../src-main/core/api/contract';
import { decodeMask } from '../../src-main/core/coco/rleString';
import type { CocoGroundTruth } from '../../src-main/core/synth/writer';

export interface E2eState {
  baseURL: string;
  folder: string;
  workDir: string;
  groundTruthFile: string;
}

/** What the global setup left for the specs (see global-setup.ts). */
export function e2eState(): E2eState {
  const raw = process.env.SAMANTIC_E2E_STATE;
  if (!raw) throw new Error('SAMANTIC_E2E_STATE is not set: run the suite through `npm run test:e2e` (tests/playwright.config.ts).');
  return JSON.parse(raw) as E2eState;
}

export const ARTIFACTS = join(process.cwd(), 'artifacts', 'e2e');

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function apiCall<T>(baseURL: string, method: string, args?: unknown): Promise<T> {
  const res = await fetch(new URL(`/api/${method}`, baseURL), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: args === undefined ? '' : JSON.stringify(args),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${method} failed (${res.status}): ${JSON.stringify(body)}`);
  return body as T;
}

export const listClasses = (base: string) => apiCall<ClassInfo[]>(base, 'listClasses');
export const listImages = (base: string) => apiCall<ImageInfo[]>(base, 'listImages');
export const listSegments = (base: string, imageId: number) => apiCall<SegmentInfo[]>(base, 'listSegments', { imageId });

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/**
 * The class the pipeline gave to a ground-truth category: for every GT instance of it, the segment
 * with the highest IoU (at least `minIou`) votes for its class; the class with most votes wins.
 */
export async function classCovering(
  base: string,
  groundTruthFile: string,
  category: string,
  minIou = 0.5,
): Promise<{ classId: number; votes: number; instances: number }> {
  const gt = JSON.parse(readFileSync(groundTruthFile, 'utf8')) as CocoGroundTruth;
  const cat = gt.categories.find((c) => c.name === category);
  if (!cat) throw new Error(`ground truth has no category '${category}'`);
  const images = await listImages(base);
  const votes = new Map<number, number>();
  let instances = 0;
  for (const gimg of gt.images) {
    const img = images.find((i) => i.relPath === gimg.file_name);
    if (!img || img.status !== 'done') continue;
    const segs = await listSegments(base, img.id);
    const masks = segs.map((s) => decodeMask(s.rle).data);
    for (const ann of gt.annotations.filter((a) => a.image_id === gimg.id && a.category_id === cat.id)) {
      instances++;
      const gtMask = decodeMask(ann.segmentation as never).data;
      let best = -1;
      let bestIou = minIou;
      masks.forEach((m, i) => {
        const v = iou(m, gtMask);
        if (v >= bestIou) [best, bestIou] = [i, v];
      });
      const cls = best >= 0 ? segs[best].classId : null;
      if (cls !== null) votes.set(cls, (votes.get(cls) ?? 0) + 1);
    }
  }
  const ranked = [...votes].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) throw new Error(`no segment matches any '${category}' instance (${instances} instances) with IoU >= ${minIou}`);
  return { classId: ranked[0][0], votes: ranked[0][1], instances };
}

/**
 * An image pixel where `segmentId` is the innermost segment (what a click there selects): the
 * owned pixel nearest the centroid of all its owned pixels, found the way the UI finds it
 * (smallest covering segment wins).
 */
export function clickPoint(segments: SegmentInfo[], width: number, height: number, segmentId: number): { x: number; y: number } {
  const owner = new Int32Array(width * height).fill(-1);
  const order = segments.map((_, i) => i).sort((a, b) => segments[b].area - segments[a].area || segments[a].id - segments[b].id);
  for (const i of order) {
    const m = decodeMask(segments[i].rle).data;
    for (let p = 0; p < m.length; p++) if (m[p]) owner[p] = i;
  }
  const target = segments.findIndex((s) => s.id === segmentId);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let p = 0; p < owner.length; p++) {
    if (owner[p] === target) {
      sx += p % width;
      sy += Math.floor(p / width);
      n++;
    }
  }
  if (n === 0) throw new Error(`segment ${segmentId} is covered everywhere by smaller segments; it cannot be clicked`);
  const cx = sx / n;
  const cy = sy / n;
  let best = { x: 0, y: 0, d: Infinity };
  for (let p = 0; p < owner.length; p++) {
    if (owner[p] !== target) continue;
    const x = p % width;
    const y = Math.floor(p / width);
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    if (d < best.d) best = { x, y, d };
  }
  // The pixel's centre.
  return { x: best.x + 0.5, y: best.y + 0.5 };
}

/** Screen position of image pixel (x, y) on the image canvas, from the view's published transform. */
export async function screenPoint(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const canvas = page.getByTestId('image-canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('image canvas is not visible');
  const [s, ox, oy] = await Promise.all(['data-scale', 'data-offset-x', 'data-offset-y'].map(async (a) => Number(await canvas.getAttribute(a))));
  return { x: box.x + ox + x * s, y: box.y + oy + y * s };
}
