// Which calls the read-only copy answers and which go to the service: reads and media of the open
// project never reach the service once it is known, everything else does, and the copy follows
// the service to another folder. No model is loaded: opening a folder only scans it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInfo, ProjectSummary } from '../core/api/contract';
import { createService } from '../core/service/service';
import { writePizzaFolder } from '../tools/synth/writer';
import { ReadRoutedBackend } from './read-host';
import { inProcessBackend, type ServiceBackend } from './service-host';

let dir: string;
let backend: ReadRoutedBackend;
const reached: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-read-routing-'));
  await writePizzaFolder(join(dir, 'a'), { count: 2, seed: 1, width: 160, height: 120 });
  await writePizzaFolder(join(dir, 'b'), { count: 3, seed: 2, width: 160, height: 120 });
  const inner = inProcessBackend(await createService({ stateDir: join(dir, 'state'), onWarning: () => {} }));
  // Counts what reaches the service.
  const counting: ServiceBackend = {
    call: (method, args) => (reached.push(method), inner.call(method, args)),
    image: (id) => (reached.push('image'), inner.image(id)),
    thumb: (id, size) => (reached.push('thumb'), inner.thumb(id, size)),
    onEvent: (l) => inner.onEvent(l),
    close: () => inner.close(),
  };
  backend = new ReadRoutedBackend(counting, createService);
}, 60_000);

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function value<T>(method: string, args?: unknown): Promise<T> {
  const r = await backend.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
}

describe('ReadRoutedBackend', () => {
  it('asks the service while no project is open', async () => {
    expect(await value('getSummary')).toBeNull();
    expect(reached).toContain('getSummary');
    await expect(backend.thumb(1)).rejects.toThrow(/No project is open/);
  });

  it('answers the open project reads and media itself, with what the service holds', async () => {
    const opened = await value<ProjectSummary>('openFolder', { folder: join(dir, 'a'), model: 'test-sam' });
    reached.length = 0;
    const images = await value<ImageInfo[]>('listImages');
    expect(images.map((i) => i.relPath)).toEqual(['pizza-000.png', 'pizza-001.png']);
    expect(await value<ProjectSummary>('getSummary')).toEqual(opened);
    expect(await value('listClasses')).toEqual([]);
    expect(await value('listSegments', { imageId: images[0].id })).toEqual([]);
    const img = await backend.image(images[1].id);
    expect(img.body.equals(readFileSync(join(dir, 'a', 'pizza-001.png')))).toBe(true);
    expect((await backend.thumb(images[0].id, 64)).contentType).toBe('image/jpeg');
    expect(reached).toEqual([]);
    // Bad arguments are refused at the same gate as the service's.
    const bad = await backend.call('listSegments', { imageId: 'x' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    await expect(backend.image(9999)).rejects.toThrow(/not part of the open project/);
    // Anything that is not a project read goes to the service.
    await value('listRecent');
    expect(reached).toEqual(['listRecent']);
  });

  it('follows the service to another folder', async () => {
    await value('openFolder', { folder: join(dir, 'b'), model: 'test-sam' });
    reached.length = 0;
    const images = await value<ImageInfo[]>('listImages');
    expect(images).toHaveLength(3);
    expect((await value<ProjectSummary>('getSummary')).folder).toBe(join(dir, 'b'));
    const img = await backend.image(images[2].id);
    expect(img.body.equals(readFileSync(join(dir, 'b', 'pizza-002.png')))).toBe(true);
    expect(reached).toEqual([]);
    // A failed open: the copy asks the service what is open now before answering again.
    expect((await backend.call('openFolder', { folder: join(dir, 'nope') })).ok).toBe(false);
    expect(await value<ImageInfo[]>('listImages')).toHaveLength(3);
    expect(reached).toEqual(['openFolder', 'getSummary']);
  });
});
