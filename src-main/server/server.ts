// The browser transport: serves the built UI, the API as JSON over `POST /api/<method>`, progress
// events over a WebSocket at /events, and the project's images under /media. Used by
// `samantic serve`, the end-to-end tests and anyone who prefers a browser to the desktop shell.

import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { SamanticError, toErrorPayload } from '../core/errors';
import type { Service } from '../core/service/types';
import { inProcessBackend, type ServiceBackend } from './service-host';
import { DEFAULT_THUMB_SIZE, isInside } from './media';
import { checkImportSource, checkOpenFolderArgs, confineExportPath, EXPORT_METHODS } from './confine';
import { BodyTooLarge, parseApiBody, readBody } from './limits';
import { isLoopbackHost, MIN_TOKEN_LENGTH, refusal, SECURITY_HEADERS } from './security';

/** WebSocket keep-alive: proxies and laptops drop idle connections after about a minute. */
export const WS_PING_MS = 25_000;

export interface ServerOptions {
  /** A service in this thread, or a backend (WorkerBackend: the service in a worker thread). */
  service: Service | ServiceBackend;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /**
   * Every API, media and WebSocket request must carry it (`samantic serve` makes a random one).
   * Required to listen on a non-loopback interface.
   */
  token?: string;
  /**
   * Folders openFolder may open (with everything under them); exports must stay inside the open
   * project's folder. Default: none, so openFolder is refused: name the folders to allow.
   */
  roots?: readonly string[];
  /** Folder of the built UI (electron-vite's out/renderer). */
  rendererDir: string;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:5173/ */
  url: string;
  /** The URL to open in a browser: with ?token=... when a token is set. */
  openUrl: string;
  port: number;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** HTTP status for each error code; anything else is a 422 (understood, but cannot be done). */
const STATUS_OF: Record<string, number> = {
  'invalid-argument': 400,
  'not-found': 404,
  'no-project': 409,
  forbidden: 403,
  'too-large': 413,
  busy: 409,
  cancelled: 409,
  internal: 500,
};

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', { 'Cache-Control': 'no-store' });
}

