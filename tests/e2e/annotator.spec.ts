// The annotator's day inside the image view and the class panel, at the project's viewport (run at
// 1440x900 and at 1024x700, see playwright.config.ts): the first undo after processing asks first,
// undo and redo say what they undid, the toolbar stays on one line, the right-click menu stays
// inside the window, background segments can be shown, hovered, selected and restored, a class
// marked as background leaves no empty class, a selection spread over images is counted per image,
// new classes get consistent names, crops mark their segment, and renaming says what is wrong.
// Each viewport uses its own small folder, so the two runs do not depend on each other.

import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { ClassInfo, ProjectSummary, SegmentInfo } from '../../src-main/core/api/contract';
import { writePizzaFolder } from '../../src-main/tools/synth/writer';
import { decodeMask } from '../../src-main/core/coco/rle';
import { apiCall, e2eState, gotoStartScreen, listClasses, listImages, newAppPage, openWithTestSam, screenPoint, shot } from './helpers';
import { E2E_HEIGHT, E2E_WIDTH } from './global-setup';

test.describe.configure({ mode: 'serial' });

const state = e2eState();
const base = state.baseURL;
const PROCESSING_TIMEOUT_MS = 20 * 60_000;
const IMAGES = 3;

let page: Page;
let tag = '';

const ordered = async () => (await listClasses(base)).sort((a, b) => a.order - b.order || a.id - b.id);
const row = (classId: number) => page.locator(`[data-testid="class-row"][data-class-id="${classId}"]`);
const canvas = () => page.getByTestId('image-canvas');
const segmentsOf = (imageId: number, includeBackground = false) =>
  apiCall<SegmentInfo[]>(base, 'listSegments', { imageId, includeBackground });
const lastToast = (kind: 'info' | 'error' | 'success') => page.getByTestId(`toast-${kind}`).last();

/** The box of `el` lies fully inside the window. */
async function expectInsideViewport(el: Locator): Promise<void> {
  const box = await el.boundingBox();
  const vp = page.viewportSize()!;
  expect(box, 'element is visible').not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(vp.width);
  expect(box!.y + box!.height).toBeLessThanOrEqual(vp.height);
}

/** The image view's toolbar is one line: nothing wraps, nothing is clipped at its right end. */
async function expectToolbarFits(): Promise<void> {
  const bar = page.getByTestId('image-toolbar');
  const fits = await bar.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const kids = [...el.children].filter((c) => c.getClientRects().length > 0);
    const middles = kids.map((c) => c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2);
    const rights = kids.map((c) => c.getBoundingClientRect().right);
    const heights = kids.map((c) => c.getBoundingClientRect().height);
    return {
      height: r.height,
      overflow: el.scrollWidth - el.clientWidth,
      spread: Math.max(...middles) - Math.min(...middles),
      tallest: Math.max(...heights),
      right: Math.max(...rights),
      barRight: r.right,
    };
  });
  expect(fits.height).toBeLessThanOrEqual(41);
  expect(fits.overflow).toBeLessThanOrEqual(0);
  // One line: every item centred on the same row, none taller than the bar (no wrapped text).
  expect(fits.spread).toBeLessThanOrEqual(2);
  expect(fits.tallest).toBeLessThanOrEqual(fits.height);
  expect(fits.right).toBeLessThanOrEqual(fits.barRight + 0.5);
}

async function openImage(imageId: number): Promise<void> {
  await page.locator(`.tile[data-image-id="${imageId}"]`).first().click();
  await expect(canvas()).toHaveAttribute('data-image-id', String(imageId));
  await expect(canvas()).toHaveAttribute('data-ready', 'true');
}

/**
 * For each segment, an image point where a click selects it even a pixel off (screen coordinates
 * are whole pixels): the owned pixel nearest its owned centroid whose 5x5 neighbourhood it owns
 * too. Segments owning no such spot are left out.
 */
