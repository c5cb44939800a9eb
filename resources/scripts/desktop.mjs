#!/usr/bin/env node
// `npm start` = `node resources/scripts/desktop.mjs start`: everything the desktop app needs, then
// the app. Steps: (1) make sure Electron's binary is installed (download it once if allowed);
// (2) build better-sqlite3 for Electron's ABI into .electron-native/ (Node's copy in node_modules
// stays as it is for the CLI and tests) and pass its path to the store in SAMANTIC_SQLITE_BINDING;
// (3) `electron-vite build`; (4) launch Electron on the built app.
//
//   node resources/scripts/desktop.mjs start      all of the above
//   node resources/scripts/desktop.mjs native     only step 2 (prints the binding path)
//   node resources/scripts/desktop.mjs check      report what is present, change nothing

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));
/** The env var the project store reads for better-sqlite3's `nativeBinding` option. */
const BINDING_ENV = 'SAMANTIC_SQLITE_BINDING';
/** Where Electron-ABI native modules are built; never inside node_modules. */
const NATIVE_DIR = join(root, '.electron-native');
/** Longest wait for the one-time Electron download before giving up with advice. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

const say = (line) => process.stdout.write(`samantic: ${line}\n`);
function fail(lines) {
  process.stderr.write(`\nsamantic: cannot start the desktop app.\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
  process.exit(1);
}

function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
  } catch {
    return fail(['The electron package is not installed.', 'Run `npm install` in the project folder first.']);
  }
}

/** Path of the Electron executable, or null when its binary was never downloaded. */
function electronBinary() {
  const dir = join(root, 'node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const exe = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status === 0;
}

function ensureElectron(version) {
  let exe = electronBinary();
  if (exe) return exe;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    fail([
      `Electron ${version}'s binary is not installed (node_modules/electron/dist is missing),`,
      'and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so it was not downloaded.',
      'Unset ELECTRON_SKIP_BINARY_DOWNLOAD and run `node node_modules/electron/install.js`,',
      'or use the browser UI instead: `npx samantic serve <folder>`.',
    ]);
  }
  say(`downloading Electron ${version} (once)…`);
  const ok = run(process.execPath, [join(root, 'node_modules/electron/install.js')], { timeout: DOWNLOAD_TIMEOUT_MS });
  exe = electronBinary();
  if (!ok || !exe) {
    fail([
      `Electron ${version}'s binary is not installed and could not be downloaded`,
      '(node_modules/electron/dist is missing; the download needs github.com).',
      'On a machine with internet: run `node node_modules/electron/install.js`, then `npm start` again.',
      'Without it, use the browser UI: `npx samantic serve <folder>` and open the printed URL.',
    ]);
  }
  return exe;
}

/** Builds (once per Electron version) better-sqlite3 against Electron's headers; returns the .node path. */
function ensureSqliteBinding(version) {
  const target = join(NATIVE_DIR, `electron-${version}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
  if (existsSync(target)) return target;
  const src = join(root, 'node_modules/better-sqlite3');
  if (!existsSync(join(src, 'binding.gyp'))) fail(['better-sqlite3 is not installed; run `npm install` first.']);
  const work = join(NATIVE_DIR, 'better-sqlite3-build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // A private copy of the package: building in place would replace Node's binary with Electron's.
  cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${join(src, 'build')}`) });
  say(`building better-sqlite3 for Electron ${version} (${process.platform}-${process.arch})…`);
  const prebuild = join(root, 'node_modules/prebuild-install/bin.js');
  const gotPrebuilt =
    existsSync(prebuild) &&
    run(process.execPath, [prebuild, '--runtime', 'electron', '--target', version, '--arch', process.arch], { cwd: work });
  const built =
    gotPrebuilt ||
    run(
      'npx',
      [
        '--yes',
        'node-gyp',
        'rebuild',
        '--release',
        `--target=${version}`,
        `--arch=${process.arch}`,
        '--dist-url=https://electronjs.org/headers',
      ],
      { cwd: work, shell: process.platform === 'win32' },
    );
  const out = join(work, 'build/Release/better_sqlite3.node');
  if (!built || !existsSync(out)) {
    fail([
      `Could not get better-sqlite3 for Electron ${version}: no prebuilt binary was downloaded and building it failed.`,
      'Building needs Python 3 and a C++ toolchain (build-essential on Linux, Xcode tools on macOS,',
      'Visual Studio Build Tools on Windows). Install them and run `npm start` again.',
    ]);
  }
  mkdirSync(dirname(target), { recursive: true });
  cpSync(out, target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

function build() {
  say('building the app (electron-vite build)…');
  const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin/electron-vite.js');
  if (!run(process.execPath, [cli, 'build'])) fail(['`electron-vite build` failed; see the errors above.']);
}

function launch(exe, binding) {
  say('starting Samantic…');
  const child = spawn(exe, [root, ...process.argv.slice(3)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, [BINDING_ENV]: binding, ELECTRON_RUN_AS_NODE: '' },
  });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
}

const command = process.argv[2] ?? 'start';
const version = electronVersion();
if (command === 'check') {
  const exe = electronBinary();
  say(`Electron ${version}: ${exe ?? 'binary NOT installed'}`);
  const dir = join(NATIVE_DIR, `electron-${version}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
  say(`better-sqlite3 for Electron: ${existsSync(dir) ? dir : 'not built yet'}`);
  process.exit(exe ? 0 : 1);
} else if (command === 'native') {
  process.stdout.write(`${BINDING_ENV}=${ensureSqliteBinding(version)}\n`);
} else if (command === 'start') {
  const exe = ensureElectron(version);
  const binding = ensureSqliteBinding(version);
  build();
  launch(exe, binding);
} else {
  fail([`Unknown command '${command}'. Use: start | native | check.`]);
}
