// Fixing segments through the browser UI against the real service (test-sam): add the crust the
// generator misses with one box, fix an olive with two clicks, erase a patch with the eraser, undo
// and redo, reload, export. Checked pixel by pixel against the synthetic scene's ground truth.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ProjectSummary, SegmentInfo } from '../../src-main/core/api/contract';
import { decodeMask } from '../../src-main/core/coco/rle';
import { rasterizePolygons } from '../../src-main/core/coco/geometry';
import { interiorPoint } from '../../src-main/core/model/interior-point';
import type { CocoGroundTruth } from '../../src-main/tools/synth/writer';
import {
  apiCall,
  clickPoint,
  e2eState,
  gotoStartScreen,
  listImages,
  listSegments,
  maskIou,
  newAppPage,
  openWithTestSam,
  screenPoint,
  shot,
} from './helpers';

test.describe.configure({ mode: 'serial' });

const state = e2eState();
const base = state.baseURL;
const PROCESSING_TIMEOUT_MS = 20 * 60_000;
const gt = JSON.parse(readFileSync(state.groundTruthFile, 'utf8')) as CocoGroundTruth;
const gtImage = gt.images[0];
const catId = (name: string) => gt.categories.find((c) => c.name === name)!.id;
const truth = (name: string) => gt.annotations.filter((a) => a.image_id === gtImage.id && a.category_id === catId(name));

let page: Page;
let imageId = 0;
let crustId = 0;
let crustArea = 0;
let erasedArea = 0;

const maskOf = (s: SegmentInfo) => decodeMask(s.rle).data;
const gtMask = (a: CocoGroundTruth['annotations'][number]) => decodeMask(a.segmentation as never).data;
const segment = async (id: number) => (await listSegments(base, imageId)).find((s) => s.id === id) ?? null;
const canvas = () => page.getByTestId('image-canvas');

async function at(x: number, y: number) {
  return screenPoint(page, x, y);
}

test.beforeAll(async ({ browser }) => {
  page = await newAppPage(browser);
});
test.afterAll(async () => page.close());

test('opens the processed folder on the first pizza', async () => {
  await page.goto(state.openUrl);
  await expect(page.locator('[data-loaded="true"]')).toBeVisible();
  const summary = await apiCall<ProjectSummary | null>(base, 'getSummary');
  if (!summary || summary.folder !== state.folder) {
    await gotoStartScreen(page, state.openUrl);
    await openWithTestSam(page, state.folder);
  }
  await expect(page.locator('[data-view="gallery"]')).toBeVisible({ timeout: PROCESSING_TIMEOUT_MS });
  imageId = (await listImages(base)).find((i) => i.relPath === gtImage.file_name)!.id;
  await page.locator(`.gallery:not(.compact) [data-image-id="${imageId}"]`).click();
  await expect(canvas()).toHaveAttribute('data-image-id', String(imageId));
  await expect(canvas()).toHaveAttribute('data-ready', 'true');
});

test('adds the crust with one box', async () => {
  const [crust] = truth('crust');
  const [x, y, w, h] = crust.bbox;
  const before = new Set((await listSegments(base, imageId)).map((s) => s.id));
  await page.keyboard.press('Escape');
  await page.keyboard.press('r');
  await expect(canvas()).toHaveAttribute('data-tool', 'box');
  const a = await at(x, y);
  const b = await at(x + w, y + h);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
  await expect(canvas()).not.toHaveAttribute('data-draft-area', '');
  await shot(page, 'm1-crust-box');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await listSegments(base, imageId)).filter((s) => !before.has(s.id)).length).toBe(1);
  const added = (await listSegments(base, imageId)).find((s) => !before.has(s.id))!;
  expect(maskIou(maskOf(added), gtMask(crust))).toBeGreaterThanOrEqual(0.8);
  crustId = added.id;
  crustArea = added.area;
  // The new segment is selected: give it a class of its own (N), so the export carries it.
  await expect(canvas()).toHaveAttribute('data-selection', String(crustId));
  await page.keyboard.press('n');
  await expect.poll(async () => (await segment(crustId))?.classId ?? null).not.toBeNull();
});

