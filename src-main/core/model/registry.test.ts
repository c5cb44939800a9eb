import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadModel, type DownloadProgress } from './download';
import { formatModelTable, runModelsCli } from '../../cli/models';
import { defaultModelId, listModels, resolveModel } from './registry';

const repoModels = resolve(new URL('.', import.meta.url).pathname, '../../../models');
const tmp = mkdtempSync(join(tmpdir(), 'samantic-registry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A models folder with copies of the committed descriptors (and nothing downloaded). */
function modelsCopy(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const id of ['sam-vit-b', 'sam-vit-h', 'mobile-sam']) cpSync(join(repoModels, id, 'model.json'), join(dir, id, 'model.json'));
  return dir;
}

/** A one-file model whose download list points at `payload` with the given recorded hash. */
function tinyModel(modelsDir: string, id: string, payload: Buffer, sha256: string | null): void {
  const d = JSON.parse(readFileSync(join(repoModels, 'sam-vit-b', 'model.json'), 'utf8'));
  d.id = id;
  d.download.files = [
    { file: d.encoder.file, url: 'https://huggingface.co/example/tiny/resolve/main/enc.onnx', bytes: payload.length, sha256 },
  ];
  mkdirSync(join(modelsDir, id), { recursive: true });
  writeFileSync(join(modelsDir, id, 'model.json'), JSON.stringify(d));
}

/** A fetch that serves `payload` in small chunks, as a real streaming response would. */
function servingFetch(payload: Buffer): typeof fetch {
  return (async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < payload.length; i += 1000) controller.enqueue(new Uint8Array(payload.subarray(i, i + 1000)));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-length': String(payload.length) } });
  }) as typeof fetch;
}

const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 31) & 255));
const payloadSha = createHash('sha256').update(payload).digest('hex');

describe('models folder', () => {
  it('lists real models as missing and test-sam as always available', () => {
    const models = listModels(modelsCopy('list'));
    expect(models.map((m) => m.id)).toEqual(['mobile-sam', 'sam-vit-b', 'sam-vit-h', 'test-edgesam', 'test-sam', 'test-sam2']);
    const byId = new Map(models.map((m) => [m.id, m]));
    expect(byId.get('sam-vit-b')).toMatchObject({ present: false, generated: false, error: null });
    expect(byId.get('sam-vit-h')!.files.map((f) => f.file)).toContain('sam_vit_h_4b8939.encoder_data.bin');
    expect(byId.get('test-sam')).toMatchObject({ present: true, generated: true });
    expect(byId.get('test-sam2')).toMatchObject({ present: true, generated: true });
    expect(byId.get('test-edgesam')).toMatchObject({ present: true, generated: true });
    const table = formatModelTable(models);
    expect(table).toMatch(/^ID\s+FAMILY\s+STATUS\s+SIZE\s+SPEED\s+PARAMS\s+SHA-256\s+NAME/);
    expect(table).toMatch(/sam-vit-b\s+sam1\s+missing\s+376 MB\s+medium\s+93\.7M\s+yes/);
    expect(table).toMatch(/sam-vit-h\s+sam1\s+missing\s+\?\s+very-slow\s+641\.1M\s+no/);
    expect(table).toMatch(/test-sam\s+sam1\s+generated/);
    expect(table).toMatch(/test-sam2\s+sam2\s+generated/);
    expect(table).toMatch(/test-edgesam\s+sam1\s+generated/);
  });

  it('defaults to test-sam when no real model is present', () => {
    expect(defaultModelId(modelsCopy('default'))).toBe('test-sam');
  });

  it('resolves ids, folders, and explains unknown ones', () => {
    const dir = modelsCopy('resolve');
    expect(resolveModel('sam-vit-b', dir).descriptor.id).toBe('sam-vit-b');
    expect(resolveModel(join(dir, 'mobile-sam')).dir).toBe(join(dir, 'mobile-sam'));
    // test-sam is generated on demand.
    expect(resolveModel('test-sam', dir).descriptor.generator?.name).toBe('test-sam');
    expect(existsSync(join(dir, 'test-sam', 'decoder-batched.onnx'))).toBe(true);
    expect(() => resolveModel('sam-vit-z', dir)).toThrow(
      /unknown model "sam-vit-z".*Known models: mobile-sam, sam-vit-b, sam-vit-h, test-edgesam, test-sam, test-sam2/,
    );
    expect(() => resolveModel(join(dir, 'nowhere'))).toThrow(expect.objectContaining({ code: 'model-missing' }));
  });
});

