// Starting the core's worker threads (the encoder worker, the AMG workers) the same way whether the
// code runs as TypeScript sources (vitest, the CLI through tsx) or from the electron-vite build: a
// worker is a file found beside the module that starts it, or, in the build, an entry of its own
// one folder above the chunk holding that module (see electron.vite.config.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The first of `candidates` (paths relative to `from`, a module URL) that exists, or null. */
export function locateWorkerFile(candidates: readonly string[], from: string): URL | null {
  for (const rel of candidates) {
    // Built from a variable on purpose: a literal `new URL('./x.ts', import.meta.url)` would be
    // taken by the bundler for an asset reference.
    const url = new URL(rel, from);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return null;
}

/**
 * tsx's ESM register API as a file URL. Its CommonJS twin (what require.resolve finds) cannot
 * register from inside a worker, and a bare import from eval'd code would resolve against the
 * working directory, so the ESM file is taken from tsx's package.json exports.
 */
function tsxEsmApi(): string {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = require(pkgFile) as { exports?: Record<string, { import?: { default?: string } | string }> };
  const entry = pkg.exports?.['./esm/api']?.import;
  const rel = typeof entry === 'string' ? entry : entry?.default;
  if (!rel) throw new Error(`tsx at ${pkgFile} has no ESM "./esm/api" export; reinstall dependencies (npm ci).`);
  return new URL(rel, pathToFileURL(pkgFile)).href;
}

/**
 * Starts the worker file at `url`. A TypeScript file is booted through tsx's loader, registered
 * inside the worker itself; if that fails the worker posts { kind: 'startup-failed', message }, as
 * every core worker does when it cannot start.
 */
export function spawnWorker(url: URL, workerData: unknown): Worker {
  if (!/\.[mc]?ts$/.test(url.pathname)) return new Worker(url, { workerData });
  const tsx = tsxEsmApi();
  const boot =
    `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })` +
    `.catch((e) => { require('node:worker_threads').parentPort.postMessage({ kind: 'startup-failed', message: String((e && e.message) || e) }); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Resolves when the worker posts { kind: 'ready' }; rejects with the reason (its startup-failed
 * message, its exit, or the timeout) otherwise. The caller ends a worker that did not start.
 */
export function waitUntilReady(worker: Worker, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let error = '';
    const done = (err: string | null) => {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (err === null) resolve();
      else reject(err);
    };
    const onMessage = (m: { kind?: string; message?: string }) => {
      if (m?.kind === 'ready') done(null);
      else if (m?.kind === 'startup-failed') done(String(m.message));
    };
    const onError = (e: Error) => (error = e.message);
    const onExit = (code: number) => done(`it exited (code ${code})${error ? `: ${error}` : ''}`);
    const timer = setTimeout(() => done(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}
