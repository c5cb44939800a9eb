// The prefetching folder processor (next image decoded, and encoded by a segmenter that offers
// EncodeAhead, while the current one is segmented) against the strictly sequential one: same store
// contents, same counts, same order of commits; and cancellation still stops after the image in
// progress, leaving the rest pending.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type SamModel } from '../model/runtime';
import { ProjectStore } from '../store/project-store';
import { writePizzaFolder } from '../../tools/synth/writer';
import type { RgbImage } from '../types';
import { OnnxSegmenter } from './onnx-segmenter';
import type { EncodeAhead, EncodedAhead } from './prefetch';
import type { ProgressEvent } from './progress';
import { processPendingImages, type ProcessFolderResult } from './process-folder';
import { scanFolder } from './scan';
import type { SegmentOptions, SegmentResult, Segmenter } from './segmenter';
import { projectContents } from './contents.testing';
import { PassThroughSegmenter } from './segmenter.testing';

// A sparse grid keeps the real test model fast enough for a unit test; the pipeline is the same.
// Small batches give the event loop several turns per image, where work ahead can slip in.
const AMG = { pointsPerSide: 5, pointsPerBatch: 6 };

let root: string;
let folder: string;
let model: SamModel;
let projects = 0;

/**
 * OnnxSegmenter plus EncodeAhead (straight through the model, as an off-thread encoder would be
 * used), with a log of when encodes and segmentations start and end.
 */
class Recording extends PassThroughSegmenter implements EncodeAhead {
  readonly log: string[] = [];
  private encodesStarted = 0;
  private segmentsStarted = 0;
  /** Largest (encodes started - segmentations started) seen when an encode starts. */
  maxAhead = 0;
  activeEncodes = 0;

  async encodeFull(image: RgbImage): Promise<EncodedAhead> {
    this.encodesStarted++;
    this.maxAhead = Math.max(this.maxAhead, this.encodesStarted - this.segmentsStarted);
    this.activeEncodes++;
    this.log.push('encode-start');
    try {
      return { embedding: await model.encode(image), image };
    } finally {
      this.activeEncodes--;
      this.log.push('encode-end');
    }
  }

  override async segment(image: RgbImage, options: SegmentOptions): Promise<SegmentResult> {
    this.segmentsStarted++;
    this.log.push('segment-start');
    try {
      return await super.segment(image, options);
    } finally {
      this.log.push('segment-end');
    }
  }
}

function openStore(): ProjectStore {
  return ProjectStore.open(join(root, `project-${projects++}.db`), { create: true });
}

