#!/usr/bin/env node
// Part of `npm run lint`: fails when the import graph of the product sources has a circle. ESLint's
// no-cycle skips `import type`; this check counts every relative import, types included, so a
// circle of type-only imports (which still ties two modules' designs together) is caught too.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

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
    graph.set(f, deps);
  }
  return graph;
}

/** Strongly connected components of more than one file (Tarjan), i.e. the import circles. */
export function circles(graph) {
  let next = 0;
  const stack = [], onStack = new Set(), index = new Map(), low = new Map(), found = [];
  const visit = (v) => {
    index.set(v, next); low.set(v, next++); stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); component.push(w); } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const files = execSync('git ls-files --cached --others --exclude-standard src-main src-renderer src-preload', { encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|svelte)$/.test(f) && !/\.test\.ts$/.test(f) && existsSync(f));
const found = circles(importGraph(files));
if (found.length > 0) {
  process.stderr.write(`import circles (${found.length}):\n${found.map((c) => '  ' + c.join(' -> ')).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`cycles: ${files.length} files, no import circle\n`);
