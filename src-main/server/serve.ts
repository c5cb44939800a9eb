// `samantic serve [folder] [--port N] [--host H] [--token T] [--model id]`: the real service behind
// the HTTP/WebSocket transport, for a browser or the end-to-end tests. Runs until SIGINT/SIGTERM.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs } from '../core/args';
import { SamanticError } from '../core/errors';
import type { Service, ServiceOptions } from '../core/service/types';
import { startServer, type RunningServer } from './server';

const USAGE = `usage: samantic serve [folder] [--port N] [--host 127.0.0.1] [--token T] [--model <id|dir>]
                      [--state-dir DIR] [--renderer-dir DIR]`;

/** Printed before the URL on its own line; scripts (the e2e setup) look for it. */
export const URL_LINE_PREFIX = 'Samantic is serving at ';

/** The repository root, from this file's place in it (src-main/server/). */
function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export interface ServeDeps {
  /** Builds the service; default: the real one from src-main/core/service/service. */
  createService?: (opts?: ServiceOptions) => Promise<Service>;
  /** Where the URL and status lines go; default stdout. */
  log?: (line: string) => void;
  /** Resolves when the server should stop; default: the first SIGINT or SIGTERM. */
  until?: (server: RunningServer) => Promise<void>;
}

async function defaultCreateService(opts?: ServiceOptions): Promise<Service> {
  // Loaded lazily so `samantic --help` and the server tests do not pull in onnxruntime and SQLite.
  const mod = (await import('../core/service/service')) as { createService: (o?: ServiceOptions) => Promise<Service> };
  return mod.createService(opts);
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
  token?: string;
  model?: string;
  stateDir?: string;
  rendererDir: string;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  const parsed = parseCommandArgs(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    model: { type: 'string' },
    'state-dir': { type: 'string' },
    'renderer-dir': { type: 'string' },
  }, `\n${USAGE}`);
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new SamanticError('invalid-argument', `serve takes at most one folder, got ${positionals.length}.\n${USAGE}`);
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SamanticError('invalid-argument', `--port must be an integer from 0 to 65535 (0 = any free port), got '${values.port}'.`);
  }
  // Environment fallback keeps the token out of the process list when wanted.
  const token = values.token ?? process.env.SAMANTIC_TOKEN ?? undefined;
  return {
    folder: positionals[0] ? resolve(positionals[0]) : undefined,
    port,
    host: values.host ?? '127.0.0.1',
    token: token || undefined,
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
    throw new SamanticError('folder-missing', `Folder ${args.folder} does not exist. Check the path, or start without a folder and open one in the UI.`);
  }
  const create = deps.createService ?? defaultCreateService;
  const service = await create({
    stateDir: args.stateDir,
    onWarning: (message) => log(`warning: ${message}`),
  });
  let server: RunningServer | undefined;
  try {
    if (args.folder) {
      const summary = await service.api.openFolder({ folder: args.folder, model: args.model });
      log(`Opened ${summary.folder}: ${summary.images.total} images (${summary.images.pending} to process), model ${summary.modelId}.`);
    }
    server = await startServer({ service, host: args.host, port: args.port, token: args.token, rendererDir: args.rendererDir });
    log(`${URL_LINE_PREFIX}${server.openUrl}`);
    log('Press Ctrl+C to stop.');
    await (deps.until ?? waitForSignal)(server);
    return 0;
  } finally {
    await server?.close();
    await service.close();
  }
}
