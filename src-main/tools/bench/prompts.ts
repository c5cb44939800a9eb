// `npm run bench -- --prompts`: the latency of one interactive click, from the API call to the
// mask as the renderer receives it (validation, cached embedding, decoder, RLE, JSON), over N
// clicks on the shared photos: idle, then while the folder is being processed. The service and
// the prompt worker run in their threads exactly as `samantic serve` runs them (WorkerBackend +
// PromptRoutedBackend); only the HTTP hop is left out. A benchmark prints figures; it asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCommandArgs } from '../../core/util/args';
import type { CallResult } from '../../core/api/dispatch';
import type { ImageInfo, PromptMaskArgs, PromptMaskResult } from '../../core/api/contract';
import { SamanticError } from '../../core/errors';
import { mulberry32 } from '../../core/util/random';
import { PromptRoutedBackend, spawnPromptWorker } from '../../server/prompt-host';
import { spawnServiceWorker, WorkerBackend } from '../../server/service-host';
import { DEFAULT_PHOTOS_DIR } from './performance';

/** Clicks of one interaction before the next starts afresh (a person places a few points per object). */
export const CLICKS_PER_OBJECT = 3;

export interface LatencyFigures {
  clicks: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
}

export interface PromptBenchResult {
  folder: string;
  images: number;
  model: string;
  /** The first click after reopening: starts the prompt worker and its decoder session too. */
  sessionStartMs: number;
  /** The first click on each other photo after reopening: its embedding comes from the project's cache. */
  firstClick: LatencyFigures;
  /** preparePrompts on each photo after reopening, the first one starting the prompt worker. */
  prepare: LatencyFigures;
  /** The first click on each photo right after its preparePrompts. */
  preparedFirstClick: LatencyFigures;
  idle: LatencyFigures;
  processing: LatencyFigures;
  /** Whether processing was still running when the last "during processing" click returned. */
  processingOverlapped: boolean;
}

function figures(ms: number[]): LatencyFigures {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { clicks: s.length, medianMs: q(0.5), p95Ms: q(0.95), maxMs: s[s.length - 1] ?? NaN };
}

/** The clicks: CLICKS_PER_OBJECT chained points per object, objects spread over the images in turn. */
function clickPlan(images: ImageInfo[], n: number, seed: number): PromptMaskArgs[] {
  const rnd = mulberry32(seed);
  const out: PromptMaskArgs[] = [];
  let points: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const img = images[Math.floor(i / CLICKS_PER_OBJECT) % images.length];
    if (i % CLICKS_PER_OBJECT === 0) points = [];
    points = [...points, [rnd() * img.width, rnd() * img.height]];
    out.push({ imageId: img.id, points, continue: i % CLICKS_PER_OBJECT !== 0 });
  }
  return out;
}

