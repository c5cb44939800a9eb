import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS, type OpenFolderArgs, type SamanticApi } from '../core/api/contract';
import type { Service, ServiceOptions } from '../core/service/types';
import { parseServeArgs, runServeCommand, URL_LINE_PREFIX } from './serve';

let dir: string;
let rendererDir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'samantic-serve-'));
  rendererDir = join(dir, 'ui');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>ui</title>');
  mkdirSync(join(dir, 'photos'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseServeArgs', () => {
  it('reads the folder and options', () => {
    const a = parseServeArgs([join(dir, 'photos'), '--port', '8123', '--model', 'test-sam', '--renderer-dir', rendererDir]);
    expect(a).toMatchObject({ folder: join(dir, 'photos'), port: 8123, host: '127.0.0.1', model: 'test-sam', rendererDir });
  });

  it('makes a random token by default; --no-token only on loopback; roots are the folder (or cwd) and --allow', () => {
    const a = parseServeArgs([join(dir, 'photos'), '--allow', join(dir, 'more'), '--allow', 'rel']);
    const b = parseServeArgs([]);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(b.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.roots).toEqual([join(dir, 'photos'), join(dir, 'more'), join(process.cwd(), 'rel')]);
    expect(b.roots).toEqual([process.cwd()]);
    expect(parseServeArgs(['--no-token']).token).toBeUndefined();
    expect(() => parseServeArgs(['--no-token', '--host', '0.0.0.0'])).toThrow(/only allowed on a loopback address/);
    expect(() => parseServeArgs(['--no-token', '--token', 'abcdefghijklmnop'])).toThrow(/either --token or --no-token/);
  });

  it.each([
    [['--port', 'eighty'], /--port must be an integer/],
    [['--port', '70000'], /--port must be an integer/],
    [['a', 'b'], /at most one folder/],
    [['--colour', 'red'], /Unknown option/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseServeArgs(argv)).toThrow(message);
  });
});

describe('runServeCommand', () => {
  it('creates the service, opens the folder, prints the URL, serves, then closes everything', async () => {
    const opened: OpenFolderArgs[] = [];
    let closed = false;
    let createdWith: ServiceOptions | undefined;
    const api = Object.fromEntries(API_METHODS.map((m) => [m, async () => null])) as unknown as SamanticApi;
    api.openFolder = async (args) => {
      opened.push(args);
      return {
        folder: args.folder,
        projectFile: 'p.db',
        modelId: 'test-sam',
        provider: null,
        switchedFrom: null,
        images: { total: 3, pending: 3, done: 0, failed: 0 },
        segments: 0,
        classes: 0,
        canUndo: false,
        canRedo: false,
        undoTitle: null,
        redoTitle: null,
        undoAutomatic: false,
      };
    };
    const service: Service = {
      api,
      onEvent: () => () => undefined,
      imageFile: () => null,
      folder: () => null,
      lastRun: () => null,
      cacheEmbedding: () => false,
      close: async () => void (closed = true),
    };
    const lines: string[] = [];
    let status = 0;
    const apiStatus: number[] = [];
    const code = await runServeCommand(
      [join(dir, 'photos'), '--renderer-dir', rendererDir, '--model', 'test-sam', '--state-dir', join(dir, 'state')],
      {
        createService: async (o) => ((createdWith = o), service),
        log: (l) => lines.push(l),
        until: async (server) => {
          status = (await fetch(server.url)).status;
          const call = (headers: Record<string, string>) =>
            fetch(new URL('/api/listImages', server.url), {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', ...headers },
              body: '{}',
            });
          apiStatus.push((await call({})).status);
          apiStatus.push((await call({ Authorization: `Bearer ${new URL(server.openUrl).searchParams.get('token')}` })).status);
        },
      },
    );
    expect(code).toBe(0);
    expect(status).toBe(200);
    expect(opened).toEqual([{ folder: join(dir, 'photos'), model: 'test-sam' }]);
    expect(createdWith?.stateDir).toBe(join(dir, 'state'));
    const urlLines = lines.filter((l) => l.startsWith(URL_LINE_PREFIX + 'http://127.0.0.1:'));
    expect(urlLines).toHaveLength(1);
    const token = new URL(urlLines[0].slice(URL_LINE_PREFIX.length)).searchParams.get('token') ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Printed once: no other line shows it.
    expect(lines.filter((l) => l.includes(token))).toHaveLength(1);
    expect(apiStatus).toEqual([401, 200]);
    expect(lines.some((l) => l.includes('3 images (3 to process)'))).toBe(true);
    expect(closed).toBe(true);
  });

  it('explains what to do when the UI is not built or the folder is missing', async () => {
    await expect(runServeCommand(['--renderer-dir', join(dir, 'nope')])).rejects.toThrow(/npm run build/);
    await expect(runServeCommand([join(dir, 'missing'), '--renderer-dir', rendererDir])).rejects.toThrow(/does not exist/);
  });
});
