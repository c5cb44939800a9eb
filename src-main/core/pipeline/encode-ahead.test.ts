// The ONNX segmenter's encoder worker in the folder processor: the next image is encoded in a
// worker thread while this one is segmented (and its AMG batches are filtered in AMG workers), and
// the store ends up exactly as a strictly sequential in-process run leaves it. Cached embeddings skip the worker; a worker crash fails one image and
// the run goes on; a worker that cannot start falls back to in-process encoding with a warning;
// cancel terminates the worker.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateEncoderWorker } from '../model/encoder-worker-client';
import { loadModel, type SamModel } from '../model/runtime';
import { ProjectStore } from '../store/project-store';
import { writePizzaFolder } from '../../tools/synth/writer';
import { OnnxSegmenter } from './onnx-segmenter';
import { processPendingImages, type ProcessFolderResult } from './process-folder';
import { scanFolder } from './scan';
import type { Segmenter } from './segmenter';
import { projectContents } from './contents.testing';

// A sparse grid keeps the real test model fast; the pipeline is the same.
const AMG = { pointsPerSide: 5, pointsPerBatch: 6 };
/** The odd-sized image the crashing worker dies on. */
const ODD = { width: 400, height: 300, file: 'pizza-000-odd.png' };

let root: string;
let folder: string;
let model: SamModel;
let projects = 0;

async function runFolder(seg: Segmenter, prefetch: number, signal?: AbortSignal, onImage?: () => void) {
  const store = ProjectStore.open(join(root, `project-${projects++}.db`), { create: true });
  await scanFolder(store, folder);
  const result = await processPendingImages(store, folder, seg, {
    amg: AMG,
    prefetch,
    signal,
    emit: (e) => {
      if (e.type === 'image') onImage?.();
    },
  });
  return { store, result };
}

const counts = (r: ProcessFolderResult) => ({
  processed: r.processed,
  failed: r.failed,
  encoded: r.encoded,
  cacheHits: r.cacheHits,
  segments: r.segments,
  cancelled: r.cancelled,
});

let sequential: ReturnType<typeof projectContents>;
let seqResult: ProcessFolderResult;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-encode-ahead-'));
  folder = join(root, 'photos');
  await writePizzaFolder(folder, { count: 3, seed: 21 });
  // A byte-identical twin (a cache hit: it must not reach the worker), an odd-sized image and a
  // truncated file (fails in decoding, the folder goes on).
  copyFileSync(join(folder, 'pizza-001.png'), join(folder, 'pizza-001-copy.png'));
  const odd = join(root, 'odd');
  await writePizzaFolder(odd, { count: 1, seed: 5, width: ODD.width, height: ODD.height });
  copyFileSync(join(odd, 'pizza-000.png'), join(folder, ODD.file));
  const bytes = readFileSync(join(folder, 'pizza-002.png'));
  writeFileSync(join(folder, 'pizza-009-broken.png'), bytes.subarray(0, bytes.length >> 1));
  model = await loadModel('test-sam', { modelsDir: join(root, 'models'), device: 'cpu' });

  // Strictly in process: no encoder worker, no AMG workers.
  const { store, result } = await runFolder(new OnnxSegmenter(model, { encodeAhead: false, amgWorkers: 0 }), 0);
  seqResult = result;
  sequential = projectContents(store);
  store.close();
});

afterAll(async () => {
  await model?.release();
  rmSync(root, { recursive: true, force: true });
});

