// Once per run: a folder of synthetic pizzas with ground truth in a temp dir, and the REAL service
// behind `samantic serve` (test-sam model) on a free port. The specs open the folder through the UI.
// SAMANTIC_E2E_SERVER=fake swaps in the in-memory fake service (a UI development aid only).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writePizzaFolder } from '../../src-main/tools/synth/writer';
import type { E2eState } from './helpers';

/** Images in the synthetic folder: enough for classes to span images, few enough for 2 CPU cores. */
export const E2E_IMAGE_COUNT = 6;
export const E2E_SEED = 20240611;
/** Half the generator's default size: the same scenes, a quarter of the pixels for SAM's AMG. */
export const E2E_WIDTH = 512;
export const E2E_HEIGHT = 384;
/** The first start compiles TypeScript through tsx and may generate the test model. */
const SERVER_START_TIMEOUT_MS = 180_000;
const URL_LINE = /Samantic is serving at (http:\/\/\S+)/;

function startServer(args: string[], log: (s: string) => void): Promise<{ child: ChildProcess; url: string }> {
  const root = resolve(import.meta.dirname, '..', '..');
  const fake = process.env.SAMANTIC_E2E_SERVER === 'fake';
  const cmd = fake
    ? [join(root, 'node_modules/tsx/dist/cli.mjs'), join(root, 'tests/fixtures/serve-fake.ts')]
    : [join(root, 'resources/bin/samantic.mjs'), 'serve'];
  const child = spawn(process.execPath, [...cmd, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`samantic serve printed no URL within ${SERVER_START_TIMEOUT_MS / 1000} s:\n${out}`)),
      SERVER_START_TIMEOUT_MS,
    );
    const onData = (d: Buffer) => {
      const text = d.toString();
      out += text;
      log(text);
      const m = URL_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[1] });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`samantic serve exited with code ${code} before it was ready:\n${out}`));
    });
  });
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  // SAMANTIC_E2E_REUSE=<dir kept by SAMANTIC_E2E_KEEP> reuses a processed folder (debugging aid).
  const reuse = process.env.SAMANTIC_E2E_REUSE;
  const workDir = reuse ? resolve(reuse) : mkdtempSync(join(tmpdir(), 'samantic-e2e-'));
  const folder = join(workDir, 'pizzas');
  let groundTruthFile = join(folder, 'ground-truth.json');
  if (!reuse || !existsSync(groundTruthFile)) {
    mkdirSync(folder, { recursive: true });
    ({ groundTruthFile } = await writePizzaFolder(folder, {
      count: E2E_IMAGE_COUNT,
      seed: E2E_SEED,
      width: E2E_WIDTH,
      height: E2E_HEIGHT,
    }));
  }
  const logFile: string[] = [];
  // The specs open folders under workDir through the UI: allow it (the server is rooted at cwd).
  const { child, url } = await startServer(['--port', '0', '--allow', workDir, '--state-dir', join(workDir, 'state')], (s) =>
    logFile.push(s),
  );
  const printed = new URL(url);
  const token = printed.searchParams.get('token') ?? '';
  if (!token) throw new Error(`samantic serve printed no ?token= in its URL (${url}); the server must be secure by default.`);
  const state: E2eState = { baseURL: `${printed.origin}/`, openUrl: url, token, folder, workDir, groundTruthFile };
  process.env.SAMANTIC_E2E_STATE = JSON.stringify(state);
  process.stdout.write(`e2e: ${E2E_IMAGE_COUNT} pizzas in ${folder}; server at ${state.baseURL}\n`);
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    if (!process.env.SAMANTIC_E2E_KEEP && !reuse) rmSync(workDir, { recursive: true, force: true });
    else process.stdout.write(`e2e: kept ${workDir}\n`);
  };
}
