// The encoder worker against the in-process encoder: same embedding bit for bit, pixels handed
// back, an error for one image leaves the worker running, a crash or a failed start is a clear
// error (never a hang), stop() cancels what is in flight and lets the thread end cleanly.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadImage } from '../image/load';
import type { RgbImage } from '../types';
import { EncoderWorker, encodeAheadThreads, locateEncoderWorker } from './encoder-worker-client';
import { loadModel, type SamModel } from './runtime';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const PHOTOS = resolve(REPO_ROOT, '../shared/photos');

let root: string;
let model: SamModel;
let photo: RgbImage;

/** A worker file in the scratch folder (tsx boots .mts like the real .ts entry). */
function fixture(name: string, code: string): URL {
  const file = join(root, name);
  writeFileSync(file, code);
  return pathToFileURL(file);
}

/** Bit-level equality of two float arrays, with the first difference for the failure message. */
function firstDifference(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-encoder-worker-'));
  model = await loadModel('test-sam', { modelsDir: join(root, 'models'), device: 'cpu' });
  photo = (await loadImage(join(PHOTOS, 'bulldog.jpg'))).image;
});

afterAll(async () => {
  await model?.release();
  rmSync(root, { recursive: true, force: true });
});

describe('encodeAheadThreads', () => {
  it('splits the cores between the worker encoder and the main decoder, at least one each', () => {
    expect(encodeAheadThreads(1)).toEqual({ encoder: 1, decoder: 1 });
    expect(encodeAheadThreads(2)).toEqual({ encoder: 1, decoder: 1 });
    expect(encodeAheadThreads(3)).toEqual({ encoder: 1, decoder: 2 });
    expect(encodeAheadThreads(16)).toEqual({ encoder: 8, decoder: 8 });
  });
});

describe('locateEncoderWorker', () => {
  it('finds the TypeScript entry beside the sources', () => {
    expect(locateEncoderWorker()?.pathname).toMatch(/src-main\/core\/model\/encoder-worker\.ts$/);
  });

  it("finds the build's entry one folder above a chunk, and nothing where there is none", () => {
    const out = join(root, 'out-main');
    mkdirSync(join(out, 'chunks'), { recursive: true });
    const chunk = pathToFileURL(join(out, 'chunks', 'service-worker-abc.js')).href;
    expect(locateEncoderWorker(chunk)).toBeNull();
    writeFileSync(join(out, 'encoder-worker.js'), '');
    expect(locateEncoderWorker(chunk)?.pathname).toBe(pathToFileURL(join(out, 'encoder-worker.js')).pathname);
  });
});

describe('EncoderWorker', () => {
  it('gives the in-process embedding bit for bit, on a photo and on a transferable buffer', async () => {
    const w = await EncoderWorker.start(model, { intraOpNumThreads: 1 });
    try {
      const expected = await model.encode(photo);
      const got = await w.encode(photo);
      expect(firstDifference(got.embedding.data, expected.data)).toBeNull();
      expect(got.embedding).toMatchObject({
        channels: expected.channels,
        gridH: expected.gridH,
        gridW: expected.gridW,
        transform: expected.transform,
      });
      // sharp's buffer cannot be transferred (Node copies it): the caller's pixels stay as they were.
      expect(got.image.data).toBe(photo.data);

      // A plain buffer is transferred (detached here) and handed back with the result.
      const own = new Uint8Array(photo.data);
      const back = await w.encode({ width: photo.width, height: photo.height, data: own });
      expect(own.byteLength).toBe(0);
      expect(Buffer.compare(back.image.data, photo.data)).toBe(0);
      expect(firstDifference(back.embedding.data, expected.data)).toBeNull();
      expect(w.encodes).toBe(2);
    } finally {
      await w.stop();
    }
    expect(w.alive).toBe(false);
  });

  it('rejects a bad image with the reason and keeps working', async () => {
    const w = await EncoderWorker.start(model);
    try {
      await expect(w.encode({ width: 10, height: 10, data: new Uint8Array(7) })).rejects.toThrow(
        /encoder failed on this image: .*7 bytes, expected 300/,
      );
      expect(w.alive).toBe(true);
      const ok = await w.encode(photo);
      expect(ok.embedding.data.length).toBe(256 * 64 * 64);
    } finally {
      await w.stop();
    }
  });

  it('turns a crash into an error for the image in flight', async () => {
    const real = locateEncoderWorker()!.href;
    const url = fixture(
      'crash-on-encode.mts',
      `import { parentPort } from 'node:worker_threads';\n` +
        `parentPort.on('message', (m) => { if (m.kind === 'encode') process.exit(9); });\n` +
        `await import(${JSON.stringify(real)});\n`,
    );
    const w = await EncoderWorker.start(model, { workerUrl: url });
    await expect(w.encode(photo)).rejects.toThrow(
      /encoder worker thread stopped unexpectedly \(exit code 9\) while encoding this 800x534 image/,
    );
    expect(w.alive).toBe(false);
    await expect(w.encode(photo)).rejects.toThrow(/not running/);
  });

  it('reports a worker that cannot start instead of hanging', async () => {
    const url = fixture('broken.mts', `throw new Error('no encoder here');\n`);
    await expect(EncoderWorker.start(model, { workerUrl: url })).rejects.toThrow(/encoder worker .* could not start: .*no encoder here/);
    const silent = fixture('silent.mts', `setInterval(() => {}, 1000);\n`);
    await expect(EncoderWorker.start(model, { workerUrl: silent, startTimeoutMs: 3000 })).rejects.toThrow(
      /could not start: no answer within 3 s/,
    );
  });

  it('stop() cancels encodes in flight at once and the thread then ends by itself', async () => {
    const w = await EncoderWorker.start(model);
    // Several queued, so stop() lands while the worker is inside a native run or about to start one.
    const pending = [w.encode(photo), w.encode(photo), w.encode(photo)];
    const settled = Promise.allSettled(pending);
    await new Promise((r) => setTimeout(r, 30));
    const stopped = w.stop();
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    await stopped;
    expect(w.alive).toBe(false);
    expect((await settled).every((r) => r.status === 'rejected')).toBe(true);
    await expect(w.encode(photo)).rejects.toMatchObject({ code: 'cancelled' });
  });
});