function solidPoints(segments: SegmentInfo[], width: number, height: number): Map<number, { x: number; y: number }> {
  const owner = new Int32Array(width * height).fill(-1);
  const order = segments.map((_, i) => i).sort((a, b) => segments[b].area - segments[a].area || segments[a].id - segments[b].id);
  for (const i of order) {
    const m = decodeMask(segments[i].rle).data;
    for (let p = 0; p < m.length; p++) if (m[p]) owner[p] = i;
  }
  const sums = segments.map(() => ({ x: 0, y: 0, n: 0 }));
  for (let p = 0; p < owner.length; p++) {
    if (owner[p] < 0) continue;
    const c = sums[owner[p]];
    c.x += p % width;
    c.y += Math.floor(p / width);
    c.n++;
  }
  const best = new Map<number, { x: number; y: number; d: number }>();
  for (let y = 2; y < height - 2; y++) {
    for (let x = 2; x < width - 2; x++) {
      const o = owner[y * width + x];
      if (o < 0) continue;
      let solid = true;
      for (let dy = -2; dy <= 2 && solid; dy++) for (let dx = -2; dx <= 2 && solid; dx++) solid = owner[(y + dy) * width + x + dx] === o;
      if (!solid) continue;
      const c = sums[o];
      const d = (x - c.x / c.n) ** 2 + (y - c.y / c.n) ** 2;
      const id = segments[o].id;
      if (d < (best.get(id)?.d ?? Infinity)) best.set(id, { x: x + 0.5, y: y + 0.5, d });
    }
  }
  return new Map([...best].map(([id, p]) => [id, { x: p.x, y: p.y }]));
}

/** The image's segments that a click can select reliably, with where to click them. */
async function clickable(
  imageId: number,
  includeBackground = false,
): Promise<{ segments: SegmentInfo[]; at: Map<number, { x: number; y: number }> }> {
  const segments = await segmentsOf(imageId, includeBackground);
  const img = (await listImages(base)).find((i) => i.id === imageId)!;
  const at = solidPoints(segments, img.width, img.height);
  return { segments: segments.filter((s) => at.has(s.id)), at };
}

/** Toasts sit over the bottom of the canvas: dismissed before a click there, so it reaches the image. */
async function dismissToasts(): Promise<void> {
  const close = page.locator('.toasts').getByRole('button', { name: 'Dismiss' });
  // (A toast may time out on its own meanwhile: then the click finds nothing, which is fine.)
  for (let n = await close.count(); n > 0; n = await close.count())
    await close
      .first()
      .click({ timeout: 2000 })
      .catch(() => undefined);
}

async function clickAt(point: { x: number; y: number }, button: 'left' | 'right' = 'left'): Promise<void> {
  await dismissToasts();
  const s = await screenPoint(page, point.x, point.y);
  await page.mouse.click(s.x, s.y, { button });
}

test.beforeAll(async ({ browser }) => {
  page = await newAppPage(browser);
  const vp = page.viewportSize()!;
  tag = `${vp.width}x${vp.height}`;
});
test.afterAll(async () => page.close());

test('opens its folder; the first undo after processing asks before dropping the discovered classes', async () => {
  const folder = join(state.workDir, `annotator-${tag}`);
  await writePizzaFolder(folder, { count: IMAGES, seed: 1717, width: E2E_WIDTH, height: E2E_HEIGHT });
  await gotoStartScreen(page, state.openUrl);
  await openWithTestSam(page, folder);
  await expect
    .poll(async () => (await apiCall<ProjectSummary>(base, 'getSummary'))?.images.pending, { timeout: PROCESSING_TIMEOUT_MS })
    .toBe(0);
  await expect(page.locator('[data-view="gallery"]')).toBeVisible({ timeout: PROCESSING_TIMEOUT_MS });
  const summary = await apiCall<ProjectSummary>(base, 'getSummary');
  expect(summary.classes).toBeGreaterThanOrEqual(2);
  expect(summary.undoAutomatic).toBe(true);

  // Asked in the page; declined (Cancel, then Esc): nothing changes.
  const question = page.getByTestId('confirm-dialog');
  await page.keyboard.press('Control+z');
  await expect(question).toContainText('automatic class discovery');
  await expect(question).toContainText(`${summary.classes} discovered classes`);
  await expect(page.getByTestId('confirm-yes')).toBeFocused();
  await shot(page, `annotator-${tag}-01b-undo-question`);
  await page.getByTestId('confirm-no').click();
  await expect(question).toBeHidden();
  await page.keyboard.press('Control+z');
  await expect(question).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(question).toBeHidden();
  expect((await listClasses(base)).length).toBe(summary.classes);
  expect((await apiCall<ProjectSummary>(base, 'getSummary')).canRedo).toBe(false);
  // Confirmed with Enter: the discovered classes go; Redo brings every one of them back.
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('confirm-yes')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await listClasses(base)).length).toBe(0);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await listClasses(base)).length).toBe(summary.classes);
});

