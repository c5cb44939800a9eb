// The service in a worker thread, as `samantic serve` and the desktop shell run it: calls, media and
// errors cross the thread boundary intact, and a crashed worker fails its calls and restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePizzaFolder } from '../tools/synth/writer';
import { spawnServiceWorker, WorkerBackend } from './service-host';

let dir: string;
let backend: WorkerBackend;
const workers: Worker[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-host-'));
  await writePizzaFolder(join(dir, 'pizzas'), { count: 2, seed: 3, width: 160, height: 120 });
  backend = new WorkerBackend(() => {
    const w = spawnServiceWorker({ stateDir: join(dir, 'state') });
    workers.push(w);
    return w;
  });
  await backend.ready();
}, 120_000);

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('WorkerBackend', () => {
  it('answers API calls from the worker, errors included', async () => {
    const models = await backend.call('listModels', undefined);
    expect(models.ok).toBe(true);
    expect((models as { value: { id: string }[] }).value.map((m) => m.id)).toContain('test-sam');
    const unknown = await backend.call('formatDisk', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const bad = await backend.call('openFolder', { folder: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });

  it('serves the open project images and refuses unknown ones with the service error code', async () => {
    const opened = await backend.call('openFolder', { folder: join(dir, 'pizzas') });
    expect(opened).toMatchObject({ ok: true, value: { images: { total: 2 } } });
    const list = await backend.call('listImages', undefined);
    const images = (list as { value: { id: number }[] }).value;
    expect(images.length).toBe(2);
    const thumb = await backend.thumb(images[0].id, 64);
    expect(thumb.contentType).toMatch(/^image\//);
    expect(thumb.body.length).toBeGreaterThan(100);
    expect(thumb.etag).toMatch(/\S/);
    const image = await backend.image(images[0].id);
    expect(image.body.subarray(1, 4).toString('latin1')).toBe('PNG');
    await expect(backend.image(999_999)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('fails the calls of a crashed worker and starts a new one on the next call', async () => {
    const before = workers.length;
    const crashed = workers[workers.length - 1];
    const inFlight = backend.call('listModels', undefined);
    await crashed.terminate();
    // Ended in the same tick as the call was posted, before the worker could read a directory:
    // the call fails instead of hanging.
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringMatching(/worker stopped/) } });
    const again = await backend.call('listModels', undefined);
    expect(again.ok).toBe(true);
    expect(workers.length).toBe(before + 1);
  }, 120_000);
});
