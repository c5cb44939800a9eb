// Corrections that last, through the browser UI against the real service: correct the classes,
// answer the review queue, add photos to the folder, process them, reload: every correction is
// still there and the new segments landed in the user's classes. Then, on the same project: a
// corrected segment offers its look-alikes, propagating them lasts a reload and undo brings them
// back; the review queue's batch answer takes a group of guesses at once. Uses its own folder.

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ClassInfo, GuessGroup, LookAlike, SegmentInfo } from '../../src-main/core/api/contract';
import { writePizzaFolder } from '../../src-main/tools/synth/writer';
import {
  apiCall,
  clickPoint,
  e2eState,
  gotoStartScreen,
  listClasses,
  listImages,
  listSegments,
  newAppPage,
  openWithTestSam,
  screenPoint,
  shot,
} from './helpers';
import { E2E_HEIGHT, E2E_WIDTH } from './global-setup';

test.describe.configure({ mode: 'serial' });

const state = e2eState();
const base = state.baseURL;
const PROCESSING_TIMEOUT_MS = 20 * 60_000;
const folder = join(state.workDir, 'corrections');
const row = (page: Page, classId: number) => page.locator(`[data-testid="class-row"][data-class-id="${classId}"]`);

async function allSegments(): Promise<Map<number, SegmentInfo>> {
  const out = new Map<number, SegmentInfo>();
  for (const img of await listImages(base)) for (const s of await listSegments(base, img.id)) out.set(s.id, s);
  return out;
}

async function openFolder(page: Page): Promise<void> {
  await openWithTestSam(page, folder);
  await expect(page.locator('[data-view="gallery"]')).toBeVisible({ timeout: PROCESSING_TIMEOUT_MS });
}

async function addPhotos(seed: number, prefix: string): Promise<void> {
  const dir = join(state.workDir, `${prefix}-src`);
  await writePizzaFolder(dir, { count: 3, seed, width: E2E_WIDTH, height: E2E_HEIGHT });
  mkdirSync(folder, { recursive: true });
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.png'))) copyFileSync(join(dir, f), join(folder, `${prefix}-${f}`));
}

test('corrections survive new photos, and the new segments join the user classes', async ({ browser }) => {
  const page = await newAppPage(browser);
  await addPhotos(31, 'first');
  await gotoStartScreen(page, state.openUrl);
  await openFolder(page);

  // Name the two largest classes through the class panel.
  const [a, b] = await listClasses(base);
  for (const [cls, name] of [
    [a, 'topping'],
    [b, 'cheese'],
  ] as [ClassInfo, string][]) {
    // The pencil shows on hover (double-click on the name renames too).
    await row(page, cls.id).hover();
    await row(page, cls.id)
      .getByRole('button', { name: /^Rename/ })
      .click();
    const input = page.getByRole('textbox', { name: 'Class name' });
    await input.fill(name);
    await input.press('Enter');
    await expect(row(page, cls.id)).toHaveAttribute('data-class-name', name);
    await expect(row(page, cls.id)).toHaveAttribute('data-status', 'decided');
  }

  // Answer the review queue: background for the first question, "right" for the next.
  await page.getByTestId('tab-review').click();
  const item = page.getByTestId('review-item');
  const hasQuestions = await item.isVisible().catch(() => false);
  let backgroundId: number | null = null;
  let acceptedId: number | null = null;
  if (hasQuestions) {
    backgroundId = Number(await item.getAttribute('data-segment-id'));
    await page.keyboard.press('b');
    await expect.poll(async () => (await allSegments()).has(backgroundId!)).toBe(false);
    // The queue moves on to the next question (or empties) once the answer is recorded.
    await expect
      .poll(async () => ((await item.isVisible()) ? Number(await item.getAttribute('data-segment-id')) : null))
      .not.toBe(backgroundId);
    if (await item.isVisible()) {
      acceptedId = Number(await item.getAttribute('data-segment-id'));
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await allSegments()).get(acceptedId!)?.decided).toBe(true);
    }
  }
  await shot(page, 'corrections-01-reviewed');
  const before = await allSegments();
  const classesBefore = await listClasses(base);

  // Three more photos arrive; opening the folder again processes them.
  await addPhotos(32, 'later');
  await page.getByRole('button', { name: 'Open…' }).click();
  await openFolder(page);
  await page.reload();
  await expect(page.locator('[data-view="gallery"]')).toBeVisible();
  await expect(page.locator('.tile[data-status="done"]')).toHaveCount(6);
  await expect(row(page, a.id)).toHaveAttribute('data-class-name', 'topping');
  await expect(row(page, b.id)).toHaveAttribute('data-class-name', 'cheese');

  // Every old segment is as the user left it; the user's classes kept name and colour.
  const after = await allSegments();
  for (const [id, s] of before) expect(after.get(id)?.classId, `segment ${id}`).toBe(s.classId);
  if (backgroundId !== null) expect(after.has(backgroundId)).toBe(false);
  const classesAfter = await listClasses(base);
  for (const c of classesBefore.filter((x) => x.status === 'decided')) {
    expect(classesAfter.find((x) => x.id === c.id)).toMatchObject({ name: c.name, color: c.color, status: 'decided' });
  }
  // The new photos' segments: some joined the user's classes, none was decided by the machine.
  const fresh = [...after.values()].filter((s) => !before.has(s.id) && s.id !== backgroundId);
  expect(fresh.length).toBeGreaterThan(0);
  expect(fresh.every((s) => !s.decided)).toBe(true);
  expect(fresh.filter((s) => s.classId === a.id || s.classId === b.id).length).toBeGreaterThan(0);
  // They wait for review: the panel and the gallery say how many.
  await expect(row(page, a.id).getByTestId('class-unreviewed')).toBeVisible();
  await expect(page.getByTestId('image-unreviewed').first()).toBeVisible();
  await shot(page, 'corrections-02-after-new-photos');
  expect((await apiCall<unknown[]>(base, 'reviewQueue', { limit: 5 })).length).toBeGreaterThan(0);
  await page.close();
});

