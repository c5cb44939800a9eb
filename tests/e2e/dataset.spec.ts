// Datasets in and out through the dialog: export YOLO segmentation and mask PNGs, then import a
// COCO file and see its categories appear as classes. Runs after app.spec.ts on the same server
// (the folder is then already open and processed) or on its own (it opens and processes it).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { parse } from 'yaml';
import type { ProjectSummary } from '../../src-main/core/api/contract';
import { E2E_HEIGHT, E2E_IMAGE_COUNT, E2E_WIDTH } from './global-setup';
import { apiCall, e2eState, gotoStartScreen, listClasses, newAppPage, openWithTestSam, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

const state = e2eState();
const base = state.baseURL;
const PROCESSING_TIMEOUT_MS = 20 * 60_000;
let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await newAppPage(browser);
});
test.afterAll(async () => page.close());

async function openDialog() {
  await page.keyboard.press('Control+e');
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  return dialog;
}

test('the folder is open and processed', async () => {
  await page.goto(state.openUrl);
  await expect(page.locator('[data-loaded="true"]')).toBeVisible();
  const summary = await apiCall<ProjectSummary | null>(base, 'getSummary');
  if (!summary || summary.images.done < E2E_IMAGE_COUNT) {
    await gotoStartScreen(page, state.openUrl);
    await openWithTestSam(page, state.folder);
  }
  await expect(page.locator('[data-view="gallery"]')).toBeVisible({ timeout: PROCESSING_TIMEOUT_MS });
});

test('exports YOLO segmentation with a split from the dialog', async () => {
  const withSegments = (await listClasses(base)).filter((c) => c.segmentCount > 0);
  const out = join(state.folder, 'exports', 'yolo');
  const dialog = await openDialog();
  await dialog.locator('input[name="format"][value="yolo-seg"]').check();
  await dialog.locator('input[name="split-on"]').check();
  await dialog.locator('input[name="split"]').fill('0.5,0.5');
  await dialog.locator('input[name="out"]').fill(out);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByTestId('export-result')).toBeVisible();
  await expect(dialog.getByTestId('export-splits')).toContainText('train');
  await shot(page, 'd1-export-yolo');
  const yaml = parse(readFileSync(join(out, 'data.yaml'), 'utf8')) as {
    path: string;
    train: string;
    val: string;
    names: Record<number, string>;
  };
  expect(yaml).toMatchObject({ path: out, train: 'images/train', val: 'images/val' });
  expect(Object.values(yaml.names).sort()).toEqual(withSegments.map((c) => c.name).sort());
  const labels = ['train', 'val'].flatMap((s) => readdirSync(join(out, 'labels', s)));
  expect(labels).toHaveLength(E2E_IMAGE_COUNT);
  const lines = ['train', 'val'].flatMap((s) =>
    readdirSync(join(out, 'labels', s)).flatMap((f) =>
      readFileSync(join(out, 'labels', s, f), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean),
    ),
  );
  expect(lines.length).toBe(Number(await dialog.getByTestId('export-annotations').textContent()));
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('exports mask PNGs from the dialog', async () => {
  const out = join(state.folder, 'exports', 'masks');
  const dialog = await openDialog();
  await dialog.locator('input[name="format"][value="masks"]').check();
  await dialog.locator('input[name="out"]').fill(out);
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByTestId('export-result')).toBeVisible();
  const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
  expect(pngs).toHaveLength(E2E_IMAGE_COUNT);
  const classes = JSON.parse(readFileSync(join(out, 'classes.json'), 'utf8')) as { index: number; name: string }[];
  expect(classes[0]).toMatchObject({ index: 0, name: 'background' });
  expect(classes.length - 1).toBe(Number(await dialog.getByTestId('export-categories').textContent()));
  await dialog.getByRole('button', { name: 'Close' }).click();
});

test('imports a COCO file and shows its categories as classes', async () => {
  const file = join(state.workDir, 'to-import.json');
  const sq = (x: number, y: number, s: number) => [[x, y, x + s, y, x + s, y + s, x, y + s]];
  writeFileSync(
    file,
    JSON.stringify({
      images: [{ id: 1, file_name: 'pizza-000.png', width: E2E_WIDTH, height: E2E_HEIGHT }],
      categories: [
        { id: 1, name: 'imported basil' },
        { id: 2, name: 'imported plate' },
      ],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, segmentation: sq(40, 40, 60), area: 3600, bbox: [40, 40, 60, 60], iscrowd: 0 },
        { id: 2, image_id: 1, category_id: 2, segmentation: sq(200, 150, 80), area: 6400, bbox: [200, 150, 80, 80], iscrowd: 0 },
      ],
    }),
  );
  expect(existsSync(file)).toBe(true);
  const dialog = await openDialog();
  await dialog.getByTestId('import-tab').click();
  await dialog.locator('input[name="import-format"][value="coco"]').check();
  await dialog.locator('input[name="source"]').fill(file);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByTestId('import-result')).toBeVisible({ timeout: 120_000 });
  await expect(dialog.getByTestId('import-classes')).toHaveText('imported basil, imported plate');
  await shot(page, 'd2-imported');
  await dialog.getByRole('button', { name: 'Close' }).click();
  for (const name of ['imported basil', 'imported plate']) {
    await expect(page.locator(`[data-testid="class-row"][data-class-name="${name}"]`)).toBeVisible();
  }
  const classes = await listClasses(base);
  expect(classes.find((c) => c.name === 'imported plate')?.segmentCount).toBe(1);
});
