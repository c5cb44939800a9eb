import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { contentHash, IMAGE_EXTENSIONS, listImageFiles } from './files';
import { ImageLoadError } from './load';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const photos = join(resolve(repoRoot, '../shared'), 'photos');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'samantic-list-'));
  const files = [
    'b.jpg',
    'A.PNG',
    'a.jpeg',
    'c.txt',
    'z.tif',
    '.hidden.jpg',
    '._resource.jpg',
    'sub/x.webp',
    'sub/deeper/y.gif',
    'sub/readme.md',
    '.samantic/cache.png',
    '.git/objects/blob.jpg',
    'Zed/q.avif',
  ];
  for (const f of files) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await writeFile(join(dir, f), f);
  }
  await symlink(join(dir, 'b.jpg'), join(dir, 'link.jpg'));
  await symlink(join(dir, 'sub'), join(dir, 'sublink'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rel = (paths: string[]) => paths.map((p) => relative(dir, p).split('\\').join('/'));

describe('listImageFiles', () => {
  it('lists the top level only by default, sorted by code unit, hidden names skipped', async () => {
    const got = await listImageFiles(dir);
    expect(rel(got)).toEqual(['A.PNG', 'a.jpeg', 'b.jpg', 'link.jpg', 'z.tif']);
    expect(got.every((p) => p.startsWith(resolve(dir)))).toBe(true);
  });

  it('recursive: descends into sub-folders but not hidden ones or linked folders', async () => {
    const got = rel(await listImageFiles(dir, { recursive: true }));
    expect(got).toEqual(['A.PNG', 'Zed/q.avif', 'a.jpeg', 'b.jpg', 'link.jpg', 'sub/deeper/y.gif', 'sub/x.webp', 'z.tif']);
    // Deterministic: a second run gives the same list.
    expect(rel(await listImageFiles(dir, { recursive: true }))).toEqual(got);
  });

  it('takes a custom extension list, case-insensitively', async () => {
    expect(rel(await listImageFiles(dir, { recursive: true, extensions: ['.PNG', '.gif'] }))).toEqual(['A.PNG', 'sub/deeper/y.gif']);
    expect(IMAGE_EXTENSIONS).toContain('.jpg');
  });

  it('lists the shared photos', async () => {
    const got = await listImageFiles(photos);
    expect(got.length).toBeGreaterThanOrEqual(10);
    expect(got.map((p) => p.split('/').pop())).toContain('bulldog.jpg');
  });

  it('refuses a missing folder or a file with a clear error', async () => {
    const missing = join(dir, 'nope');
    await expect(listImageFiles(missing)).rejects.toBeInstanceOf(SamanticError);
    await expect(listImageFiles(missing)).rejects.toMatchObject({ code: 'folder-missing' });
    await expect(listImageFiles(missing)).rejects.toThrow(missing);
    await expect(listImageFiles(join(dir, 'b.jpg'))).rejects.toThrow(/is a file, not a folder/);
  });
});

describe('contentHash', () => {
  it('is the SHA-256 of the bytes, for a small and a large file', async () => {
    for (const f of [join(dir, 'b.jpg'), join(photos, 'lighthouse.jpg')]) {
      const expected = createHash('sha256')
        .update(await readFile(f))
        .digest('hex');
      expect(await contentHash(f)).toBe(expected);
    }
  });

  it('differs when the content differs and ignores the name', async () => {
    await writeFile(join(dir, 'copy1.bin'), 'same bytes');
    await writeFile(join(dir, 'copy2.bin'), 'same bytes');
    await writeFile(join(dir, 'other.bin'), 'other bytes');
    const a = await contentHash(join(dir, 'copy1.bin'));
    expect(await contentHash(join(dir, 'copy2.bin'))).toBe(a);
    expect(await contentHash(join(dir, 'other.bin'))).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the file when it is missing', async () => {
    const missing = join(dir, 'gone.jpg');
    const err = await contentHash(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageLoadError);
    expect(err).toMatchObject({ code: 'not-found', file: missing });
  });
});
