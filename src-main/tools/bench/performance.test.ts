// The bench's own logic (argument parsing, per-image arithmetic, the report); the benchmark run
// itself prints figures and asserts nothing, so it is not run here.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPerformanceReport } from './perf-format';
import { memoryCheckFigures, perImage, slope, type FolderRunResult, type MemoryPoint } from './perf-run';
import { DEFAULT_PHOTOS_DIR, parsePerformanceArgs, type PerformanceBenchResult } from './performance';

function folderRun(over: Partial<FolderRunResult> = {}): FolderRunResult {
  return {
    label: 'photos',
    folder: '/x',
    images: 4,
    failed: 1,
    segments: 40,
    classes: 3,
    prefetch: 1,
    scanSeconds: 0.5,
    processSeconds: 9,
    clusterSeconds: 0.5,
    firstRunSeconds: 10,
    phases: {
      decodeImageMs: 900,
      encodeMs: 800,
      encodeAheadMs: 2000,
      amgMs: 6000,
      decodeModelMs: 4000,
      embedMs: 40,
      dbMs: 120,
      waitMs: 8,
      decoderPrompts: 4096,
    },
    decodeCostMs: 25,
    encoded: 4,
    cacheHits: 0,
    peakRssMB: 400,
    peakHeapMB: 20,
    memory: [
      { image: 1, rssMB: 300, heapMB: 10 },
      { image: 2, rssMB: 320, heapMB: 11 },
      { image: 3, rssMB: 330, heapMB: 12 },
    ],
    reopen: { seconds: 0.05, encoded: 0, processed: 0, speedup: 200 },
    ...over,
  };
}

/** Per-image samples whose rss follows `rss(i)`, heap a tenth of it. */
function memorySeries(n: number, rss: (i: number) => number): MemoryPoint[] {
  return Array.from({ length: n }, (_, k) => ({ image: k + 1, rssMB: rss(k + 1), heapMB: rss(k + 1) / 10 }));
}

describe('memory check figures', () => {
  it('fits the slope by least squares', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBeCloseTo(2);
    expect(slope([{ x: 0, y: 1 }])).toBe(0);
  });

  it('reads images 1, 100, 500 and the last, and the trend of the second half', () => {
    const flat = memoryCheckFigures(memorySeries(1000, (i) => 300 + (i < 50 ? i : 50)));
    expect(flat.checkpoints.map((p) => p.image)).toEqual([1, 100, 500, 1000]);
    expect(flat.checkpoints.map((p) => p.rssMB)).toEqual([301, 350, 350, 350]);
    expect(flat.rssSlopeMBPer100).toBeCloseTo(0);
    // A leak of 0.2 MB per image is 20 MB per 100 images.
    const leak = memoryCheckFigures(memorySeries(1000, (i) => 300 + 0.2 * i));
    expect(leak.rssSlopeMBPer100).toBeCloseTo(20);
    expect(leak.heapSlopeMBPer100).toBeCloseTo(2);
    expect(leak.minHeapMB).toBeCloseTo(30.02);
    // A short run shows the checkpoints it has.
    expect(memoryCheckFigures(memorySeries(120, () => 1)).checkpoints.map((p) => p.image)).toEqual([1, 100, 120]);
  });
});

