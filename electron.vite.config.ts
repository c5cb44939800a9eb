// Build of the desktop app's three targets. Sources do not live in electron-vite's default
// src/main, src/preload, src/renderer, so every entry is named here.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

const root = dirname(fileURLToPath(import.meta.url));

/** The only main-process modules the renderer may import (lint enforces it): the API contract and the RLE codec. */
export const rendererAliases = {
  '@contract': resolve(root, 'src-main/core/api/contract.ts'),
  '@rle': resolve(root, 'src-main/core/mask/rle-string.ts'),
};

export default defineConfig({
  main: {
    build: {
      // Native and heavy packages (better-sqlite3, onnxruntime-node, sharp) stay external: they load
      // their .node binaries from node_modules at run time. externalizeDeps covers "dependencies".
      externalizeDeps: true,
      // The service worker (src-main/server/service-worker.ts) is bundled through its ?nodeWorker import.
      // The encoder and AMG workers are entries of their own (out/main/encoder-worker.js,
      // amg-worker.js): the core starts them by file (core/workers/boot.ts looks one folder above
      // the chunk), because the same core code also runs unbundled under tsx and vitest, where
      // `?modulePath` does not exist.
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/shell/index.ts'),
          'encoder-worker': resolve(root, 'src-main/core/model/encoder-worker.ts'),
          'amg-worker': resolve(root, 'src-main/core/amg/worker.ts'),
          'prompt-worker': resolve(root, 'src-main/server/prompt-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: resolve(root, 'src-preload/index.ts') },
        // Sandboxed preload scripts cannot be ES modules.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [svelte()],
    resolve: { alias: rendererAliases },
    build: {
      outDir: resolve(root, 'out/renderer'),
      rolldownOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
});
