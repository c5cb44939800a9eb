#!/usr/bin/env node
// Packaging step: flips the Electron fuses of a packaged Samantic binary to PACKAGED_FUSES
// (src-main/shell/policy.ts): no running as plain Node, no NODE_OPTIONS or --inspect, the app only
// from its integrity-checked asar, file:// without extra privileges. Run it on the packaged
// executable before signing:
//
//   node resources/scripts/fuses.mjs <path to the packaged Electron executable>
//
// Needs @electron/fuses (the packager's own dependency; not installed for development).

import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: node resources/scripts/fuses.mjs <packaged Electron executable>\n');
  process.exit(2);
}
let fuses;
try {
  fuses = createRequire(join(root, 'package.json'))('@electron/fuses');
} catch {
  process.stderr.write('fuses: @electron/fuses is not installed; install it in the packaging environment (npm i -D @electron/fuses).\n');
  process.exit(1);
}
register();
const { PACKAGED_FUSES } = await import(new URL('../../src-main/shell/policy.ts', import.meta.url).href);
const config = { version: fuses.FuseVersion.V1 };
for (const [name, on] of Object.entries(PACKAGED_FUSES)) {
  const key = fuses.FuseV1Options[name];
  if (key === undefined) throw new Error(`fuses: unknown fuse ${name} in PACKAGED_FUSES`);
  config[key] = on;
}
await fuses.flipFuses(resolve(target), config);
process.stdout.write(
  `fuses: set ${Object.entries(PACKAGED_FUSES)
    .map(([k, v]) => `${k}=${v ? 'on' : 'off'}`)
    .join(', ')} on ${target}\n`,
);