async function run(
  store: ProjectStore,
  seg: Segmenter,
  prefetch: number,
  signal?: AbortSignal,
  onImage?: () => void,
): Promise<ProcessFolderResult> {
  return processPendingImages(store, folder, seg, {
    amg: AMG,
    prefetch,
    signal,
    emit: (e) => {
      if (e.type === 'image') onImage?.();
    },
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-prefetch-'));
  folder = join(root, 'photos');
  await writePizzaFolder(folder, { count: 3, seed: 11 });
  // A byte-identical copy sorted right beside its original (encoded once, the twin a cache hit) and
  // a truncated file (fails, the folder goes on).
  copyFileSync(join(folder, 'pizza-001.png'), join(folder, 'pizza-001-copy.png'));
  const bytes = readFileSync(join(folder, 'pizza-002.png'));
  writeFileSync(join(folder, 'pizza-009-broken.png'), bytes.subarray(0, bytes.length >> 1));
  model = await loadModel('test-sam', { modelsDir: join(root, 'models'), device: 'cpu' });
});

afterAll(async () => {
  await model?.release();
  rmSync(root, { recursive: true, force: true });
});

describe('processPendingImages with prefetch', () => {
  let sequential: ReturnType<typeof projectContents>;
  let seqResult: ProcessFolderResult;

  let seqLog: string[];
  beforeAll(async () => {
    const store = openStore();
    await scanFolder(store, folder);
    const seg = new Recording(new OnnxSegmenter(model, { encodeAhead: false }));
    seqResult = await run(store, seg, 0);
    seqLog = seg.log;
    sequential = projectContents(store);
    store.close();
  });

  it('sequential baseline (prefetch 0) never encodes ahead', () => {
    expect(seqLog).not.toContain('encode-start');
    expect(seqResult).toMatchObject({ processed: 4, failed: 1, encoded: 3, cacheHits: 1, cancelled: false });
    // Enough output for the comparisons below to mean something: segments on every processed image.
    expect(new Set(sequential.segments.map((s) => s.image)).size).toBe(4);
    // One decoder prompt per grid point on each processed image (one crop layer).
    expect(seqResult.phases.decoderPrompts).toBe(4 * AMG.pointsPerSide ** 2);
    expect(sequential.images.find((i) => i.relPath === 'pizza-009-broken.png')?.error).toMatch(/pizza-009-broken\.png/);
  });

  it('prefetch 1 with the ONNX segmenter (decode ahead) gives the same store contents', async () => {
    const store = openStore();
    await scanFolder(store, folder);
    const result = await run(store, new OnnxSegmenter(model, { encodeAhead: false }), 1);
    expect({ ...result, phases: null, seconds: 0 }).toEqual({ ...seqResult, phases: null, seconds: 0 });
    expect(projectContents(store)).toEqual(sequential);
    store.close();
  });

  it.each([1, 2])(
    'prefetch %i with EncodeAhead gives the same store contents, encoding the next image during segmentation',
    async (depth) => {
      const store = openStore();
      await scanFolder(store, folder);
      const seg = new Recording(new OnnxSegmenter(model, { encodeAhead: false }));
      const result = await run(store, seg, depth);
      expect({ ...result, phases: null, seconds: 0 }).toEqual({ ...seqResult, phases: null, seconds: 0 });
      expect(projectContents(store)).toEqual(sequential);
      // Pipelining happened: some encode started while a segmentation was running ...
      const overlapped = seg.log.some(
        (e, i) =>
          e === 'encode-start' &&
          seg.log.slice(0, i).filter((x) => x === 'segment-start').length > seg.log.slice(0, i).filter((x) => x === 'segment-end').length,
      );
      expect(overlapped).toBe(true);
      // ... but never more than `depth` images beyond the one being segmented.
      expect(seg.maxAhead).toBeLessThanOrEqual(depth + 1);
      expect(seg.activeEncodes).toBe(0);
      store.close();
    },
  );

  it('cancelling stops after the image in progress, nothing is left running, and a rerun completes the folder', async () => {
    const store = openStore();
    await scanFolder(store, folder);
    const seg = new Recording(new OnnxSegmenter(model, { encodeAhead: false }));
    const controller = new AbortController();
    const first = await run(store, seg, 1, controller.signal, () => controller.abort());
    expect(first.cancelled).toBe(true);
    expect(first.processed).toBe(1);
    // The image encoded ahead was dropped, not left encoding behind the caller's back.
    expect(seg.activeEncodes).toBe(0);
    expect(store.listImages({ status: 'pending' })).toHaveLength(4);
    const rest = await run(store, seg, 1);
    expect(rest).toMatchObject({ processed: 3, failed: 1, cancelled: false });
    expect(projectContents(store)).toEqual(sequential);
    store.close();
  });

  it('reports each image from its start (index of total) and the decoder progress within "segment", ending at 1', async () => {
    const store = openStore();
    await scanFolder(store, folder);
    const events: ProgressEvent[] = [];
    await processPendingImages(store, folder, new OnnxSegmenter(model, { encodeAhead: false }), {
      amg: AMG,
      prefetch: 0,
      emit: (e) => events.push(e),
    });
    const phases = events.filter((e): e is Extract<ProgressEvent, { type: 'phase' }> => e.type === 'phase');
    const done = events.filter((e) => e.type === 'image' && e.status === 'done').map((e) => (e as { imageId: number }).imageId);
    expect(done).toHaveLength(4);
    // The first event about the first image comes before it is done, numbered 1 of 5.
    expect(phases[0]).toMatchObject({ phase: 'decode', index: 1, total: 5 });
    for (const id of done) {
      const mine = phases.filter((e) => e.imageId === id);
      expect(new Set(mine.map((e) => e.index)).size).toBe(1);
      const fractions = mine.filter((e) => e.phase === 'segment').map((e) => e.fraction!);
      expect(fractions.length).toBeGreaterThanOrEqual(2);
      expect(fractions.at(-1)).toBe(1);
      for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThan(fractions[i - 1]);
    }
    store.close();
  });
});