test('fixes an olive with two clicks', async () => {
  const olives = truth('olive');
  const segs = await listSegments(base, imageId);
  // The olive whose best segment is worst: the one most in need of fixing.
  const scored = olives.map((o) => {
    const m = gtMask(o);
    let best: SegmentInfo | null = null;
    let bestIou = 0;
    for (const s of segs) {
      const v = maskIou(maskOf(s), m);
      if (v > bestIou) [best, bestIou] = [s, v];
    }
    return { o, m, best, bestIou };
  });
  scored.sort((p, q) => p.bestIou - q.bestIou);
  const target = scored[0];
  const inside = interiorPoint({ width: gtImage.width, height: gtImage.height, data: target.m })!;
  const p1 = await at(inside[0] + 0.5, inside[1] + 0.5);
  await page.keyboard.press('v');
  await page.keyboard.press('Escape');
  const decodes = Number(await canvas().getAttribute('data-decodes'));
  await page.keyboard.press('p');
  await page.mouse.click(p1.x, p1.y);
  await expect(canvas()).toHaveAttribute('data-draft-points', '1');
  await expect.poll(async () => Number(await canvas().getAttribute('data-decodes'))).toBeGreaterThan(decodes);
  // The second click: the deepest olive pixel away from the first click (another point well inside it).
  const w = gtImage.width;
  const rest = Uint8Array.from(target.m, (v, q) => (v && ((q % w) - inside[0]) ** 2 + (Math.floor(q / w) - inside[1]) ** 2 > 16 ? 1 : 0));
  const far = interiorPoint({ width: w, height: gtImage.height, data: rest }) ?? inside;
  const p2 = await at(far[0] + 0.5, far[1] + 0.5);
  await page.mouse.click(p2.x, p2.y);
  await expect(canvas()).toHaveAttribute('data-draft-points', '2');
  await expect(canvas()).not.toHaveAttribute('data-draft-area', '');
  await expect(canvas()).toHaveAttribute('data-pending', '0');
  await shot(page, 'm2-olive-clicks');
  const before = new Set(segs.map((s) => s.id));
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await listSegments(base, imageId)).filter((s) => !before.has(s.id)).length).toBe(1);
  const fixed = (await listSegments(base, imageId)).find((s) => !before.has(s.id))!;
  const fixedIou = maskIou(maskOf(fixed), target.m);
  expect(fixedIou).toBeGreaterThanOrEqual(0.7);
});

test('erases a patch of the crust, undoes and redoes it', async () => {
  const segs = await listSegments(base, imageId);
  const img = (await listImages(base)).find((i) => i.id === imageId)!;
  const pick = clickPoint(segs, img.width, img.height, crustId);
  await page.keyboard.press('v');
  await page.keyboard.press('Escape');
  const p = await at(pick.x, pick.y);
  await page.mouse.click(p.x, p.y);
  await expect(canvas()).toHaveAttribute('data-selection', String(crustId));
  await page.keyboard.press('e');
  await expect(page.getByTestId('brush-size')).toContainText('8px');
  await page.keyboard.press(']');
  await expect(page.getByTestId('brush-size')).toContainText('10px');
  const q = await at(pick.x + 4, pick.y);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await page.mouse.move(q.x, q.y, { steps: 4 });
  await page.mouse.up();
  await expect.poll(async () => (await segment(crustId))!.area).toBeLessThan(crustArea);
  erasedArea = (await segment(crustId))!.area;
  await shot(page, 'm3-erased');
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await segment(crustId))!.area).toBe(crustArea);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await segment(crustId))!.area).toBe(erasedArea);
});

test('keeps the edits after a reload and exports them', async () => {
  await page.reload();
  await expect(page.locator('[data-view="gallery"], [data-view="image"]')).toBeVisible();
  expect((await segment(crustId))!.area).toBe(erasedArea);
  const out = join(state.folder, 'exports', 'coco-masks.json');
  await page.keyboard.press('Control+e');
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await dialog.locator('input[name="out"]').fill(out);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByTestId('export-result')).toBeVisible();
  const coco = JSON.parse(readFileSync(out, 'utf8')) as {
    images: Array<{ id: number; file_name: string; width: number; height: number }>;
    annotations: Array<{ image_id: number; area: number; segmentation: number[][] | { size: [number, number]; counts: string } }>;
  };
  const cimg = coco.images.find((i) => i.file_name === gtImage.file_name)!;
  const crust = gtMask(truth('crust')[0]);
  const masks = coco.annotations
    .filter((a) => a.image_id === cimg.id)
    .map((a) =>
      Array.isArray(a.segmentation) ? rasterizePolygons(a.segmentation, cimg.width, cimg.height) : decodeMask(a.segmentation).data,
    );
  const best = Math.max(...masks.map((m) => maskIou(m, crust)));
  expect(best).toBeGreaterThanOrEqual(0.8);
  await dialog.getByRole('button', { name: 'Close' }).click();
});
