// Where model folders live by default: SAMANTIC_MODELS_DIR, else the repository's models/ found by
// walking up from this file (works from src-main/ under tsx/vitest and from a bundled out/ folder).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODELS_DIR_ENV = 'SAMANTIC_MODELS_DIR';

export function defaultModelsDir(): string {
  const fromEnv = process.env[MODELS_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'models'))) return join(dir, 'models');
    const parent = dirname(dir);
    if (parent === dir) return resolve('models');
    dir = parent;
  }
}
