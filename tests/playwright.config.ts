// End-to-end suite: the built UI in Debian's Chromium against `samantic serve` (real service), plus
// an Electron smoke test that runs only where Electron's binary is installed. Browsers are never
// downloaded: Playwright drives /usr/bin/chromium (apt-get install chromium).
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.SAMANTIC_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './e2e',
  outputDir: '../test-results',
  globalSetup: './e2e/global-setup.ts',
  // One server, one project, specs that build on each other's edits: run serially.
  workers: 1,
  fullyParallel: false,
  // The first spec waits for SAM on every image; on two busy CPU cores that can take many minutes.
  timeout: 25 * 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  retries: 0,
  use: {
    viewport: { width: 1440, height: 900 },
    actionTimeout: 20_000,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'web', testMatch: /(app|dataset|masks)\.spec\.ts$/, use: { browserName: 'chromium' } },
    // HTTP attacks on the real server; no browser needed.
    { name: 'security', testMatch: /security\.spec\.ts$/ },
    { name: 'corrections', testMatch: /corrections\.spec\.ts$/, use: { browserName: 'chromium' } },
    // Looking at results while a folder of larger photos is processed; Cancel, Resume, reload.
    { name: 'processing', testMatch: /processing\.spec\.ts$/, use: { browserName: 'chromium' } },
    { name: 'electron', testMatch: /electron\.spec\.ts$/ },
    { name: 'models', testMatch: /models\.spec\.ts$/, use: { browserName: 'chromium' } },
    // The image view and class panel at a large and at a small window (own folder each).
    { name: 'annotator', testMatch: /annotator\.spec\.ts$/, use: { browserName: 'chromium', viewport: { width: 1440, height: 900 } } },
    {
      name: 'annotator-small',
      testMatch: /annotator\.spec\.ts$/,
      use: { browserName: 'chromium', viewport: { width: 1024, height: 700 } },
    },
  ],
});
