#!/usr/bin/env node
// `npm run test:e2e`: the Playwright end-to-end suite (tests/playwright.config.ts) against the
// built UI and the real `samantic serve`. Uses Debian's Chromium; never downloads a browser.
// Extra arguments go to `playwright test` (e.g. `npm run test:e2e -- --project web`).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromium = process.env.SAMANTIC_CHROMIUM ?? '/usr/bin/chromium';

function fail(message) {
  process.stderr.write(`\ntest:e2e: ${message}\n\n`);
  process.exit(1);
}

if (!existsSync(chromium)) {
  fail(
    `No Chromium at ${chromium}. Install Debian's package (sudo apt-get install -y chromium), ` +
      'or point SAMANTIC_CHROMIUM at a Chromium/Chrome executable. Playwright never downloads browsers here.',
  );
}

if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) {
  process.stdout.write('test:e2e: the UI is not built yet; running `electron-vite build`…\n');
  const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) fail('`electron-vite build` failed; see above.');
}

const cli = join(root, 'node_modules/@playwright/test/cli.js');
const r = spawnSync(process.execPath, [cli, 'test', '--config', join(root, 'tests/playwright.config.ts'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
});
process.exit(r.status ?? 1);
