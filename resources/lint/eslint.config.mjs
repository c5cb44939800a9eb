// The house rules that a reviewer should not have to check by eye: layers that never point up, no
// import circles, the core free of electron/DOM/Svelte, the renderer reaching the main process only
// through the API contract, and test helpers (*.testing.ts) kept out of product code.
// Layers, top to bottom (a file may import its own layer or lower ones):
//   shell, server, cli, tools -> core/service, core/api -> core/pipeline
//   -> core/{model, amg, embed, cluster, store, actions, coco} -> core/{mask, image, labels, workers}
//   -> core/{util, errors, types, vocab}
import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const core = (d) => `./src-main/core/${d}`;
const TOP = ['./src-main/shell', './src-main/server', './src-main/cli', './src-main/tools'];
const SERVICE = [core('service'), core('api')];
const PIPELINE = [core('pipeline')];
const DOMAIN = ['model', 'amg', 'embed', 'cluster', 'store', 'actions', 'coco'].map(core);
const BASE = ['mask', 'image', 'labels', 'workers'].map(core);
const UTIL = [core('util'), core('errors.ts'), core('types.ts'), core('vocab.ts')];

/** Each layer's files may not import from any layer above it. */
const layerZones = [
  { target: [...SERVICE, ...PIPELINE, ...DOMAIN, ...BASE, ...UTIL], from: TOP },
  { target: [...PIPELINE, ...DOMAIN, ...BASE, ...UTIL], from: SERVICE, except: [] },
  { target: [...DOMAIN, ...BASE, ...UTIL], from: PIPELINE },
  { target: [...BASE, ...UTIL], from: DOMAIN },
  { target: UTIL, from: BASE },
].flatMap(({ target, from }) =>
  target.map((t) => ({ target: t, from, message: 'a lower layer may not import a higher one (see resources/lint/eslint.config.mjs)' })),
);

/** Pairs inside one layer that must stay one-way (the store persists diffs; it never runs actions). */
const sideZones = [
  { target: core('store'), from: [core('actions')], message: 'the store persists diffs; actions run on top of it' },
  { target: core('coco'), from: [core('store'), core('actions')], message: 'exporters take plain segments, not the store' },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'artifacts/**',
      'models/**',
      'src-main/core/amg/sparse/kernel/assembly/**',
      '**/*.svelte',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    plugins: { 'import-x': importX },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        WebAssembly: 'readonly',
        globalThis: 'readonly',
        SharedArrayBuffer: 'readonly',
        Atomics: 'readonly',
      },
    },
    settings: {
      'import-x/resolver': { typescript: { project: ['tsconfig.json', 'tsconfig.web.json'], noWarnOnMultipleProjects: true }, node: true },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/**/*.test.ts', 'src-main/**/*.testing.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...sideZones] }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/*.testing', '**/*.testing.ts', 'vitest'], message: 'test helpers stay out of product code' }] },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/shell/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', 'svelte', 'konva'],
          patterns: [
            {
              group: ['electron/*', 'svelte/*'],
              message: 'only src-main/shell may import electron; the core never imports the DOM or Svelte',
            },
            { group: ['**/*.testing', '**/*.testing.ts', 'vitest'], message: 'test helpers stay out of product code' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.test.ts', 'src-main/**/*.testing.ts'],
    // Tests reshape parsed JSON freely (bad descriptors, stale generator records).
    rules: { 'no-restricted-imports': ['error', { paths: ['electron', 'svelte', 'konva'] }], '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src-renderer/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src-main/**', '../../../*'],
              message: "the renderer reaches the main process only through '@contract' (and the shared '@rle')",
            },
          ],
        },
      ],
    },
  },
);
