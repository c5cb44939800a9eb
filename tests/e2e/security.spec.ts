// The attacks the server must turn away, played against the real `samantic serve` of the suite
// (global-setup.ts): no token, a wrong token, a foreign Origin or Host, path tricks for open,
// media and export, deeply nested JSON and an oversized body. Only refused calls are made, plus
// opening the suite's own folder if no spec has yet, so the other specs are unaffected.

import { expect, test, type APIRequestContext } from '@playwright/test';
import { WebSocket } from 'ws';
import { e2eState } from './helpers';

const state = e2eState();
const base = state.baseURL;
const auth = { Authorization: `Bearer ${state.token}` };
const json = { 'Content-Type': 'application/json' };

function api(request: APIRequestContext, method: string, body: unknown, headers: Record<string, string> = auth) {
  return request.post(new URL(`/api/${method}`, base).href, {
    headers: { ...json, ...headers },
    data: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
}

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => (ws.close(), ok(101)));
    ws.once('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
    ws.once('error', fail);
  });
}

test.beforeAll(async ({ request }) => {
  const summary = await api(request, 'getSummary', '');
  expect(summary.status()).toBe(200);
  if ((await summary.json()) === null)
    expect((await api(request, 'openFolder', { folder: state.folder, model: 'test-sam' })).status()).toBe(200);
});

test('no token or a wrong token: every API, media and WebSocket request is refused', async ({ request }) => {
  const attempts: Record<string, string>[] = [
    {},
    { Authorization: 'Bearer wrong-token-of-enough-length' },
    { 'X-Samantic-Token': `${state.token}x` },
  ];
  for (const headers of attempts) {
    const r = await api(request, 'listImages', {}, headers);
    expect(r.status()).toBe(401);
    expect(await r.json()).toMatchObject({ code: 'forbidden' });
    expect((await request.get(new URL('/media/image/1', base).href, { headers })).status()).toBe(401);
  }
  expect((await request.get(new URL('/media/thumb/1?token=wrong', base).href)).status()).toBe(401);
  expect((await request.get(new URL('/?token=wrong', base).href)).status()).toBe(401);
  const ws = base.replace(/^http/, 'ws');
  expect(await wsStatus(`${ws}events`)).toBe(401);
  expect(await wsStatus(`${ws}events?token=wrong`)).toBe(401);
  // The right token opens all three.
  expect((await api(request, 'listImages', {})).status()).toBe(200);
  expect((await request.get(new URL(`/media/thumb/1?token=${state.token}`, base).href)).status()).toBe(200);
  expect(await wsStatus(`${ws}events?token=${encodeURIComponent(state.token)}`)).toBe(101);
});

test('a foreign Origin or Host is refused even with the token', async ({ request }) => {
  expect((await api(request, 'listImages', {}, { ...auth, Origin: 'http://evil.example' })).status()).toBe(403);
  expect((await api(request, 'listImages', {}, { ...auth, Host: 'evil.example' })).status()).toBe(403);
  expect((await request.get(new URL('/', base).href, { headers: { Host: `attacker.example:${new URL(base).port}` } })).status()).toBe(403);
  const ws = base.replace(/^http/, 'ws');
  expect(await wsStatus(`${ws}events?token=${encodeURIComponent(state.token)}`, { Origin: 'http://evil.example' })).toBe(403);
});

test('path tricks: folders outside the roots, exports outside the project, files outside the UI', async ({ request }) => {
  for (const folder of ['/', '/etc', '/root', `${state.workDir}/..`, `${state.workDir}-evil`]) {
    const r = await api(request, 'openFolder', { folder });
    expect(r.status(), folder).toBe(403);
    expect((await r.json()).message).toMatch(/outside the folders this Samantic may use/);
  }
  expect((await api(request, 'openFolder', { folder: state.folder, project: '/tmp/samantic-evil.db' })).status()).toBe(403);
  for (const out of ['/tmp/samantic-evil.json', '../../samantic-evil.json', `${state.folder}/../evil.json`, state.folder]) {
    const r = await api(request, 'exportCoco', { out });
    expect(r.status(), out).toBe(403);
    expect((await r.json()).message).toMatch(/outside the project folder/);
  }
  // Over an existing photo of the folder: inside, but not a JSON file.
  const images = (await (await api(request, 'listImages', {})).json()) as { relPath: string }[];
  const overPhoto = await api(request, 'exportCoco', { out: images[0].relPath });
  expect(overPhoto.status()).toBe(400);
  expect((await overPhoto.json()).message).toMatch(/not JSON is already there/);
  for (const path of [
    '/media/image/..%2f..%2fetc%2fpasswd',
    '/media/image/-1',
    '/media/image/99999999',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/..%2f..%2f..%2fpackage.json',
  ]) {
    const r = await request.get(new URL(path, base).href + (path.startsWith('/media') ? `?token=${state.token}` : ''));
    expect(r.status(), path).toBe(404);
    expect(await r.text()).not.toMatch(/root:|"name": "samantic"/);
  }
});

test('nested JSON answers a JSON 400, a huge body a JSON 413, and the server stays up', async ({ request }) => {
  const nested = await api(request, 'listImages', '['.repeat(100_000) + ']'.repeat(100_000));
  expect(nested.status()).toBe(400);
  expect(await nested.json()).toMatchObject({ code: 'invalid-argument' });
  const big = await api(request, 'assignSegments', JSON.stringify({ segmentIds: [1], pad: 'x'.repeat(17 * 1024 * 1024) }));
  expect(big.status()).toBe(413);
  expect(await big.json()).toMatchObject({ code: 'too-large' });
  expect((await api(request, 'listImages', {})).status()).toBe(200);
});
