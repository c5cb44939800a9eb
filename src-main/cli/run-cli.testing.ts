// Runs the real CLI (resources/bin/samantic.mjs) in a child process for the CLI tests, with its
// own state folder so that tests never touch the user's recent list. Tests only.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const SAMANTIC_BIN = resolve(__dirname, '..', '..', 'resources', 'bin', 'samantic.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** `samantic <args>` with SAMANTIC_STATE_DIR=<root>/state; waits up to `timeout` ms. */
export function runSamantic(root: string, args: string[], timeout = 300_000): CliRun {
  const r = spawnSync(process.execPath, [SAMANTIC_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SAMANTIC_STATE_DIR: join(root, 'state') },
    timeout,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}