describe('downloadModel', () => {
  it('streams, verifies and installs a file atomically, reporting progress', async () => {
    const dir = join(tmp, 'dl-ok');
    tinyModel(dir, 'tiny', payload, payloadSha);
    const seen: DownloadProgress[] = [];
    const report = await downloadModel('tiny', { modelsDir: dir, fetchImpl: servingFetch(payload), onProgress: (p) => seen.push(p) });
    expect(report.downloaded).toEqual(['sam_vit_b_01ec64.encoder.onnx']);
    expect(readFileSync(join(dir, 'tiny', 'sam_vit_b_01ec64.encoder.onnx')).equals(payload)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ received: 5000, total: 5000, index: 0, count: 1 });
    expect(seen.length).toBeGreaterThan(1);
    // Second run: the file is there and intact, nothing is fetched.
    const again = await downloadModel('tiny', { modelsDir: dir, fetchImpl: (() => Promise.reject(new Error('no'))) as typeof fetch });
    expect(again).toMatchObject({ downloaded: [], skipped: ['sam_vit_b_01ec64.encoder.onnx'] });
  });

  it('refuses a file whose hash does not match, leaving nothing behind', async () => {
    const dir = join(tmp, 'dl-bad');
    tinyModel(dir, 'tiny', payload, 'a'.repeat(64));
    await expect(downloadModel('tiny', { modelsDir: dir, fetchImpl: servingFetch(payload) })).rejects.toThrow(
      /SHA-256 is [0-9a-f]{64}, model.json expects a{64}/,
    );
    expect(readdirSync(join(dir, 'tiny'))).toEqual(['model.json']);
  });

  it('will not fetch unverifiable files unless told --no-verify', async () => {
    const dir = join(tmp, 'dl-unverified');
    tinyModel(dir, 'tiny', payload, null);
    await expect(downloadModel('tiny', { modelsDir: dir, fetchImpl: servingFetch(payload) })).rejects.toThrow(
      /records no SHA-256.*--no-verify/,
    );
    const report = await downloadModel('tiny', { modelsDir: dir, fetchImpl: servingFetch(payload), verify: false });
    expect(report.downloaded).toHaveLength(1);
  });

  it('lists EdgeSAM and EfficientViT-SAM: the one unverified, the other with nothing to download but how to export it', async () => {
    const dir = join(tmp, 'dl-points-only');
    for (const id of ['edgesam', 'efficientvit-sam-xl0']) cpSync(join(repoModels, id, 'model.json'), join(dir, id, 'model.json'));
    const table = formatModelTable(listModels(dir));
    expect(table).toMatch(/edgesam\s+sam1\s+missing\s+\?\s+fast\s+9\.6M\s+no/);
    expect(table).toMatch(/efficientvit-sam-xl0\s+sam1\s+missing\s+\?\s+medium\s+117M\s+no/);
    await expect(downloadModel('edgesam', { modelsDir: dir, fetchImpl: servingFetch(payload) })).rejects.toThrow(
      /records no SHA-256 for edge_sam_3x_encoder\.onnx, edge_sam_3x_decoder\.onnx.*--no-verify/,
    );
    await expect(downloadModel('efficientvit-sam-xl0', { modelsDir: dir })).rejects.toThrow(
      /nothing to download: its publisher lists no ONNX files\. Export them .*efficientvit_sam_xl0_encoder\.onnx, efficientvit_sam_xl0_decoder\.onnx/,
    );
  });

  it('fails fast with a clear message when the host cannot be reached', async () => {
    const dir = join(tmp, 'dl-offline');
    tinyModel(dir, 'tiny', payload, payloadSha);
    const dnsFailure = (() =>
      Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }))) as typeof fetch;
    await expect(downloadModel('tiny', { modelsDir: dir, fetchImpl: dnsFailure })).rejects.toMatchObject({
      code: 'network',
      message: expect.stringMatching(
        /cannot reach huggingface\.co: the name does not resolve \(ENOTFOUND.*by hand into .*tiny\/: sam_vit_b_01ec64\.encoder\.onnx from https:/,
      ),
    });
    // A server that never answers is given up on after the connect timeout.
    const silent = ((_url: unknown, init?: RequestInit) =>
      new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
      )) as typeof fetch;
    await expect(downloadModel('tiny', { modelsDir: dir, fetchImpl: silent, connectTimeoutMs: 20 })).rejects.toThrow(
      /cannot reach huggingface\.co: no answer in time/,
    );
    expect(readdirSync(join(dir, 'tiny'))).toEqual(['model.json']);
  });
});

describe('samantic models', () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false }, out, err };
  }

  it('lists models, and explains bad usage with exit code 2', async () => {
    const dir = modelsCopy('cli');
    const c = capture();
    expect(await runModelsCli(['list', '--models-dir', dir], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/mobile-sam\s+sam1\s+missing\s+\?\s+fast\s+9\.7M\s+no/);
    expect(c.out.join('')).toMatch(/test-sam2\s+sam2\s+generated/);
    const bad = capture();
    expect(await runModelsCli(['fetch'], bad.io)).toBe(2);
    expect(bad.err.join('')).toMatch(/expected "list" or "download <id>"/);
  });

  it('reports a failed download with exit code 1 and the reason', async () => {
    const dir = modelsCopy('cli-dl');
    const c = capture();
    // mobile-sam records no hash for its encoder: refused before any network access.
    expect(await runModelsCli(['download', 'mobile-sam', '--models-dir', dir], c.io)).toBe(1);
    expect(c.err.join('')).toMatch(/records no SHA-256 for mobile_sam\.encoder\.onnx/);
  });
});
