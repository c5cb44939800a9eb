// The lint rules must be able to fail: each house rule is shown a file that breaks it (and one that
// keeps it), through ESLint's own API with the project's config, at the path the file would have.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';
import { badFileName, circles, importGraph } from './structure.mjs';

const eslint = new ESLint({ overrideConfigFile: 'resources/lint/eslint.config.mjs' });

async function ruleIds(filePath, code) {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId ?? m.message);
}

describe('layer rules', () => {
  it('refuses a lower layer importing a higher one', async () => {
    const ids = await ruleIds(
      'src-main/core/store/probe.ts',
      "import { createService } from '../service/service';\nexport const x = createService;\n",
    );
    expect(ids).toContain('import-x/no-restricted-paths');
  });

  it('refuses the store importing actions and the core importing the CLI', async () => {
    expect(
      await ruleIds(
        'src-main/core/store/probe.ts',
        "import { applyAction } from '../actions/persistent';\nexport const x = applyAction;\n",
      ),
    ).toContain('import-x/no-restricted-paths');
    expect(
      await ruleIds('src-main/core/model/probe.ts', "import { runModelsCli } from '../../cli/models';\nexport const x = runModelsCli;\n"),
    ).toContain('import-x/no-restricted-paths');
  });

  it('lets a higher layer import a lower one', async () => {
    expect(
      await ruleIds(
        'src-main/core/service/probe.ts',
        "import { ProjectStore } from '../store/project-store';\nexport const x = ProjectStore;\n",
      ),
    ).toEqual([]);
  });

  it('keeps electron in the shell and test helpers out of product code', async () => {
    expect(await ruleIds('src-main/core/model/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds('src-main/shell/probe.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([]);
    expect(
      await ruleIds('src-main/core/store/probe.ts', "import { tempDir } from './fixtures.testing';\nexport const x = tempDir;\n"),
    ).toContain('no-restricted-imports');
  });

  it('lets the renderer reach the main process only through its aliases', async () => {
    expect(
      await ruleIds(
        'src-renderer/src/lib/probe.ts',
        "import type { ClassInfo } from '../../../src-main/core/api/contract';\nexport type X = ClassInfo;\n",
      ),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds('src-renderer/src/lib/probe.ts', "import type { ClassInfo } from '@contract';\nexport type X = ClassInfo;\n"),
    ).toEqual([]);
  });
});

describe('structure check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samantic-lint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a circle of type-only imports and none in a chain', () => {
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b';\nexport type A = { b: B };\n");
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './a';\nexport type B = { a?: A };\n");
    writeFileSync(join(dir, 'c.ts'), "import type { A } from './a';\nexport type C = A;\n");
    const graph = importGraph(['a.ts', 'b.ts', 'c.ts'].map((f) => join(dir, f)));
    const found = circles(graph);
    expect(found).toHaveLength(1);
    expect(found[0].map((f) => f.split('/').pop())).toEqual(['a.ts', 'b.ts']);
  });

  it('accepts kebab-case TypeScript and PascalCase Svelte names only', () => {
    for (const ok of [
      'src-main/core/amg/mask-data.ts',
      'src-main/core/store/fixtures.testing.ts',
      'x/state.svelte.ts',
      'x/ImageView.svelte',
      'tests/e2e/app.spec.ts',
    ])
      expect(badFileName(ok), ok).toBe(false);
    for (const bad of ['src-main/core/amg/maskData.ts', 'x/image-view.svelte', 'x/Mask_data.ts']) expect(badFileName(bad), bad).toBe(true);
  });
});
