#!/usr/bin/env node
// Part of `npm run lint`: what ESLint does not check about the tree's shape.
// - Import circles: ESLint's no-cycle skips `import type`; this counts every relative import, types
//   included, so a circle of type-only imports (which still ties two designs together) fails too.
// - File names: TypeScript files are kebab-case (`mask-data.ts`, test helpers `x.testing.ts`),
//   Svelte components PascalCase (`ImageView.svelte`).
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]*)['"]/g;
const EXTENSIONS = ['', '.ts', '.svelte', '/index.ts'];

export function importGraph(files) {
  const graph = new Map();
  for (const f of files) {
    const deps = [];
    for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) {
      const hit = EXTENSIONS.map((e) => resolve(dirname(f), m[1] + e)).find((p) => existsSync(p) && statSync(p).isFile());
      if (hit) deps.push(relative('.', hit));
    }
    graph.set(relative('.', resolve(f)), deps);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), i.e. the import circles. */
export function circles(graph) {
  let next = 0;
  const stack = [],
    onStack = new Set(),
    index = new Map(),
    low = new Map(),
    found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*(\.(svelte|testing|test|spec|config|d))*\.(ts|mjs)$/;
const PASCAL = /^[A-Z][A-Za-z0-9]*\.svelte$/;
export function badFileName(path) {
  const name = path.split('/').pop();
  return !(name.endsWith('.svelte') ? PASCAL.test(name) : KEBAB.test(name));
}

function main() {
  const files = execSync('git ls-files --cached --others --exclude-standard src-main src-renderer src-preload', { encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|svelte)$/.test(f) && !/\.test\.ts$/.test(f) && existsSync(f));
  const named = execSync(
    'git ls-files --cached --others --exclude-standard src-main src-renderer src-preload tests resources/scripts resources/lint',
    { encoding: 'utf8' },
  )
    .split('\n')
    .filter((f) => /\.(ts|mjs|svelte)$/.test(f) && existsSync(f) && !f.includes('/kernel/assembly/'));
  const badNames = named.filter(badFileName);
  const found = circles(importGraph(files));
  if (found.length > 0) process.stderr.write(`import circles (${found.length}):\n${found.map((c) => '  ' + c.join(' -> ')).join('\n')}\n`);
  if (badNames.length > 0)
    process.stderr.write(`file names not kebab-case (TypeScript) or PascalCase (Svelte):\n${badNames.map((f) => '  ' + f).join('\n')}\n`);
  if (found.length > 0 || badNames.length > 0) process.exit(1);
  process.stdout.write(`structure: ${files.length} files without an import circle, ${named.length} file names checked\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