describe('performance bench', () => {
  it('defaults to the shared photos beside the repository, plus 6 pizzas', () => {
    const o = parsePerformanceArgs([]);
    expect(o.folders).toEqual([{ label: 'shared photos', dir: DEFAULT_PHOTOS_DIR }]);
    expect(existsSync(resolve(DEFAULT_PHOTOS_DIR, 'bulldog.jpg'))).toBe(true);
    expect(o).toMatchObject({
      count: 6,
      preset: 'sam',
      pointsPerSide: null,
      prefetch: 1,
      peer: true,
      clusterScale: true,
      json: false,
      encodeAhead: true,
      memoryImages: 0,
      amgWorkers: null,
    });
    expect(o.threads).toBeGreaterThan(0);
  });

  it('takes repeatable --folder and positional folders, and the switches', () => {
    const o = parsePerformanceArgs([
      '--folder',
      'a',
      '--folder',
      'b/c',
      'd',
      '--count',
      '0',
      '--preset',
      'seed',
      '--skip-cluster-scale',
      '--skip-peer',
      '--json',
      '--prefetch',
      '0',
      '--amg-workers',
      '2',
    ]);
    expect(o.folders.map((f) => f.dir)).toEqual([resolve('a'), resolve('b/c'), resolve('d')]);
    expect(o.folders.map((f) => f.label)).toEqual(['a', 'c', 'd']);
    expect(o).toMatchObject({ count: 0, preset: 'seed', clusterScale: false, peer: false, json: true, prefetch: 0, amgWorkers: 2 });
  });

  it('takes the pruned preset and the sam-b-shape model', () => {
    expect(parsePerformanceArgs(['--preset', 'pruned', '--model', 'sam-b-shape', '--points-per-side', '8'])).toMatchObject({
      preset: 'pruned',
      model: 'sam-b-shape',
      pointsPerSide: 8,
    });
  });

  it('--memory-only runs the memory check alone', () => {
    const o = parsePerformanceArgs(['--memory-images', '1000', '--memory-only', '--encode-ahead', 'off']);
    expect(o).toMatchObject({
      folders: [],
      count: 0,
      memoryImages: 1000,
      memoryPointsPerSide: 4,
      peer: false,
      clusterScale: false,
      sequentialBaseline: false,
      encodeAhead: false,
    });
    expect(() => parsePerformanceArgs(['--memory-only'])).toThrow(/--memory-only needs --memory-images N/);
  });

  it('rejects bad values with the flag and the allowed values', () => {
    expect(() => parsePerformanceArgs(['--encode-ahead', 'maybe'])).toThrow(/--encode-ahead must be on or off, got 'maybe'/);
    expect(() => parsePerformanceArgs(['--preset', 'fast'])).toThrow(/--preset must be one of sam, seed, pruned, got 'fast'/);
    expect(() => parsePerformanceArgs(['--count=-2'])).toThrow(/--count must be an integer >= 0/);
    expect(() => parsePerformanceArgs(['--prefetch', '9'])).toThrow(/prefetch depth must be an integer from 0/);
    expect(() => parsePerformanceArgs(['--bogus'])).toThrow(/bogus/);
  });

  it("splits each image's time into the model's and Samantic's own", () => {
    const p = perImage(folderRun());
    expect(p.postprocess).toBe((6000 - 4000) / 4);
    expect(p.decoderModel).toBe(1000);
    expect(p.model).toBe(p.encode + p.decoderModel);
    expect(p.encodeAhead).toBe(500);
    expect(p.samantic).toBeCloseTo(25 + 500 + 10 + 125 + 30);
    expect(p.imagesPerMinute).toBe(24);
    expect(p.wall).toBe(2500);
    expect(p.promptsPerImage).toBe(1024);
    expect(p.oursShare).toBeCloseTo(p.samantic / (p.encode + p.encodeAhead + p.decoderModel));
  });

  it('prints every section of a result', () => {
    const f = folderRun();
    const result: PerformanceBenchResult = {
      machine: { cores: 2, cpu: 'test cpu', totalMemoryMB: 1000, loadAverageStart: [1, 1, 1], loadAverageEnd: [2, 2, 2], node: 'v20' },
      model: { id: 'test-sam', provider: 'cpu', decoder: 'batched', threads: 2, encoderWorkerThreads: 1, loadSeconds: 0.3 },
      settings: { preset: 'sam', pointsPerSide: null, prefetch: 1, encodeAhead: true, amgWorkers: 0 },
      folders: [{ ...f, perImage: perImage(f), promptsPerImage: perImage(f).promptsPerImage, oursShare: perImage(f).oursShare }],
      pipelining: {
        label: 'photos',
        images: 4,
        rounds: 2,
        variants: [
          {
            name: 'sequential',
            prefetch: 0,
            encodeAhead: false,
            decoderThreads: 2,
            encoderThreads: null,
            seconds: 12,
            waitMs: 100,
            gain: 1,
          },
          {
            name: 'encode ahead (worker)',
            prefetch: 1,
            encodeAhead: true,
            decoderThreads: 2,
            encoderThreads: 1,
            seconds: 10,
            waitMs: 5,
            gain: 1.2,
          },
        ],
      },
      memoryCheck: {
        images: 1000,
        failed: 0,
        width: 320,
        height: 240,
        pointsPerSide: 4,
        processSeconds: 300,
        imagesPerMinute: 200,
        ...memoryCheckFigures(memorySeries(1000, (i) => 300 + (i < 50 ? i : 50))),
        peakRssMB: 360,
      },
      peer: {
        rows: [
          {
            file: 'bulldog.jpg',
            width: 800,
            height: 534,
            variant: 'SAM defaults',
            workers: 0,
            peerSeconds: 5.4,
            postSeconds: 0.27,
            postCpuSeconds: 0.25,
            runSeconds: [0.31, 0.27, 0.26],
            decoderSeconds: 9,
            masks: 30,
            speedup: 20,
            speedupCpu: 21.6,
          },
        ],
        skipped: ['lighthouse.jpg missing'],
      },
      prunedComparison: [
        {
          file: 'corgi.jpg',
          prompts: { full: 1024, pruned: 400 },
          masks: { full: 40, pruned: 39 },
          ms: { full: 8000, pruned: 3200 },
          fullKept: 0.975,
          prunedInFull: 1,
        },
      ],
      clusterScale: null,
      processPeakRssMB: 500,
      totalSeconds: 42,
    };
    const text = formatPerformanceReport(result);
    expect(text).toMatch(/2 cores \(test cpu\)/);
    expect(text).toMatch(/photos \[4, 1 failed\]/);
    expect(text).toMatch(/ 1024 +\d+\.\d %/);
    expect(text).toMatch(/200x/);
    expect(text).toMatch(/#1 300 MB .* -> #2 320 MB .* -> #3 330 MB/);
    expect(text).toMatch(/decode ahead, encode ahead in a worker thread with 1 threads/);
    expect(text).toMatch(/sequential +0 +2 +12\.0 s +1\.00x +100 ms/);
    expect(text).toMatch(/encode ahead \(worker\) +1 +2 \+ 1 +10\.0 s +1\.20x +5\.0 ms/);
    expect(text).toMatch(/Memory over 1000 images .*#1 rss 301 MB .*#100 rss 350 MB .*#500 rss 350 MB .*#1000 rss 350 MB/);
    expect(text).toMatch(/rss 0\.0 MB per 100 images/);
    expect(text).toMatch(
      /bulldog\.jpg 800x534 +SAM defaults +in process +5\.4 s +0\.27 s +0\.25 s +20\.0x +21\.6x +0\.31 \/ 0\.27 \/ 0\.26 +9\.0 s/,
    );
    expect(text).toMatch(/skipped: lighthouse\.jpg missing/);
    expect(text).toMatch(/corgi\.jpg +1024 -> 400 +40 -> 39 +8000 ms -> 3200 ms +97\.5 % +100\.0 %/);
    expect(text).not.toMatch(/Clustering at scale/);
  });
});
