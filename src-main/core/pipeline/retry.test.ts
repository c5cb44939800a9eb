// Failed images are tried again on the next run (the cause, e.g. a wrong model, is often fixed by
// then), a file that cannot be read is one failed image rather than a failed folder scan, and a
// busy database stops the run without blaming the photo.
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type SamModel } from '../model/runtime';
import { ProjectStore } from '../store/project-store';
import { writePizzaFolder } from '../../tools/synth/writer';
import type { RgbImage } from '../types';
import { OnnxSegmenter } from './onnx-segmenter';
import { processPendingImages } from './process-folder';
import { scanFolder } from './scan';
import type { SegmentOptions, SegmentResult } from './segmenter';
import { PassThroughSegmenter } from './segmenter.testing';

const AMG = { pointsPerSide: 4, pointsPerBatch: 16 };

let root: string;
let model: SamModel;

/** A segmenter that fails every image (as a wrong model does), or passes through to the real one. */
class Flaky extends PassThroughSegmenter {
  broken = true;
  override async segment(image: RgbImage, opts: SegmentOptions): Promise<SegmentResult> {
    if (this.broken) throw new Error('the encoder output has the wrong shape (wrong model)');
    return super.segment(image, opts);
  }
}

/**
 * Makes `file` unreadable. chmod 000 stops everyone but root; for root (CI containers) a link to
 * /proc/self/mem is a "regular file" whose read fails with EIO.
 */
function unreadable(folder: string, from: string, name: string): void {
  if (process.getuid?.() === 0) symlinkSync('/proc/self/mem', join(folder, name));
  else {
    copyFileSync(join(folder, from), join(folder, name));
    chmodSync(join(folder, name), 0o000);
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-retry-'));
  model = await loadModel('test-sam', { modelsDir: join(root, 'models'), device: 'cpu' });
});
afterAll(async () => {
  await model?.release();
  rmSync(root, { recursive: true, force: true });
});

describe('failed images', () => {
  it('are retried on the next run and then succeed', async () => {
    const folder = join(root, 'retry');
    await writePizzaFolder(folder, { count: 2, seed: 5, width: 192, height: 144 });
    const store = ProjectStore.open(ProjectStore.defaultPath(folder), { create: true });
    try {
      await scanFolder(store, folder);
      const seg = new Flaky(new OnnxSegmenter(model, { encodeAhead: false }));
      const first = await processPendingImages(store, folder, seg, { amg: AMG });
      expect(first).toMatchObject({ processed: 0, failed: 2 });
      expect(store.counts().images).toMatchObject({ failed: 2, done: 0 });

      seg.broken = false;
      await scanFolder(store, folder);
      const second = await processPendingImages(store, folder, seg, { amg: AMG });
      expect(second).toMatchObject({ processed: 2, failed: 0 });
      expect(store.counts().images).toMatchObject({ failed: 0, done: 2 });
      expect(store.listImages().every((i) => i.error === null)).toBe(true);

      // Asked not to retry: nothing to do.
      store.markImageFailed(store.listImages()[0].id, 'made up');
      const third = await processPendingImages(store, folder, seg, { amg: AMG, retryFailed: false });
      expect(third.processed + third.failed).toBe(0);
    } finally {
      store.close();
    }
  }, 120_000);
});

describe('an unreadable file', () => {
  it('is one failed image naming the file; the others are scanned and processed', async () => {
    const folder = join(root, 'unreadable');
    await writePizzaFolder(folder, { count: 2, seed: 6, width: 192, height: 144 });
    unreadable(folder, 'pizza-000.png', 'pizza-0005-locked.png');
    const store = ProjectStore.open(ProjectStore.defaultPath(folder), { create: true });
    try {
      const scan = await scanFolder(store, folder);
      expect(scan).toMatchObject({ files: 3, unreadable: 1 });
      const locked = store.listImages().find((i) => i.relPath === 'pizza-0005-locked.png');
      expect(locked?.status).toBe('failed');
      expect(locked?.error).toMatch(/pizza-0005-locked\.png/);
      const r = await processPendingImages(store, folder, new OnnxSegmenter(model, { encodeAhead: false }), { amg: AMG });
      expect(r.processed).toBe(2);
      expect(store.counts().images).toMatchObject({ total: 3, done: 2, failed: 1 });
    } finally {
      store.close();
    }
  }, 120_000);
});

describe('a busy database', () => {
  it('stops the run with a store error and leaves the image pending, never failed', async () => {
    const folder = join(root, 'busy');
    await writePizzaFolder(folder, { count: 1, seed: 8, width: 192, height: 144 });
    const store = ProjectStore.open(ProjectStore.defaultPath(folder), { create: true });
    try {
      await scanFolder(store, folder);
      const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      store.commitImageResult = () => {
        throw busy;
      };
      await expect(
        processPendingImages(store, folder, new OnnxSegmenter(model, { encodeAhead: false }), { amg: AMG }),
      ).rejects.toMatchObject({
        code: 'store-error',
        message: expect.stringMatching(/pizza-000\.png.*database is locked.*stays pending/),
      });
      expect(store.counts().images).toMatchObject({ pending: 1, failed: 0 });
    } finally {
      store.close();
    }
  }, 120_000);
});
