// The model picker against the real service: the start screen lists the models with the facts of
// `samantic models list` (family, speed class, size, present or not), lets the user choose a
// present one, and warns when a folder processed with one model is opened with another. The API
// is used only to check results.

import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { ClassInfo, ProjectSummary } from '../../src-main/core/api/contract';
import { writePizzaFolder } from '../../src-main/tools/synth/writer';
import { apiCall, e2eState, gotoStartScreen, newAppPage, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

const state = e2eState();
const base = state.baseURL;
const folder = join(state.workDir, 'model-switch');
const PROCESSING_TIMEOUT_MS = 10 * 60_000;
let page: Page;

test.beforeAll(async ({ browser }) => {
  await writePizzaFolder(folder, { count: 2, seed: 7, width: 384, height: 288 });
  page = await newAppPage(browser);
});
test.afterAll(async () => page.close());

async function openWith(model: string): Promise<void> {
  await page.locator('input[name="folder"]').fill(folder);
  await page.locator('select[name="model"]').selectOption(model);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
}

test('lists the models with their facts; missing ones cannot be chosen', async () => {
  await gotoStartScreen(page, state.openUrl);
  await expect(page.getByRole('heading', { name: 'Label a folder of photos' })).toBeVisible();
  const select = page.locator('select[name="model"]');
  await expect(select.locator('option[value="test-sam2"]')).toHaveText('test-sam2 (generated stand-in, SAM 2.1 interface) — fast');
  // Descriptors ship without weights: a model that is not downloaded is listed but disabled.
  const edge = select.locator('option[value="edgesam"]');
  if (await edge.count()) {
    const present = await apiCall<Array<{ id: string; present: boolean }>>(base, 'listModels');
    if (!present.find((m) => m.id === 'edgesam')?.present) {
      await expect(edge).toHaveText(/\(not downloaded\)$/);
      await expect(edge).toBeDisabled();
    }
  }
  await select.selectOption('test-sam2');
  await expect(page.getByTestId('model-facts')).toHaveText(
    'SAM 2 interface · fast on a CPU · generated stand-in (no learned weights) · always available',
  );
  await select.selectOption('test-edgesam');
  await expect(page.getByTestId('model-facts')).toContainText('clicks do not refine the last mask');
  await shot(page, 'models-01-picker');
});

test("a folder processed with test-sam and opened with test-sam2 warns and keeps the user's class name", async () => {
  await openWith('test-sam');
  await expect(page.locator('[data-view="gallery"]')).toBeVisible({ timeout: PROCESSING_TIMEOUT_MS });
  expect(await apiCall<ProjectSummary>(base, 'getSummary')).toMatchObject({ modelId: 'test-sam', switchedFrom: null });
  const before = await apiCall<ClassInfo[]>(base, 'listClasses');
  expect(before.length).toBeGreaterThan(0);
  await apiCall(base, 'renameClass', { classId: before[0].id, name: 'chosen name' });

  // Open… is a detour: the start screen leads back to the open project without opening it again.
  await page.getByRole('button', { name: 'Open…' }).click();
  await expect(page.getByTestId('back-to-project')).toHaveText('← Back to model-switch');
  await page.getByTestId('back-to-project').click();
  await expect(page.locator('[data-view="gallery"]')).toBeVisible();
  await page.getByRole('button', { name: 'Open…' }).click();
  await openWith('test-sam2');
  await expect(page.getByTestId('toast-info').filter({ hasText: 'processed with test-sam; it is now open with test-sam2' })).toBeVisible();
  await shot(page, 'models-02-switched');
  expect(await apiCall<ProjectSummary>(base, 'getSummary')).toMatchObject({ modelId: 'test-sam2', switchedFrom: 'test-sam' });
  const after = await apiCall<ClassInfo[]>(base, 'listClasses');
  expect(after.find((c) => c.id === before[0].id)?.name).toBe('chosen name');
});