describe('encode-ahead in an encoder worker', () => {
  it('sequential baseline: 5 processed (one a cache hit), 1 failed', () => {
    expect(counts(seqResult)).toMatchObject({ processed: 5, failed: 1, encoded: 4, cacheHits: 1, cancelled: false });
    expect(sequential.segments.length).toBeGreaterThan(10);
  });

  it.each([1, 2])('prefetch %i: same store contents as sequential; only uncached images reach the worker', async (depth) => {
    const warnings: string[] = [];
    // One AMG worker too (test-sam runs on the CPU, where the default is none).
    const seg = new OnnxSegmenter(model, { amgWorkers: 1, onWarning: (m) => warnings.push(m) });
    try {
      const { store, result } = await runFolder(seg, depth);
      expect(counts(result)).toEqual(counts(seqResult));
      expect(projectContents(store)).toEqual(sequential);
      store.close();
      // 4 distinct images: the twin is found in the cache, never encoded again.
      expect(seg.workerEncodes).toBe(4);
      // 5 batches of prompts per image, every one filtered in an AMG worker.
      expect(seg.amgWorkerBatches).toBe(5 * 5);
      expect(warnings).toEqual([]);
      expect(seg.workerRunning).toBe(true);
    } finally {
      await seg.stopEncodeAhead();
      await seg.stopAmgWorkers();
    }
    expect(seg.workerRunning).toBe(false);
  });

  it('a worker crash fails that image only, and the run goes on with a new worker', async () => {
    const real = locateEncoderWorker()!.href;
    const file = join(root, 'crash-on-odd.mts');
    writeFileSync(
      file,
      `import { parentPort } from 'node:worker_threads';\n` +
        `parentPort.on('message', (m) => { if (m.kind === 'encode' && m.width === ${ODD.width}) process.exit(9); });\n` +
        `await import(${JSON.stringify(real)});\n`,
    );
    const warnings: string[] = [];
    const seg = new OnnxSegmenter(model, { worker: { workerUrl: pathToFileURL(file) }, onWarning: (m) => warnings.push(m) });
    try {
      const { store, result } = await runFolder(seg, 1);
      expect(counts(result)).toMatchObject({ processed: 4, failed: 2, cancelled: false });
      const got = projectContents(store);
      const odd = got.images.find((i) => i.relPath === ODD.file);
      expect(odd?.status).toBe('failed');
      expect(odd?.error).toMatch(
        new RegExp(`Encoding '${ODD.file}' failed: the encoder worker thread stopped unexpectedly \\(exit code 9\\)`),
      );
      // Everything else exactly as the sequential run left it.
      const others = (c: typeof got) => c.segments.filter((s) => s.image !== ODD.file);
      expect(others(got)).toEqual(others(sequential));
      expect(got.images.filter((i) => i.relPath !== ODD.file)).toEqual(sequential.images.filter((i) => i.relPath !== ODD.file));
      // One crash is below MAX_ENCODER_WORKER_CRASHES: the images after it still went to a worker.
      expect(seg.encodeAheadEnabled).toBe(true);
      expect(seg.workerEncodes).toBe(3);
      expect(warnings).toEqual([]);
      store.close();
    } finally {
      await seg.stopEncodeAhead();
    }
  });

  it('falls back to in-process encoding, with a warning, when the worker cannot start', async () => {
    const file = join(root, 'cannot-start.mts');
    writeFileSync(file, `throw new Error('no encoder in this build');\n`);
    const warnings: string[] = [];
    const seg = new OnnxSegmenter(model, { worker: { workerUrl: pathToFileURL(file) }, onWarning: (m) => warnings.push(m) });
    try {
      const { store, result } = await runFolder(seg, 1);
      expect(counts(result)).toEqual(counts(seqResult));
      expect(projectContents(store)).toEqual(sequential);
      store.close();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/could not start: .*no encoder in this build.*; encoding in process instead/);
      expect(seg.encodeAheadEnabled).toBe(false);
      expect(seg.workerEncodes).toBe(0);
    } finally {
      await seg.stopEncodeAhead();
    }
  });

  it('cancel terminates the worker; a rerun starts a new one and completes the folder', async () => {
    const seg = new OnnxSegmenter(model);
    try {
      const controller = new AbortController();
      const { store, result } = await runFolder(seg, 1, controller.signal, () => controller.abort());
      expect(result).toMatchObject({ cancelled: true, processed: 1 });
      expect(seg.workerRunning).toBe(false);
      expect(store.listImages({ status: 'pending' })).toHaveLength(5);
      const rest = await processPendingImages(store, folder, seg, { amg: AMG, prefetch: 1 });
      expect(counts(rest)).toMatchObject({ processed: 4, failed: 1, cancelled: false });
      expect(projectContents(store)).toEqual(sequential);
      store.close();
    } finally {
      await seg.stopEncodeAhead();
    }
    expect(seg.workerRunning).toBe(false);
  });
});