test('undo and redo say what they undo', async () => {
  const [a, b] = await ordered();
  await row(a.id).locator('button.pick').click();
  await row(b.id)
    .locator('button.pick')
    .click({ modifiers: ['Control'] });
  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  await expect.poll(async () => (await listClasses(base)).some((c) => c.id === b.id)).toBe(false);
  await page.keyboard.press('Control+z');
  await expect(lastToast('info')).toHaveText(new RegExp(`Undo: merge ${b.name} into ${a.name}`));
  await expect.poll(async () => (await listClasses(base)).some((c) => c.id === b.id)).toBe(true);
  await shot(page, `annotator-${tag}-undo-toast`);
  await page.keyboard.press('Control+Shift+z');
  await expect(lastToast('info')).toHaveText(new RegExp(`Redo: merge ${b.name} into ${a.name}`));
  await expect.poll(async () => (await listClasses(base)).some((c) => c.id === b.id)).toBe(false);
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await listClasses(base)).some((c) => c.id === b.id)).toBe(true);
});

test('the toolbar stays on one line and the right-click menu inside the window', async () => {
  const img = (await listImages(base)).find((i) => i.status === 'done' && i.segmentCount > 3)!;
  await openImage(img.id);
  await expectToolbarFits();
  await expect(page.getByTestId('selection-count')).toHaveText(/0 selected/);
  await shot(page, `annotator-${tag}-toolbar`);

  // Select one segment, then right-click near each corner of the canvas.
  const { segments: segs, at } = await clickable(img.id);
  await clickAt(at.get(segs[0].id)!);
  await expect(canvas()).toHaveAttribute('data-selection', String(segs[0].id));
  const box = (await canvas().boundingBox())!;
  await dismissToasts();
  for (const [fx, fy] of [
    [0.98, 0.98],
    [0.02, 0.98],
    [0.98, 0.02],
  ]) {
    await page.mouse.click(box.x + box.width * fx, box.y + box.height * fy, { button: 'right' });
    const menu = page.getByTestId('assign-menu');
    await expect(menu).toBeVisible();
    await expect(menu).toHaveCSS('visibility', 'visible');
    await expectInsideViewport(menu);
    await expectInsideViewport(page.getByTestId('menu-background'));
    if (fx > 0.5 && fy > 0.5) await shot(page, `annotator-${tag}-menu`);
    await page.keyboard.press('Escape');
    await page.mouse.click(box.x + 2, box.y + 2); // closes the menu (and may clear the selection)
    await clickAt(at.get(segs[0].id)!);
  }
});

test('background: marked, shown on demand, hovered, selected and restored; the tooltip says unassigned', async () => {
  const imageId = Number(await canvas().getAttribute('data-image-id'));
  const { segments: segs, at } = await clickable(imageId);
  const target = segs.find((s) => s.classId === null) ?? segs[0];
  await clickAt(at.get(target.id)!);
  await expect(canvas()).toHaveAttribute('data-selection', String(target.id));
  await page.keyboard.press('b');
  await expect.poll(async () => (await segmentsOf(imageId, true)).find((s) => s.id === target.id)?.background).toBe(true);
  await expect(canvas()).toHaveAttribute('data-background-shown', '0');

  await page.keyboard.press('h');
  await expect(page.getByTestId('show-background')).toBeChecked();
  await expect.poll(async () => Number(await canvas().getAttribute('data-background-shown'))).toBeGreaterThanOrEqual(1);
  // Shown, it is drawn under the others as before: the same spot selects it.
  const p = await screenPoint(page, at.get(target.id)!.x, at.get(target.id)!.y);
  await page.mouse.move(p.x, p.y);
  await expect(page.getByTestId('hover-tip')).toHaveAttribute('data-place', 'background');
  await expect(page.getByTestId('hover-tip')).toContainText('background');
  await page.mouse.click(p.x, p.y);
  await expect(canvas()).toHaveAttribute('data-selection', String(target.id));
  await shot(page, `annotator-${tag}-background`);
  await page.keyboard.press('u');
  await expect
    .poll(async () => (await segmentsOf(imageId)).find((s) => s.id === target.id))
    .toMatchObject({ background: false, classId: null, decided: true });
  await page.mouse.move(p.x + 1, p.y);
  await expect(page.getByTestId('hover-tip')).toHaveAttribute('data-place', 'unassigned');
  await expect(page.getByTestId('hover-tip')).toContainText('unassigned');
  await page.keyboard.press('h');
  await expect(page.getByTestId('show-background')).not.toBeChecked();
});

test('a class marked as background goes with its segments, in one undoable gesture', async () => {
  const before = await ordered();
  const victim = before[before.length - 1];
  await page.keyboard.press('Escape');
  await row(victim.id).locator('button.pick').click();
  await page.getByTestId('classes-background').click();
  await expect.poll(async () => (await listClasses(base)).some((c) => c.id === victim.id)).toBe(false);
  const after = await listClasses(base);
  expect(after.length).toBe(before.length - 1);
  expect(after.filter((c) => c.segmentCount === 0)).toEqual([]);
  await page.keyboard.press('Control+z');
  await expect(lastToast('info')).toHaveText(new RegExp(`Undo: mark ${victim.name} as background`));
  await expect.poll(async () => (await listClasses(base)).find((c) => c.id === victim.id)?.segmentCount).toBe(victim.segmentCount);
});

