// Helpers for the end-to-end specs: a small client for the server's HTTP API (to check what the
// UI did, never to do it), the synthetic folder's ground truth, and the geometry needed to click
// a given segment on the canvas.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { ClassInfo, ImageInfo, SegmentInfo } from '../../src-main/core/api/contract';
import { decodeMask } from '../../src-main/core/coco/rle';
import type { CocoGroundTruth } from '../../src-main/tools/synth/writer';

export interface E2eState {
  /** The server's base URL, without the token. */
  baseURL: string;
  /** The URL `samantic serve` printed: baseURL with ?token=..., what a user opens. */
  openUrl: string;
  /** The server's access token (sent as Authorization: Bearer by apiCall). */
  token: string;
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

/** The token of the suite's server, when there is one (the specs' API calls must carry it). */
function suiteToken(): string | null {
  const raw = process.env.SAMANTIC_E2E_STATE;
  return raw ? ((JSON.parse(raw) as E2eState).token ?? null) : null;
}

export async function apiCall<T>(baseURL: string, method: string, args?: unknown): Promise<T> {
  const token = suiteToken();
  const send = () =>
    fetch(new URL(`/api/${method}`, baseURL), {
      method: 'POST',
      headers: token ? { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` } : { 'Content-Type': 'application/json' },
      body: args === undefined ? '' : JSON.stringify(args),
    });
  let res: Response;
  try {
    res = await send();
  } catch {
    // A kept-alive socket the server closed while this process was busy decoding masks: the
    // request never reached the server, so sending it again on a fresh connection is safe.
    res = await send();
  }
  const body = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${method} failed (${res.status}): ${JSON.stringify(body)}`);
  return body as T;
}

export const listClasses = (base: string) => apiCall<ClassInfo[]>(base, 'listClasses');
export const listImages = (base: string) => apiCall<ImageInfo[]>(base, 'listImages');
export const listSegments = (base: string, imageId: number) => apiCall<SegmentInfo[]>(base, 'listSegments', { imageId });

function boxesMeet(a: readonly number[], b: readonly number[]): boolean {
  return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

/** IoU of two masks given as 0/1 bytes of the same size. */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

export interface InstanceMatch {
  imageId: number;
  /** The segment with the highest IoU (at least the minimum), or null when none reaches it. */
  segment: SegmentInfo | null;
  iou: number;
}

/** For every ground-truth instance of `category`, its best-matching segment (IoU >= minIou). */
export async function matchInstances(base: string, groundTruthFile: string, category: string, minIou = 0.5): Promise<InstanceMatch[]> {
  const gt = JSON.parse(readFileSync(groundTruthFile, 'utf8')) as CocoGroundTruth;
  const cat = gt.categories.find((c) => c.name === category);
  if (!cat) throw new Error(`ground truth has no category '${category}'`);
  const images = await listImages(base);
  const out: InstanceMatch[] = [];
  for (const gimg of gt.images) {
    const img = images.find((i) => i.relPath === gimg.file_name);
    if (!img || img.status !== 'done') continue;
    const segs = await listSegments(base, img.id);
    const masks = new Map<number, Uint8Array>();
    for (const ann of gt.annotations.filter((a) => a.image_id === gimg.id && a.category_id === cat.id)) {
      const gtMask = decodeMask(ann.segmentation as never).data;
      let best: SegmentInfo | null = null;
      let bestIou = minIou;
      for (const seg of segs) {
        if (!boxesMeet(seg.bbox, ann.bbox)) continue; // IoU 0: skip the pixel loop
        if (!masks.has(seg.id)) masks.set(seg.id, decodeMask(seg.rle).data);
        const v = maskIou(masks.get(seg.id)!, gtMask);
        if (v >= bestIou) [best, bestIou] = [seg, v];
      }
      out.push({ imageId: img.id, segment: best, iou: best ? bestIou : 0 });
    }
  }
  return out;
}

/**
 * The class the pipeline gave to a ground-truth category: every instance's best-matching segment
 * votes for its class; the class with most votes wins.
 */
export function majorityClass(matches: InstanceMatch[]): { classId: number; votes: number; instances: number } {
  const votes = new Map<number, number>();
  for (const m of matches) {
    const cls = m.segment?.classId ?? null;
    if (cls !== null) votes.set(cls, (votes.get(cls) ?? 0) + 1);
  }
  const ranked = [...votes].sort((a, b) => b[1] - a[1]);
  if (ranked.length === 0) throw new Error(`no segment matches any of the ${matches.length} instances well enough`);
  return { classId: ranked[0][0], votes: ranked[0][1], instances: matches.length };
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
  const [s, ox, oy] = await Promise.all(
    ['data-scale', 'data-offset-x', 'data-offset-y'].map(async (a) => Number(await canvas.getAttribute(a))),
  );
  return { x: box.x + ox + x * s, y: box.y + oy + y * s };
}

/**
 * Loads the app from the URL the server printed and shows the start screen. The suite shares one
 * server, so another spec's project may be open: then "Open…" leads back to the start screen.
 */
export async function gotoStartScreen(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await page.locator('[data-loaded="true"]').waitFor();
  const folder = page.locator('input[name="folder"]');
  if (!(await folder.isVisible())) await page.getByRole('button', { name: 'Open…' }).click();
  await folder.waitFor();
}

/** On the start screen: types the folder, picks test-sam where it is listed, and opens it. */
export async function openWithTestSam(page: Page, folder: string): Promise<void> {
  await page.locator('input[name="folder"]').fill(folder);
  const model = page.locator('select[name="model"]');
  if ((await model.locator('option[value="test-sam"]').count()) > 0) await model.selectOption('test-sam');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
}

/** A new page whose script errors show in the test output. */
export async function newAppPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  return page;
}