export async function runPromptBench(
  options: { folder: string; clicks: number; model: string; seed: number },
  log: (l: string) => void,
): Promise<PromptBenchResult> {
  const work = mkdtempSync(join(tmpdir(), 'samantic-prompt-bench-'));
  const open = async () => {
    const service = new WorkerBackend(() => spawnServiceWorker({ stateDir: join(work, 'state') }), log);
    const backend = new PromptRoutedBackend(service, spawnPromptWorker, log);
    const via =
      (b: WorkerBackend | PromptRoutedBackend) =>
      async (method: string, args?: unknown): Promise<unknown> => {
        const r: CallResult = await b.call(method, args);
        if (!r.ok) throw new SamanticError(r.error.code, r.error.message);
        return r.value;
      };
    const call = via(backend);
    await call('openFolder', { folder: options.folder, project: join(work, 'project.db'), model: options.model, device: 'cpu' });
    // The service thread writes the project (the prompt worker only reads it).
    return { backend, call, callService: via(service) };
  };
  let current: Awaited<ReturnType<typeof open>> | undefined;
  try {
    current = await open();
    const listed = (await current.call('listImages')) as ImageInfo[];
    if (listed.length === 0) throw new SamanticError('invalid-argument', `No photos in ${options.folder}.`);
    log(`prompt bench: ${listed.length} photos in ${options.folder}; encoding each once into the cache (not measured)...`);
    // An unprocessed image is listed without its size: the first mask tells it.
    const images: ImageInfo[] = [];
    for (const img of listed) {
      const r = (await current.callService('promptMask', { imageId: img.id, points: [[0, 0]] })) as PromptMaskResult;
      images.push({ ...img, width: r.rle.size[1], height: r.rle.size[0] });
    }
    const timed = async (call: (m: string, a?: unknown) => Promise<unknown>, method: string, args: unknown) => {
      const t0 = performance.now();
      // The JSON round trip every transport makes.
      JSON.parse(JSON.stringify(await call(method, JSON.parse(JSON.stringify(args)))));
      return performance.now() - t0;
    };
    const firstClicks = (call: (m: string, a?: unknown) => Promise<unknown>) =>
      images.map((img) => () => timed(call, 'promptMask', { imageId: img.id, points: [[img.width / 3, img.height / 3]] }));
    // Reopen so that no embedding is held in memory (a folder encoded last week); then the image
    // view's preparePrompts, as it runs on opening an image, before each photo's first click.
    await current.backend.close();
    current = await open();
    log('prompt bench: opening each photo (preparePrompts) and its first click, after reopening...');
    const prepare: number[] = [];
    const preparedFirst: number[] = [];
    const clicks = firstClicks(current.call);
    for (let i = 0; i < images.length; i++) {
      const t0 = performance.now();
      const { cached } = (await current.call('preparePrompts', { imageId: images[i].id })) as { cached: boolean };
      prepare.push(performance.now() - t0);
      if (!cached) throw new SamanticError('internal', `${images[i].relPath} has no cached embedding after the encoding pass.`);
      preparedFirst.push(await clicks[i]());
    }
    // And without it (an API client that just clicks).
    await current.backend.close();
    current = await open();
    const { call } = current;
    const click = (args: PromptMaskArgs) => timed(call, 'promptMask', args);
    log('prompt bench: the first click on each photo after reopening, without preparePrompts...');
    const first: number[] = [];
    for (const c of firstClicks(call)) first.push(await c());
    const plan = clickPlan(images, options.clicks, options.seed);
    log(`prompt bench: ${plan.length} clicks, idle...`);
    const idle: number[] = [];
    for (const c of plan) idle.push(await click(c));
    log('prompt bench: the same clicks while the folder is processed...');
    let running = true;
    const processing = call('process', {}).finally(() => (running = false));
    // Let the generator start before the first click.
    await new Promise((r) => setTimeout(r, 500));
    const busy: number[] = [];
    for (const c of plan) busy.push(await click(c));
    const overlapped = running;
    if (!overlapped) log('prompt bench: processing finished before the last click; the figures mix busy and idle clicks.');
    await call('cancel');
    await processing.catch(() => undefined);
    return {
      folder: options.folder,
      images: images.length,
      model: options.model,
      sessionStartMs: first[0] ?? NaN,
      firstClick: figures(first.slice(1)),
      prepare: figures(prepare),
      preparedFirstClick: figures(preparedFirst),
      idle: figures(idle),
      processing: figures(busy),
      processingOverlapped: overlapped,
    };
  } finally {
    await current?.backend.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatPromptReport(r: PromptBenchResult): string {
  const line = (what: string, f: LatencyFigures) =>
    `click latency ${what}: median ${f.medianMs.toFixed(1)} ms, p95 ${f.p95Ms.toFixed(1)} ms (max ${f.maxMs.toFixed(1)} ms, ${f.clicks} clicks)`;
  return [
    `prompt latency, ${r.model}, ${r.images} photos of ${r.folder}, API call to mask (service and prompt worker threads as in serve, JSON):`,
    line('first on each photo, after the image view readied it', r.preparedFirstClick),
    `readying a photo (preparePrompts, not awaited by the image view): median ${r.prepare.medianMs.toFixed(1)} ms, max ${r.prepare.maxMs.toFixed(1)} ms (the first starts the prompt worker)`,
    `first click after opening the folder without preparePrompts (prompt worker and decoder start): ${r.sessionStartMs.toFixed(1)} ms`,
    line('first on each other photo, without preparePrompts', r.firstClick),
    line('idle', r.idle),
    line('during processing', r.processing) + (r.processingOverlapped ? '' : ' [processing ended early]'),
  ].join('\n');
}

export async function runPromptBenchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    prompts: { type: 'boolean' },
    clicks: { type: 'string' },
    model: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const clicks = values.clicks === undefined ? 200 : Number(values.clicks);
  if (!Number.isSafeInteger(clicks) || clicks < 1)
    throw new SamanticError('invalid-argument', `--clicks must be a positive integer, got '${values.clicks}'.`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isFinite(seed)) throw new SamanticError('invalid-argument', `--seed must be a number, got '${values.seed}'.`);
  const folder = positionals[0] ? resolve(positionals[0]) : DEFAULT_PHOTOS_DIR;
  const log = values.json ? () => {} : (l: string) => process.stderr.write(l + '\n');
  const r = await runPromptBench({ folder, clicks, model: values.model ?? 'test-sam', seed }, log);
  process.stdout.write(values.json ? JSON.stringify(r, null, 2) + '\n' : formatPromptReport(r) + '\n');
  return 0;
}