test('a selection across images: counted per image, filtered, highlighted here', async () => {
  const imageId = Number(await canvas().getAttribute('data-image-id'));
  const { segments: segs, at } = await clickable(imageId);
  const assigned = segs.find((s) => s.classId !== null) ?? segs[0];
  await clickAt(at.get(assigned.id)!);
  await page.keyboard.press('s');
  await expect.poll(async () => ((await canvas().getAttribute('data-selection')) ?? '').split(',').length).toBeGreaterThan(1);
  const selected = ((await canvas().getAttribute('data-selection')) ?? '').split(',').map(Number);
  const where = await apiCall<{ segmentId: number; imageId: number }[]>(base, 'findSegments', { segmentIds: selected });
  const here = where.filter((w) => w.imageId === imageId).length;
  const images = new Set(where.map((w) => w.imageId));
  // The header says how many are here and in all; the thumbnails count them per image.
  const text = here === selected.length ? `${here} selected` : `${here} here, ${selected.length} in all`;
  await expect(page.getByTestId('selection-count')).toContainText(text);
  const badges = page.getByTestId('selection-badge');
  await expect(badges).toHaveCount(images.size);
  const counts = await badges.allTextContents();
  expect(counts.map(Number).reduce((x, y) => x + y, 0)).toBe(selected.length);
  // Every selected segment of this image is drawn highlighted, class or not.
  await expect(canvas()).toHaveAttribute('data-highlighted', String(here));
  // With "3 here, 21 in all" and the filter button, the toolbar still fits on one line.
  await expectToolbarFits();
  if (here < selected.length) {
    await page.getByTestId('show-selected').click();
    await expect(page.locator('.gallery.compact .tile')).toHaveCount(images.size);
  }
  await shot(page, `annotator-${tag}-selection`);
  if (await page.getByTestId('show-selected').isVisible()) await page.getByTestId('show-selected').click();
  await page.keyboard.press('Escape');
});

test('a new class is "class N" with shortcut N; crops mark their segment', async () => {
  const imageId = Number(await canvas().getAttribute('data-image-id'));
  const { segments: segs, at } = await clickable(imageId);
  const n = (await listClasses(base)).length;
  await clickAt(at.get((segs.find((s) => s.classId === null) ?? segs[segs.length - 1]).id)!);
  await page.keyboard.press('n');
  await expect.poll(async () => (await listClasses(base)).length).toBe(n + 1);
  const created = (await ordered()).at(-1)!;
  expect(created.name).toBe(`class ${n + 1}`);
  if (n + 1 <= 9) await expect(row(created.id).locator('kbd')).toHaveText(String(n + 1));
  // Its colour keeps apart from the others (no two near-identical greens).
  const others = (await listClasses(base)).filter((c) => c.id !== created.id).map((c) => c.color);
  expect(others).not.toContain(created.color);

  // The largest class's crops dim everything but their segment.
  const big = (await listClasses(base)).sort((a, b) => b.segmentCount - a.segmentCount)[0];
  await row(big.id).getByRole('button', { name: 'Show examples' }).click();
  const crop = row(big.id).getByTestId('crop').first();
  await expect(crop.locator('canvas')).toHaveAttribute('data-masked', 'true');
  await shot(page, `annotator-${tag}-crops`);
  await row(big.id).getByRole('button', { name: 'Hide examples' }).click();
  await page.keyboard.press('Control+z');
  await expect(lastToast('info')).toHaveText(new RegExp(`Undo: new class class ${n + 1}`));
});

test('renaming: an empty name and a taken name say so, without internal names', async () => {
  const [a, b] = await ordered();
  for (const [name, expected] of [
    ['   ', /needs a name/],
    [b.name, /already used/],
  ] as [string, RegExp][]) {
    // The pencil shows on hover (double-click on the name renames too).
    await row(a.id).hover();
    await row(a.id)
      .getByRole('button', { name: /^Rename/ })
      .click();
    const input = page.getByRole('textbox', { name: 'Class name' });
    await input.fill(name);
    await input.press('Enter');
    const toast = lastToast('error');
    await expect(toast).toHaveText(expected);
    await expect(toast).not.toContainText('renameClass');
    await expectInsideViewport(toast);
    await toast.getByRole('button', { name: 'Dismiss' }).click();
  }
  expect((await listClasses(base)).find((c: ClassInfo) => c.id === a.id)?.name).toBe(a.name);
  await shot(page, `annotator-${tag}-rename`);
});
