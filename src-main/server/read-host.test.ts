// Reads and media while a folder is processed: the server as `samantic serve` runs it (service in a
// worker thread, reads and media from the read-only copy in the server thread). Prints p50/p95 of
// images, thumbnails and API reads taken during processing, with a call that still goes to the
// worker for contrast; asserts what is served is right, not how fast (timings live in figures).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInfo, ProgressEvent, ProjectSummary, SegmentInfo } from '../core/api/contract';
import { createService } from '../core/service/service';
import { writePizzaFolder } from '../tools/synth/writer';
import { READ_METHODS, ReadRoutedBackend } from './read-host';
import { startServer, type RunningServer } from './server';
import { spawnServiceWorker, WorkerBackend } from './service-host';

const TOKEN = 'read-host-test-token-0123456789';
let dir: string;
let folder: string;
let backend: ReadRoutedBackend;
let server: RunningServer;
const events: ProgressEvent[] = [];

async function api<T>(method: string, args: unknown = {}): Promise<{ status: number; value: T; ms: number }> {
  const t = performance.now();
  const res = await fetch(`${server.url}api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(args),
  });
  const value = (await res.json()) as T;
  return { status: res.status, value, ms: performance.now() - t };
}

async function media(path: string): Promise<{ status: number; body: Buffer; type: string | null; ms: number }> {
  const t = performance.now();
  const res = await fetch(`${server.url}media/${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, type: res.headers.get('content-type'), ms: performance.now() - t };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-read-host-'));
  folder = join(dir, 'photos');
  // Large enough photos and the default grid: each image keeps the worker busy for a while.
  await writePizzaFolder(folder, { count: 4, seed: 21, width: 800, height: 600 });
  const ui = join(dir, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>ui</title>');
  const worker = new WorkerBackend(() => spawnServiceWorker({ stateDir: join(dir, 'state') }));
  await worker.ready();
  backend = new ReadRoutedBackend(worker, createService);
  backend.onEvent((e) => events.push(e));
  server = await startServer({ service: backend, token: TOKEN, roots: [dir], rendererDir: ui });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await backend?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reads and media during processing', () => {
  it('are answered from the server thread with the right content while the worker segments', async () => {
    const opened = await api<ProjectSummary>('openFolder', { folder, model: 'test-sam', device: 'cpu' });
    expect(opened.status, JSON.stringify(opened.value)).toBe(200);
    const processing = api<ProjectSummary>('process', {});
    // Start measuring once the first image is done, so there is something finished to show.
    const firstDone = await new Promise<number>((ok) => {
      const timer = setInterval(() => {
        const e = events.find((x) => x.type === 'image' && x.status === 'done');
        if (e && e.type === 'image') {
          clearInterval(timer);
          ok(e.imageId);
        }
      }, 20);
    });
    const file = readFileSync(join(folder, (await api<ImageInfo[]>('listImages')).value.find((i) => i.id === firstDone)!.relPath));
    const times: Record<string, number[]> = { image: [], 'thumbnail (cached)': [], listImages: [], listSegments: [], getSummary: [] };
    const contrast: number[] = [];
    const eventsAtStart = events.length;
    let finished = false;
    void processing.then(() => (finished = true));
    let rounds = 0;
    let busy = 0;
    await media(`thumb/${firstDone}?size=256`); // fills the cache
    while (!finished && rounds < 40) {
      rounds++;
      const img = await media(`image/${firstDone}`);
      expect(img.status).toBe(200);
      expect(img.body.equals(file)).toBe(true);
      times.image.push(img.ms);
      const th = await media(`thumb/${firstDone}?size=256`);
      expect(th.status).toBe(200);
      expect(th.type).toBe('image/jpeg');
      const meta = await sharp(th.body).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBe(256);
      times['thumbnail (cached)'].push(th.ms);
      const list = await api<ImageInfo[]>('listImages');
      expect(list.value).toHaveLength(4);
      const done = list.value.find((i) => i.id === firstDone)!;
      expect(done.status).toBe('done');
      times.listImages.push(list.ms);
      const segs = await api<SegmentInfo[]>('listSegments', { imageId: firstDone });
      expect(segs.value).toHaveLength(done.segmentCount);
      times.listSegments.push(segs.ms);
      const sum = await api<ProjectSummary>('getSummary');
      expect(sum.value.images.total).toBe(4);
      expect(sum.value.provider).toBe('cpu');
      if (sum.value.processing) busy++;
      times.getSummary.push(sum.ms);
      // listRecent is not a project read: it still goes to the (busy) worker.
      expect(READ_METHODS.has('listRecent')).toBe(false);
      contrast.push((await api('listRecent')).ms);
      await new Promise((r) => setTimeout(r, 30));
    }
    // The samples were taken while the worker was processing: progress kept coming in between.
    expect(rounds).toBeGreaterThan(3);
    expect(events.slice(eventsAtStart).some((e) => e.type === 'phase')).toBe(true);
    // The figures are in; the rest of the folder is not needed.
    await api('cancel');
    const summary = (await processing).value;
    expect(summary.images.done).toBeGreaterThanOrEqual(1);
    // The summary said a run was going on (so a page opened then shows Cancel), and now says not.
    expect(busy).toBeGreaterThan(0);
    expect((await api<ProjectSummary>('getSummary')).value.processing).toBe(false);

    // The same folder opened with another model: the summary read from the copy says which.
    const switched = await api<ProjectSummary>('openFolder', { folder, model: 'test-sam2', device: 'cpu' });
    expect(switched.status, JSON.stringify(switched.value)).toBe(200);
    expect((await api<ProjectSummary>('getSummary')).value).toMatchObject({ modelId: 'test-sam2', switchedFrom: 'test-sam' });

    const row = (name: string, xs: number[]) =>
      `  ${name.padEnd(30)} p50 ${percentile(xs, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(xs, 95).toFixed(1).padStart(7)} ms   (${xs.length})`;
    process.stdout.write(
      [
        `replies during processing (${rounds} rounds, 4 photos 800x600, test-sam, default grid):`,
        ...Object.entries(times).map(([k, xs]) => row(k, xs)),
        row('listRecent (worker, contrast)', contrast),
      ].join('\n') + '\n',
    );
  }, 300_000);
});
