import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicFile, writeFileAtomic, writeFileAtomicSync } from './atomic-file';

const dir = mkdtempSync(join(tmpdir(), 'samantic-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic file writes', () => {
  it('replaces a file whole and leaves no temporary file', async () => {
    const f = join(dir, 'a.json');
    writeFileSync(f, 'old');
    await writeFileAtomic(f, 'new contents');
    expect(readFileSync(f, 'utf8')).toBe('new contents');
    writeFileAtomicSync(f, new Uint8Array([65, 66]));
    expect(readFileSync(f, 'utf8')).toBe('AB');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('keeps the old file and removes the temporary one when writing fails half way', async () => {
    const f = join(dir, 'b.json');
    writeFileSync(f, 'kept');
    const failing = atomicFile(f, async (h) => {
      await h.writeFile('partial');
      throw new Error('disk full');
    });
    await expect(failing).rejects.toThrow('disk full');
    expect(readFileSync(f, 'utf8')).toBe('kept');
    expect(readdirSync(dir).filter((n) => n.includes('b.json'))).toEqual(['b.json']);
  });

  it('fails without touching anything when the folder does not exist', () => {
    const f = join(dir, 'missing', 'c.json');
    expect(() => writeFileAtomicSync(f, 'x')).toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});
