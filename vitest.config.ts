import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (x.test.ts); end-to-end specs under tests/ run with Playwright.
export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-preload/**/*.test.ts', 'src-renderer/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