function sendError(res: ServerResponse, err: unknown): void {
  const payload = toErrorPayload(err);
  sendJson(res, STATUS_OF[payload.code] ?? 422, payload);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token || undefined;
  if (!isLoopbackHost(host) && !token) {
    throw new SamanticError(
      'invalid-argument',
      `Refusing to listen on '${host}' without a token: anyone who can reach this machine could read your photos and change the project. ` +
        `Use --host 127.0.0.1, or pass --token with a secret of at least ${MIN_TOKEN_LENGTH} characters.`,
    );
  }
  if (token && token.length < MIN_TOKEN_LENGTH) {
    throw new SamanticError(
      'invalid-argument',
      `The token is ${token.length} characters long; use at least ${MIN_TOKEN_LENGTH} random characters.`,
    );
  }
  const rendererDir = resolve(opts.rendererDir);
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new SamanticError(
      'not-found',
      `The UI is not built: ${join(rendererDir, 'index.html')} is missing. Run \`npm run build\` first.`,
    );
  }

  const backend = 'api' in opts.service ? inProcessBackend(opts.service) : opts.service;
  let port = opts.port ?? 0;
  const policy = { token, loopback: isLoopbackHost(host) };
  const roots = (opts.roots ?? []).map((r) => resolve(r));

  async function serveStatic(res: ServerResponse, pathname: string, head: boolean): Promise<void> {
    let rel: string;
    try {
      rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    } catch {
      return send(res, 404, 'Not found', 'text/plain; charset=utf-8'); // malformed %-escape
    }
    const file = resolve(rendererDir, normalize(rel));
    if (!isInside(rendererDir, file) || !existsSync(file) || !statSync(file).isFile()) {
      return send(res, 404, 'Not found', 'text/plain; charset=utf-8');
    }
    const body = await readFile(file);
    // Vite puts content hashes in asset names, so those never change; index.html always may.
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(body.length),
      'Cache-Control': cache,
    });
    res.end(head ? undefined : body);
  }

  async function serveMedia(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const m = /^\/media\/(image|thumb)\/(\d{1,15})$/.exec(url.pathname);
    if (!m) return send(res, 404, 'Not found', 'text/plain; charset=utf-8');
    const id = Number(m[2]);
    const size = url.searchParams.has('size') ? Number(url.searchParams.get('size')) : DEFAULT_THUMB_SIZE;
    const out = m[1] === 'image' ? await backend.image(id) : await backend.thumb(id, size);
    const headers = { ETag: out.etag, 'Cache-Control': 'private, no-cache' };
    if (req.headers['if-none-match'] === out.etag) {
      res.writeHead(304, { ...SECURITY_HEADERS, ...headers });
      return void res.end();
    }
    send(res, 200, out.body, out.contentType, headers);
  }

  /** Path arguments checked against the roots before the service sees them (confine.ts). */
  async function confine(method: string, args: unknown): Promise<unknown> {
    if (method === 'openFolder') checkOpenFolderArgs(args, roots);
    const projectFolder = async () => {
      const summary = await backend.call('getSummary', undefined);
      return (summary.ok ? (summary.value as { folder?: string } | null)?.folder : undefined) ?? null;
    };
    if (method === 'importAnnotations') checkImportSource(args, roots, await projectFolder());
    if (EXPORT_METHODS.includes(method) && args && typeof args === 'object' && typeof (args as { out?: unknown }).out === 'string') {
      const folder = await projectFolder();
      if (folder) return { ...args, out: confineExportPath((args as { out: string }).out, folder) };
    }
    return args;
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { code: 'invalid-argument', message: 'API calls use POST.' });
    // Requiring JSON makes a cross-site form post impossible: browsers preflight this type.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 415, { code: 'invalid-argument', message: 'API calls need Content-Type: application/json.' });
    }
    // A malformed %-escape is not a method name; the dispatcher rejects it as unknown.
    const raw = pathname.slice('/api/'.length);
    let method = raw;
    try {
      method = decodeURIComponent(raw);
    } catch {
      /* keep it raw */
    }
    const text = await readBody(req);
    const args = await confine(method, parseApiBody(method, text));
    const result = await backend.call(method, args);
    if (result.ok) sendJson(res, 200, result.value);
    else sendJson(res, STATUS_OF[result.error.code] ?? 422, result.error);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isApi = url.pathname.startsWith('/api/');
    const isMedia = url.pathname.startsWith('/media/');
    // The page itself loads without the token (it holds no secret) and picks ?token= up from its
    // address; a wrong token is told at once rather than at the first API call.
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    const wrongPageToken = isPage && url.searchParams.has('token');
    const refused = refusal(req, policy, { checkOrigin: isApi, needToken: isApi || isMedia || wrongPageToken });
    if (refused) {
      if (isApi) return sendJson(res, refused.status, { code: 'forbidden', message: refused.message });
      return send(res, refused.status, refused.message, 'text/plain; charset=utf-8');
    }
    if (isApi) return serveApi(req, res, url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed', 'text/plain; charset=utf-8');
    if (isMedia) return serveMedia(req, res, url);
    return serveStatic(res, url.pathname, req.method === 'HEAD');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) return void res.destroy();
      // The client may still be sending an oversized body: answer, then close once it is read.
      if (err instanceof BodyTooLarge) res.setHeader('Connection', 'close');
      sendError(res, err);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refused =
      url.pathname === '/events' ? refusal(req, policy, { checkOrigin: true, needToken: true }) : { status: 404, message: 'Not found' };
    if (refused) {
      const reason = refused.status === 404 ? 'Not Found' : refused.status === 401 ? 'Unauthorized' : 'Forbidden';
      socket.end(`HTTP/1.1 ${refused.status} ${reason}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const alive = new WeakSet<WebSocket>();
  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // The UI only listens; anything it sends is ignored.
    ws.on('message', () => undefined);
  });
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate();
      else {
        alive.delete(ws);
        ws.ping();
      }
    }
  }, WS_PING_MS);
  pinger.unref();
  const unsubscribe = backend.onEvent((event) => {
    const text = JSON.stringify(event);
    for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRINUSE' ? ` Port ${port} is in use; pick another with --port, or --port 0 for any free port.` : '';
      fail(new SamanticError('network', `Cannot listen on ${host}:${port}: ${err.message}.${hint}`));
    });
    server.listen(port, host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;

  return {
    url,
    openUrl: token ? `${url}?token=${encodeURIComponent(token)}` : url,
    port,
    async close() {
      unsubscribe();
      clearInterval(pinger);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      });
    },
  };
}
