// The README's key table is written by hand for users; this keeps it honest against the one table
// (shortcuts.ts) that drives both the key handler and the `?` overlay: every key the overlay lists
// must appear, in backticks, in the README row of the same group. Read as text: shortcuts.ts pulls
// in the whole renderer state, which a node test does not need to check a table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '../../..');
const source = readFileSync(join(root, 'src-renderer/src/lib/shortcuts.ts'), 'utf8');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Pointer gestures: the README says them in words (click, drag, wheel), not as keys. */
const GESTURES = /click|drag|wheel/i;

function listed(): Array<{ group: string; key: string }> {
  const out: Array<{ group: string; key: string }> = [];
  const entry = /keys: '([^']+)',\s*what: (?:'(?:[^'\\]|\\.)*'|"[^"]*"|`[^`]*`),\s*group: '(\w+)'/g;
  for (const m of source.matchAll(entry)) {
    for (const key of m[1].split(' / ').map((k) => k.trim())) if (!GESTURES.test(key)) out.push({ group: m[2], key });
  }
  return out;
}

function readmeRow(group: string): string {
  const row = readme.split('\n').find((l) => l.startsWith(`| ${group} |`));
  if (!row) throw new Error(`README.md has no "| ${group} |" row in its key table`);
  return row;
}

describe('README key table', () => {
  it('lists every key of the shortcut table in its group', () => {
    const keys = listed();
    // The parse found the table (42 entries today, most of them keys).
    expect(keys.length).toBeGreaterThan(30);
    const missing = keys.filter(({ group, key }) => {
      const row = readmeRow(group);
      const asReadme = key === '1 … 9' ? '`1`…`9`' : `\`${key}\``;
      return !row.includes(asReadme);
    });
    expect(missing, 'keys the README table does not list (add them to README.md)').toEqual([]);
  });
});
