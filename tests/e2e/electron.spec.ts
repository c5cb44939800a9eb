// Smoke test of the desktop shell: the built app starts in Electron, shows the UI, exposes only the
// preload's forwarder (no Node in the page) and answers API calls over IPC. It needs Electron's
// binary, which offline installs (ELECTRON_SKIP_BINARY_DOWNLOAD) do not have: then it is skipped.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const root = process.cwd();
const electronDir = join(root, 'node_modules', 'electron');
const pathFile = join(electronDir, 'path.txt');
const binary = existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
const installed = binary !== null && existsSync(binary);
const built = existsSync(join(root, 'out', 'main', 'index.js')) && existsSync(join(root, 'out', 'preload', 'index.cjs'));

test('the desktop app starts, is locked down and answers over IPC', async () => {
  test.skip(
    !installed,
    'Electron binary not installed (node_modules/electron/dist is missing: offline install or ELECTRON_SKIP_BINARY_DOWNLOAD). ' +
      'Install it with `node node_modules/electron/install.js` to run this test.',
  );
  test.skip(!built, 'The app is not built: run `npm run build` first.');
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  delete env.ELECTRON_RUN_AS_NODE;
  const app = await electron.launch({ executablePath: binary!, args: [root, '--no-sandbox'], env });
  try {
    const win = await app.firstWindow();
    await expect(win.locator('[data-loaded="true"]')).toBeVisible({ timeout: 60_000 });
    expect(await win.title()).toBe('Samantic');
    // The UI comes from the app:// scheme, never file://.
    expect(win.url()).toBe('app://samantic/index.html');
    const exposed = await win.evaluate(() => ({
      bridge: typeof (globalThis as unknown as { samantic?: unknown }).samantic,
      require: typeof (globalThis as unknown as { require?: unknown }).require,
      process: typeof (globalThis as unknown as { process?: unknown }).process,
    }));
    expect(exposed).toEqual({ bridge: 'object', require: 'undefined', process: 'undefined' });
    const calls = await win.evaluate(async () => {
      const s = (
        globalThis as unknown as { samantic: { call(m: string, a?: unknown): Promise<{ ok: boolean; error?: { code: string } }> } }
      ).samantic;
      return {
        models: await s.call('listModels'),
        proto: await s.call('constructor'),
        bad: await s.call('listSegments', { imageId: 'x' }),
      };
    });
    expect(calls.models.ok).toBe(true);
    expect(calls.proto).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(calls.bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    // Navigation away from the app and popups are refused.
    await win.evaluate(() => (globalThis as unknown as { open(u: string): unknown }).open('https://example.com'));
    expect(app.windows()).toHaveLength(1);
  } finally {
    await app.close();
  }
});
