import { defineConfig } from 'vitest/config';
import { rendererAliases } from './electron.vite.config.ts';

/**
 * Files that take more than ~5 s each on a 2-core machine: they load an ONNX model, run the whole
 * pipeline, spawn processes or sweep many map sizes. `npm run test:fast` (SAMANTIC_TEST_FAST=1)
 * leaves them out for the inner loop; `npm run test:unit` and CI run everything.
 */
export const SLOW_TESTS = [
  'src-main/cli/*.test.ts',
  'src-main/core/amg/reference.test.ts',
  'src-main/core/amg/worker-pool.test.ts',
  'src-main/core/amg/sparse/*.test.ts',
  'src-main/core/cluster/auto-eps.test.ts',
  'src-main/core/cluster/neighbors.test.ts',
  'src-main/core/image/variants.test.ts',
  'src-main/core/model/encoder-worker-client.test.ts',
  'src-main/core/model/low-res-predictor.test.ts',
  'src-main/core/model/prompt-batch.test.ts',
  'src-main/core/model/runtime.test.ts',
  'src-main/core/model/testsam/quality.test.ts',
  'src-main/core/pipeline/*.test.ts',
  'src-main/core/service/*.test.ts',
  'src-main/server/prompt-host.test.ts',
  'src-main/server/read-host.test.ts',
  'src-main/tools/**/*.test.ts',
];

// Unit tests live beside the code (x.test.ts); end-to-end specs under tests/ run with Playwright.
export default defineConfig({
  resolve: { alias: rendererAliases },
  test: {
    include: ['src-main/**/*.test.ts', 'src-preload/**/*.test.ts', 'src-renderer/**/*.test.ts', 'resources/lint/*.test.mjs'],
    exclude: ['**/node_modules/**', ...(process.env.SAMANTIC_TEST_FAST === '1' ? SLOW_TESTS : [])],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
