// Corrections that last, through the browser UI against the real service: correct the classes,
// answer the review queue, add photos to the folder, process them, reload: every correction is
// still there and the new segments landed in the user's classes. Uses its own folder.

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ClassInfo, SegmentInfo } from '../../src-main/core/api/contract';
import { writePizzaFolder } from '../../src-main/tools/synth/writer';
import { apiCall, e2eState, listClasses, listImages, listSegments, shot, newAppPage } from './helpers';
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
  await page.locator('input[name="folder"]').fill(folder);
  const model = page.locator('select[name="model"]');
  if ((await model.locator('option[value="test-sam"]').count()) > 0) await model.selectOption('test-sam');
  await page.getByRole('button', { name: 'Open', exact: true }).click();
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
  await page.goto(state.openUrl);
  await expect(page.locator('[data-loaded="true"]')).toBeVisible();
  if (await page.locator('[data-view="gallery"]').isVisible()) await page.getByRole('button', { name: 'Open…' }).click();
  await openFolder(page);

  // Name the two largest classes through the class panel.
  const [a, b] = await listClasses(base);
  for (const [cls, name] of [
    [a, 'topping'],
    [b, 'cheese'],
  ] as [ClassInfo, string][]) {
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
