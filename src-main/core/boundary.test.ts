import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The pure core must run under plain Node, vitest and the CLI: it may not import electron, the DOM
// or Svelte. Only src-main/shell (the thin desktop shell) may import electron.
const here = new URL('.', import.meta.url).pathname;
const srcMain = join(here, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

const forbidden = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](electron|svelte|konva)(?:\/[^'"]*)?['"]/;

describe('core boundary', () => {
  it('finds the core sources', () => {
    expect(tsFiles(here).length).toBeGreaterThan(5);
  });

  it('no file outside src-main/shell imports electron, svelte or konva', () => {
    const offenders = tsFiles(srcMain)
      .filter((f) => !relative(srcMain, f).startsWith('shell') && f !== new URL(import.meta.url).pathname)
      .filter((f) => forbidden.test(readFileSync(f, 'utf8')))
      .map((f) => relative(srcMain, f));
    expect(offenders).toEqual([]);
  });

  it('the pattern really catches an electron import', () => {
    expect(forbidden.test("import { app } from 'electron';")).toBe(true);
    expect(forbidden.test("const { ipcMain } = require('electron/main')")).toBe(true);
    expect(forbidden.test("import { foo } from './electron-like';")).toBe(false);
  });
});
