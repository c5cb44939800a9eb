// Clicks in a thread of their own: with the service in its worker processing a folder, promptMask
// calls are answered by the prompt worker before processing ends (in the service's thread they
// would wait for each decoder batch), give the same mask the service would, and bad arguments are
// refused there as at the service.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInfo, ProjectSummary, PromptMaskResult } from '../core/api/contract';
import { ProjectStore } from '../core/store/project-store';
import type { CallResult } from '../core/api/dispatch';
import { writePizzaFolder } from '../tools/synth/writer';
import { PromptRoutedBackend, spawnPromptWorker } from './prompt-host';
import { spawnServiceWorker, WorkerBackend } from './service-host';

let dir: string;
let inner: WorkerBackend;
let backend: PromptRoutedBackend;
const serviceCalls: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-prompt-host-'));
  await writePizzaFolder(join(dir, 'pizzas'), { count: 3, seed: 5, width: 240, height: 180 });
  inner = new WorkerBackend(() => spawnServiceWorker({ stateDir: join(dir, 'state') }));
  const counting = Object.create(inner) as WorkerBackend;
  counting.call = (method: string, args: unknown) => {
    serviceCalls.push(method);
    return inner.call(method, args);
  };
  backend = new PromptRoutedBackend(counting, spawnPromptWorker);
}, 120_000);

afterAll(async () => {
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

const value = <T>(r: CallResult): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
};

describe('PromptRoutedBackend', () => {
  it('answers clicks from the prompt worker while the service processes the folder', async () => {
    const opened = value<ProjectSummary>(
      await backend.call('openFolder', { folder: join(dir, 'pizzas'), model: 'test-sam', device: 'cpu' }),
    );
    const images = value<ImageInfo[]>(await backend.call('listImages', undefined));
    // Warm the prompt worker (model load, first encode) before processing starts.
    const first = value<PromptMaskResult>(await backend.call('promptMask', { imageId: images[0].id, points: [[120, 90]] }));
    expect(first.area).toBeGreaterThan(0);
    expect(first.encoded).toBe(true);
    // The prompt worker reads the project read-only: the project's writer keeps that encoding, so
    // processing does not encode the image again.
    const cached = () => {
      const store = ProjectStore.open(opened.projectFile, { readOnly: true });
      try {
        return store.embeddingCacheStats().entries;
      } finally {
        store.close();
      }
    };
    await expect.poll(cached, { timeout: 20_000 }).toBe(1);
    let processed = false;
    const processing = backend.call('process', {}).then((r) => {
      processed = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    const answers: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const r = value<PromptMaskResult>(await backend.call('promptMask', { imageId: images[0].id, points: [[100 + i * 20, 120]] }));
      expect(r.imageId).toBe(images[0].id);
      answers.push(processed);
    }
    expect(answers).toEqual([false, false, false, false, false]);
    expect(serviceCalls).not.toContain('promptMask');
    value(await processing);
    // The same prompt through the service gives the same mask.
    const viaWorker = value<PromptMaskResult>(await backend.call('promptMask', { imageId: images[1].id, points: [[80, 60]] }));
    const viaService = value<PromptMaskResult>(await inner.call('promptMask', { imageId: images[1].id, points: [[80, 60]] }));
    expect(viaWorker.rle).toEqual(viaService.rle);
    expect(viaWorker.encoded).toBe(false);
  }, 600_000);

  it('readies an image in the prompt worker, not the service', async () => {
    const images = value<ImageInfo[]>(await backend.call('listImages', undefined));
    expect(value(await backend.call('preparePrompts', { imageId: images[2].id }))).toEqual({ cached: true });
    expect(serviceCalls).not.toContain('preparePrompts');
    const missing = await backend.call('preparePrompts', { imageId: 999_999 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('refuses bad prompts with the same clear errors', async () => {
    const images = value<ImageInfo[]>(await backend.call('listImages', undefined));
    const outside = await backend.call('promptMask', { imageId: images[0].id, points: [[5000, 5]] });
    expect(outside).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(!outside.ok && outside.error.message).toMatch(/outside the 240x180 image/);
    const shape = await backend.call('promptMask', { imageId: images[0].id, points: 'here' });
    expect(shape).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });
});
