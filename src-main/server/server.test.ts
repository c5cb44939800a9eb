import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { API_METHODS, type ProgressEvent, type SamanticApi } from '../core/api/contract';
import { SamanticError } from '../core/errors';
import type { Service } from '../core/service/types';
import { startServer, type RunningServer } from './server';

// A service whose API records calls: the transport, not the service, is under test here.
function testService(folder: string, files: Record<number, string>) {
  const listeners = new Set<(e: ProgressEvent) => void>();
  const calls: Array<{ method: string; args: unknown }> = [];
  const api = {} as Record<string, (a?: unknown) => Promise<unknown>>;
  for (const m of API_METHODS) {
    api[m] = async (a?: unknown) => {
      calls.push({ method: m, args: a });
      if (m === 'getSummary') return null;
      if (m === 'undo') throw new SamanticError('no-project', 'No folder is open.');
      return { method: m };
    };
  }
  const service: Service = {
    api: api as unknown as SamanticApi,
    onEvent: (l) => (listeners.add(l), () => listeners.delete(l)),
    imageFile: (id) => files[id] ?? null,
    folder: () => folder,
    lastRun: () => null,
    cacheEmbedding: () => false,
    close: async () => undefined,
  };
  return { service, calls, emit: (e: ProgressEvent) => listeners.forEach((l) => l(e)) };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function req(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((ok, fail) => {
    const r = httpRequest({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    r.on('error', fail);
    r.end(opts.body);
  });
}

const json = { 'Content-Type': 'application/json' };
let dir: string;
let photos: string;
let rendererDir: string;
let files: Record<number, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-server-'));
  photos = join(dir, 'photos');
  rendererDir = join(dir, 'renderer');
  mkdirSync(photos);
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(rendererDir, 'assets', 'app-abc.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for you');
  // 40x20 image, red left half; the rotated copy says "rotate 90° clockwise" (EXIF 6).
  const raw = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) raw[(y * 40 + x) * 3] = 255;
  const base = sharp(raw, { raw: { width: 40, height: 20, channels: 3 } });
  await base.clone().png().toFile(join(photos, 'a.png'));
  await base.clone().jpeg().withMetadata({ orientation: 6 }).toFile(join(photos, 'rotated.jpg'));
  await base.clone().tiff().toFile(join(photos, 'c.tif'));
  await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
    .png()
    .toFile(join(dir, 'outside.png'));
  symlinkSync(join(dir, 'outside.png'), join(photos, 'link.png'));
  files = {
    1: join(photos, 'a.png'),
    2: join(photos, 'rotated.jpg'),
    3: join(photos, 'c.tif'),
    4: join(photos, 'link.png'),
    5: join(photos, 'gone.png'),
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startServer without a token', () => {
  let server: RunningServer;
  let t: ReturnType<typeof testService>;
  beforeAll(async () => {
    t = testService(photos, files);
    server = await startServer({ service: t.service, rendererDir });
  });
  afterAll(() => server.close());

  it('listens on loopback and returns its URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves the UI with a strict CSP', async () => {
    const r = await req(server.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(r.headers['content-security-policy'])).not.toContain('unsafe-eval');
    expect(r.body.toString()).toContain('<title>t</title>');
    const asset = await req(server.port, '/assets/app-abc.js');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('does not serve files outside the UI folder', async () => {
    for (const p of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/%E0%A4%A']) {
      const r = await req(server.port, p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString()).not.toContain('not for you');
    }
  });

  it('calls the API and validates arguments', async () => {
    const ok = await req(server.port, '/api/listSegments', { method: 'POST', headers: json, body: '{"imageId":2}' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString())).toEqual({ method: 'listSegments' });
    expect(t.calls.at(-1)).toEqual({ method: 'listSegments', args: { imageId: 2 } });
    const none = await req(server.port, '/api/getSummary', { method: 'POST', headers: json });
    expect(none.status).toBe(200);
    expect(none.body.toString()).toBe('null');
    const bad = await req(server.port, '/api/listSegments', { method: 'POST', headers: json, body: '{"imageId":-4}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ code: 'invalid-argument' });
    const unknown = await req(server.port, '/api/constructor', { method: 'POST', headers: json, body: '{}' });
    expect(unknown.status).toBe(404);
    const mangled = await req(server.port, '/api/%E0%A4%A', { method: 'POST', headers: json, body: '{}' });
    expect(JSON.parse(mangled.body.toString())).toMatchObject({ code: 'not-found' });
    const broken = await req(server.port, '/api/listImages', { method: 'POST', headers: json, body: '{nope' });
    expect(JSON.parse(broken.body.toString()).message).toContain('not valid JSON');
  });

  it('maps service errors to a status and keeps code and message', async () => {
    const r = await req(server.port, '/api/undo', { method: 'POST', headers: json });
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body.toString())).toEqual({ code: 'no-project', message: 'No folder is open.' });
  });

  it('refuses forms, GETs, foreign origins and non-loopback Host headers', async () => {
    const form = await req(server.port, '/api/listImages', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    expect((await req(server.port, '/api/listImages')).status).toBe(405);
    const cross = await req(server.port, '/api/listImages', {
      method: 'POST',
      headers: { ...json, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
    const rebinding = await req(server.port, '/', { headers: { Host: `evil.example:${server.port}` } });
    expect(rebinding.status).toBe(403);
    const sameOrigin = await req(server.port, '/api/listImages', {
      method: 'POST',
      headers: { ...json, Origin: `http://127.0.0.1:${server.port}` },
      body: '{}',
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('serves project images with the right type, upright', async () => {
    const png = await req(server.port, '/media/image/1');
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((await sharp(png.body).metadata()).width).toBe(40);
    const rot = await req(server.port, '/media/image/2');
    expect(rot.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(rot.body).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([20, 40, 1]);
    // Rotated clockwise: the red left half is now the top half.
    const { data } = await sharp(rot.body).raw().toBuffer({ resolveWithObject: true });
    expect(data[(2 * 20 + 10) * 3]).toBeGreaterThan(200);
    expect(data[(37 * 20 + 10) * 3]).toBeLessThan(60);
    const tif = await req(server.port, '/media/image/3');
    expect(tif.headers['content-type']).toBe('image/png');
    const again = await req(server.port, '/media/image/1', { headers: { 'If-None-Match': String(png.headers.etag) } });
    expect(again.status).toBe(304);
  });

  it('makes thumbnails of the requested size', async () => {
    const r = await req(server.port, '/media/thumb/1?size=16');
    expect(r.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(r.body).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(16);
    expect((await req(server.port, '/media/thumb/1?size=99999')).status).toBe(400);
  });

  it('refuses unknown ids, missing files and links leaving the folder', async () => {
    expect((await req(server.port, '/media/image/99')).status).toBe(404);
    expect((await req(server.port, '/media/image/5')).status).toBe(404);
    const link = await req(server.port, '/media/image/4');
    expect(link.status).toBe(404);
    expect(JSON.parse(link.body.toString()).message).toContain('outside the project folder');
    expect((await req(server.port, '/media/image/1abc')).status).toBe(404);
  });

  it('pushes progress events over the WebSocket and refuses foreign origins', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
    await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
    const got = new Promise<string>((ok) => ws.once('message', (d) => ok(String(d))));
    t.emit({ type: 'clustering' });
    expect(JSON.parse(await got)).toEqual({ type: 'clustering' });
    ws.close();
    const evil = new WebSocket(`ws://127.0.0.1:${server.port}/events`, { headers: { Origin: 'http://evil.example' } });
    const status = await new Promise<number>((ok) => evil.once('unexpected-response', (_r, res) => ok(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });
});

describe('startServer with a token', () => {
  it('refuses a non-loopback interface without a token, and short tokens', async () => {
    const { service } = testService(photos, files);
    await expect(startServer({ service, rendererDir, host: '0.0.0.0' })).rejects.toThrow(/without a token/);
    await expect(startServer({ service, rendererDir, token: 'short' })).rejects.toThrow(/at least 12/);
  });

  it('needs the token on every API, media and WebSocket request; the page loads without it', async () => {
    const { service } = testService(photos, files);
    const token = 'correct-horse-battery-staple';
    const server = await startServer({ service, rendererDir, token });
    try {
      expect(server.openUrl).toBe(`${server.url}?token=${token}`);
      expect((await req(server.port, '/')).status).toBe(200);
      expect((await req(server.port, `/?token=${token}`)).status).toBe(200);
      expect((await req(server.port, '/?token=wrong-token-value')).status).toBe(401);
      expect((await req(server.port, '/media/image/1')).status).toBe(401);
      expect((await req(server.port, '/media/image/1?token=wrong-token-value')).status).toBe(401);
      const noToken = await req(server.port, '/api/listImages', { method: 'POST', headers: json });
      expect(noToken.status).toBe(401);
      expect(JSON.parse(noToken.body.toString()).message).toMatch(/\?token=/);
      const wrong = await req(server.port, '/api/listImages', {
        method: 'POST',
        headers: { ...json, Authorization: 'Bearer wrong-token-value' },
      });
      expect(wrong.status).toBe(401);
      const api = await req(server.port, '/api/listImages', { method: 'POST', headers: { ...json, 'X-Samantic-Token': token } });
      expect(api.status).toBe(200);
      expect((await req(server.port, `/api/listImages?token=${token}`, { method: 'POST', headers: json })).status).toBe(200);
      const bearer = await req(server.port, '/media/image/1', { headers: { Authorization: `Bearer ${token}` } });
      expect(bearer.status).toBe(200);
      expect((await req(server.port, `/media/thumb/1?size=16&token=${token}`)).status).toBe(200);

      const bare = new WebSocket(`ws://127.0.0.1:${server.port}/events`);
      expect(await new Promise<number>((ok) => bare.once('unexpected-response', (_r, res) => ok(res.statusCode ?? 0)))).toBe(401);
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${token}`);
      await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
      ws.close();
      // With a token, a foreign Host is still refused on a loopback bind (DNS rebinding).
      const rebinding = await req(server.port, '/api/listImages', {
        method: 'POST',
        headers: { ...json, Host: 'evil.example', 'X-Samantic-Token': token },
      });
      expect(rebinding.status).toBe(403);
    } finally {
      await server.close();
    }
  });
});

describe('paths and bounded input', () => {
  let server: RunningServer;
  let t: ReturnType<typeof testService>;
  beforeAll(async () => {
    t = testService(photos, files);
    // getSummary names the project folder, as the real service does once a folder is open.
    const api = t.service.api as unknown as Record<string, (a?: unknown) => Promise<unknown>>;
    const inner = api.getSummary;
    api.getSummary = async () => (await inner(), { folder: photos });
    server = await startServer({ service: t.service, rendererDir, roots: [photos] });
  });
  afterAll(() => server.close());

  const post = (method: string, body: string) => req(server.port, `/api/${method}`, { method: 'POST', headers: json, body });

  it('opens folders only under its roots, links resolved', async () => {
    expect((await post('openFolder', JSON.stringify({ folder: photos }))).status).toBe(200);
    mkdirSync(join(photos, 'sub'), { recursive: true });
    expect((await post('openFolder', JSON.stringify({ folder: join(photos, 'sub') }))).status).toBe(200);
    symlinkSync(dir, join(photos, 'escape'));
    for (const folder of ['/', '/etc', dir, `${photos}/../`, join(photos, 'escape'), `${photos}-evil`]) {
      const r = await post('openFolder', JSON.stringify({ folder }));
      expect(r.status, folder).toBe(403);
      expect(JSON.parse(r.body.toString())).toMatchObject({ code: 'forbidden' });
    }
    const project = await post('openFolder', JSON.stringify({ folder: photos, project: '/tmp/elsewhere.db' }));
    expect(project.status).toBe(403);
    const model = await post('openFolder', JSON.stringify({ folder: photos, model: '/etc' }));
    expect(model.status).toBe(403);
    expect(t.calls.filter((c) => c.method === 'openFolder')).toHaveLength(2);
  });

  it('exports inside the project folder only; relative paths resolve against it', async () => {
    const ok = await post('exportCoco', JSON.stringify({ out: 'exports/coco.json' }));
    expect(ok.status).toBe(200);
    expect(t.calls.at(-1)).toEqual({ method: 'exportCoco', args: { out: join(photos, 'exports', 'coco.json') } });
    for (const out of ['/tmp/x.json', '../../x.json', join(photos, 'escape', 'x.json'), photos]) {
      const r = await post('exportCoco', JSON.stringify({ out }));
      expect(r.status, out).toBe(403);
    }
  });

  it('confines dataset exports like COCO ones, and reads imports only under the roots or the project folder', async () => {
    const ok = await post('exportDataset', JSON.stringify({ out: 'exports/yolo', format: 'yolo-seg' }));
    expect(ok.status).toBe(200);
    expect(t.calls.at(-1)).toEqual({ method: 'exportDataset', args: { out: join(photos, 'exports', 'yolo'), format: 'yolo-seg' } });
    for (const out of ['/tmp/yolo', '../../yolo', photos]) {
      expect((await post('exportDataset', JSON.stringify({ out, format: 'masks' }))).status, out).toBe(403);
    }
    const imports = () => t.calls.filter((c) => c.method === 'importAnnotations').length;
    const before = imports();
    for (const source of ['/etc/passwd', join(photos, 'escape', 'coco.json'), `${photos}-evil/coco.json`]) {
      const r = await post('importAnnotations', JSON.stringify({ format: 'coco', source }));
      expect(r.status, source).toBe(403);
      expect(JSON.parse(r.body.toString()).message).toMatch(/annotations to import/);
    }
    expect(imports()).toBe(before);
    expect((await post('importAnnotations', JSON.stringify({ format: 'coco', source: join(photos, 'coco.json') }))).status).toBe(200);
  });

  it('answers deeply nested JSON with a JSON 400 and an oversized body with a JSON 413', async () => {
    const nested = await post('listImages', '['.repeat(100_000) + ']'.repeat(100_000));
    expect(nested.status).toBe(400);
    expect(JSON.parse(nested.body.toString()).message).toMatch(/nests deeper than 32 levels/);
    const big = await post('assignSegments', JSON.stringify({ segmentIds: [1], pad: 'x'.repeat(17 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body.toString())).toMatchObject({ code: 'too-large' });
    // The server still answers afterwards.
    expect((await post('listImages', '{}')).status).toBe(200);
  });
});
