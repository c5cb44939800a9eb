import { defineConfig } from 'vitest/config';
import { rendererAliases } from './electron.vite.config.ts';

// Unit tests live beside the code (x.test.ts); end-to-end specs under tests/ run with Playwright.
export default defineConfig({
  resolve: { alias: rendererAliases },
  test: {
    include: ['src-main/**/*.test.ts', 'src-preload/**/*.test.ts', 'src-renderer/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
