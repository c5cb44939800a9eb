// `samantic serve [folder] [--port N] [--host H] [--token T | --no-token] [--allow DIR] [--model id]`:
// the real service behind the HTTP/WebSocket transport, for a browser or the end-to-end tests. Runs
// until SIGINT/SIGTERM. A random token is made at start and printed once, in the URL to open; the
// UI may open folders only under the start folder (or the current one) and the --allow folders.
// The service runs in a worker thread, as in the desktop shell, so API calls answer while a folder
// is being processed; reads and images come from a read-only copy in this thread (read-host.ts).

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs } from '../core/util/args';
import { SamanticError } from '../core/errors';
import type { ProjectSummary } from '../core/api/contract';
import type { Service, ServiceOptions } from '../core/service/types';
import { isLoopbackHost } from './security';
import { startServer, type RunningServer } from './server';
import { PromptRoutedBackend, spawnPromptWorker } from './prompt-host';
import { ReadRoutedBackend } from './read-host';
import { inProcessBackend, spawnServiceWorker, WorkerBackend, type ServiceBackend } from './service-host';

const USAGE = `usage: samantic serve [folder] [--port N] [--host 127.0.0.1] [--token T | --no-token]
                      [--allow DIR ...] [--model <id|dir>] [--state-dir DIR] [--renderer-dir DIR]`;

/** Random bytes in a generated token: 192 bits, base64url (32 characters). */
const TOKEN_BYTES = 24;

export const NO_TOKEN_WARNING =
  'warning: --no-token: any program or user on this machine can use this server (open folders under its roots, read their photos, write exports).';

/** Printed before the URL on its own line; scripts (the e2e setup) look for it. */
export const URL_LINE_PREFIX = 'Samantic is serving at ';

/** The repository root, from this file's place in it (src-main/server/). */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export interface ServeDeps {
  /** Builds a service in this thread (tests); default: the real one in a worker thread. */
  createService?: (opts?: ServiceOptions) => Promise<Service>;
  /** Where the URL and status lines go; default stdout. */
  log?: (line: string) => void;
  /** Resolves when the server should stop; default: the first SIGINT or SIGTERM. */
  until?: (server: RunningServer) => Promise<void>;
}

function waitForSignal(): Promise<void> {
  return new Promise((ok) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      ok();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export interface ServeArgs {
  folder?: string;
  port: number;
  host: string;
  /** Always set unless --no-token: given with --token / SAMANTIC_TOKEN, else random. */
  token?: string;
  /** Folders the UI may open: the folder given (else the current one) plus each --allow. */
  roots: string[];
  model?: string;
  stateDir?: string;
  rendererDir: string;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  const parsed = parseCommandArgs(
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'no-token': { type: 'boolean' },
      allow: { type: 'string', multiple: true },
      model: { type: 'string' },
      'state-dir': { type: 'string' },
      'renderer-dir': { type: 'string' },
    },
    `\n${USAGE}`,
  );
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new SamanticError('invalid-argument', `serve takes at most one folder, got ${positionals.length}.\n${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SamanticError('invalid-argument', `--port must be an integer from 0 to 65535 (0 = any free port), got '${values.port}'.`);
  }
  const host = values.host ?? '127.0.0.1';
  if (values['no-token'] && values.token)
    throw new SamanticError('invalid-argument', `Give either --token or --no-token, not both.\n${USAGE}`);
  if (values['no-token'] && !isLoopbackHost(host)) {
    throw new SamanticError('invalid-argument', `--no-token is only allowed on a loopback address (127.0.0.1, localhost), not '${host}'.`);
  }
  // Environment fallback keeps the token out of the process list when wanted.
  const given = values.token ?? process.env.SAMANTIC_TOKEN ?? undefined;
  const token = values['no-token'] ? undefined : given || randomBytes(TOKEN_BYTES).toString('base64url');
  const folder = positionals[0] ? resolve(positionals[0]) : undefined;
  return {
    folder,
    port,
    host,
    token,
    roots: [folder ?? process.cwd(), ...(values.allow ?? []).map((d) => resolve(d))],
    model: values.model,
    stateDir: values['state-dir'] ? resolve(values['state-dir']) : undefined,
    rendererDir: resolve(values['renderer-dir'] ?? resolve(repoRoot(), 'out', 'renderer')),
  };
}

/** Runs the serve command; resolves with the exit code once stopped. */
export async function runServeCommand(argv: string[], deps: ServeDeps = {}): Promise<number> {
  const args = parseServeArgs(argv);
  const log = deps.log ?? ((line: string) => process.stdout.write(line + '\n'));
  if (!existsSync(resolve(args.rendererDir, 'index.html'))) {
    throw new SamanticError(
      'not-found',
      `The UI is not built (${resolve(args.rendererDir, 'index.html')} is missing). Run \`npm run build\` first, or pass --renderer-dir.`,
    );
  }
  if (args.folder && !existsSync(args.folder)) {
    throw new SamanticError(
      'folder-missing',
      `Folder ${args.folder} does not exist. Check the path, or start without a folder and open one in the UI.`,
    );
  }
  const onWarning = (message: string) => log(`warning: ${message}`);
  let backend: ServiceBackend;
  if (deps.createService) backend = inProcessBackend(await deps.createService({ stateDir: args.stateDir, onWarning }));
  else {
    const worker = new WorkerBackend(() => spawnServiceWorker({ stateDir: args.stateDir }), onWarning);
    // Start it now: a service that cannot start (a broken install) is reported before the URL.
    try {
      await worker.ready();
    } catch (err) {
      await worker.close();
      throw err;
    }
    // Clicks go to a prompt worker of their own, so they never wait for the generator's decoder;
    // reads and images are answered here from a read-only copy, so they never wait for it either.
    const { createService } = await import('../core/service/service');
    backend = new ReadRoutedBackend(new PromptRoutedBackend(worker, spawnPromptWorker, onWarning), createService);
  }
  let server: RunningServer | undefined;
  try {
    if (args.folder) {
      const opened = await backend.call('openFolder', { folder: args.folder, model: args.model });
      if (!opened.ok) throw new SamanticError(opened.error.code, opened.error.message);
      const summary = opened.value as ProjectSummary;
      log(`Opened ${summary.folder}: ${summary.images.total} images (${summary.images.pending} to process), model ${summary.modelId}.`);
    }
    server = await startServer({
      service: backend,
      host: args.host,
      port: args.port,
      token: args.token,
      roots: args.roots,
      rendererDir: args.rendererDir,
    });
    if (!args.token) log(NO_TOKEN_WARNING);
    log(`Folders the UI may open: ${args.roots.join(', ')} (add more with --allow).`);
    // The only place the token is shown: whoever has this URL can use the server.
    log(`${URL_LINE_PREFIX}${server.openUrl}`);
    log('Press Ctrl+C to stop.');
    await (deps.until ?? waitForSignal)(server);
    return 0;
  } finally {
    await server?.close();
    await backend.close();
  }
}