test('a correction offers its look-alikes: propagated, they last a reload and undo brings them back; batch review', async ({ browser }) => {
  const page = await newAppPage(browser);
  await page.goto(state.openUrl);
  await expect(page.locator('[data-loaded="true"]')).toBeVisible();
  if (!(await page.locator('[data-view="gallery"]').isVisible())) await openFolder(page);

  // A segment no decision covers, that a click can select, moved into a class it is not in.
  const classes = await listClasses(base);
  const target = classes.find((c) => c.status === 'decided')!;
  const digit = classes.findIndex((c) => c.id === target.id) + 1;
  expect(digit).toBeGreaterThan(0);
  expect(digit).toBeLessThan(10);
  let pick: { imageId: number; segmentId: number; x: number; y: number } | null = null;
  for (const img of await listImages(base)) {
    const segs = await listSegments(base, img.id);
    for (const seg of segs.filter((x) => !x.decided && x.classId !== target.id).sort((a, b) => b.area - a.area)) {
      try {
        pick = { imageId: img.id, segmentId: seg.id, ...clickPoint(segs, img.width, img.height, seg.id) };
        break;
      } catch {
        continue;
      }
    }
    if (pick) break;
  }
  expect(pick).not.toBeNull();
  const { imageId, segmentId } = pick!;
  await page.locator(`.gallery:not(.compact) [data-image-id="${imageId}"]`).click();
  const canvas = page.getByTestId('image-canvas');
  await expect(canvas).toBeVisible();
  await page.keyboard.press('v');
  await page.keyboard.press('Escape');
  // The view may still settle its fit (panels filling in) after it is ready: click until it lands.
  await expect(async () => {
    const p = await screenPoint(page, pick!.x, pick!.y);
    await page.mouse.click(p.x, p.y);
    await expect(canvas).toHaveAttribute('data-selection', String(segmentId), { timeout: 2_000 });
  }).toPass();
  await page.keyboard.press(String(digit));
  await expect.poll(async () => (await allSegments()).get(segmentId)?.classId).toBe(target.id);

  // The bar offers its look-alikes (those the API lists for it); move the three most similar.
  const bar = page.getByTestId('propagate-bar');
  await expect(bar).toBeVisible();
  const offered = await apiCall<LookAlike[]>(base, 'lookAlikes', { segmentId, limit: 50 });
  expect(offered.length).toBeGreaterThan(0);
  const n = Math.min(3, offered.length);
  const moved = offered.slice(0, n).map((o) => o.segmentId);
  const beforeMove = await allSegments();
  await page.getByTestId('propagate-count').fill(String(n));
  await expect(page.getByTestId('propagate-apply')).toHaveText(`Move ${n}`);
  await page.getByTestId('propagate-apply').click();
  await expect(bar).toBeHidden();
  await expect
    .poll(async () => {
      const m = await allSegments();
      return moved.every((id) => m.get(id)?.classId === target.id && m.get(id)?.decided === true);
    })
    .toBe(true);
  await shot(page, 'corrections-03-propagated');

  // A reload keeps them; undo (one gesture) puts exactly them back, the corrected segment stays.
  await page.reload();
  await expect(page.locator('[data-loaded="true"]')).toBeVisible();
  const reloaded = await allSegments();
  for (const id of moved) expect(reloaded.get(id)?.classId, `segment ${id}`).toBe(target.id);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  await page.keyboard.press('Control+z');
  await expect
    .poll(async () => {
      const m = await allSegments();
      return moved.map((id) => m.get(id)?.classId ?? null);
    })
    .toEqual(moved.map((id) => beforeMove.get(id)?.classId ?? null));
  expect((await allSegments()).get(segmentId)?.classId).toBe(target.id);

  // Batch review: the largest group of guesses, taken with one key, is one undoable gesture.
  await page.getByTestId('tab-review').click();
  const groups = page.getByTestId('review-guess-group');
  await expect(groups.first()).toBeVisible();
  const [group] = await apiCall<GuessGroup[]>(base, 'reviewGuesses');
  await expect(groups.first()).toHaveAttribute('data-count', String(group.segmentIds.length));
  const beforeBatch = await allSegments();
  await page.keyboard.press('l');
  await expect
    .poll(async () => {
      const m = await allSegments();
      return group.segmentIds.every((id) =>
        group.classId === null ? !m.has(id) : m.get(id)?.classId === group.classId && m.get(id)?.decided,
      );
    })
    .toBe(true);
  await shot(page, 'corrections-04-batch-review');
  await page.keyboard.press('Control+z');
  await expect
    .poll(async () => {
      const m = await allSegments();
      return group.segmentIds.map((id) => m.get(id)?.classId ?? 'background');
    })
    .toEqual(group.segmentIds.map((id) => beforeBatch.get(id)?.classId ?? 'background'));
  await page.close();
});
