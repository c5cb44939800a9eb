#!/usr/bin/env node
// `samantic` command: runs the TypeScript CLI through tsx's loader so that the same sources serve
// the CLI, the tests and the desktop build, with no separate compile step after `npm install`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../../src-main/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
