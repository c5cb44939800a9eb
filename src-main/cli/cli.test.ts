import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCocoDataset } from '../core/coco/validate';
import { writePizzaFolder } from '../tools/synth/writer';
import { runSamantic, SAMANTIC_BIN } from './run-cli.testing';

const QUICK = ['--model', 'test-sam', '--device', 'cpu', '--points-per-side', '12'];

let root: string;
let pizzas: string;

function samantic(args: string[]) {
  return runSamantic(root, args);
}

/** The parts of a COCO file that must not depend on when or how often it was written. */
function stable(file: string) {
  const { images, annotations, categories } = JSON.parse(readFileSync(file, 'utf8'));
  return { images, annotations, categories };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-cli-'));
  pizzas = join(root, 'pizzas');
  await writePizzaFolder(pizzas, { count: 3, seed: 11 });
  // An unreadable file must be skipped and reported, not stop the run.
  writeFileSync(join(pizzas, 'broken.jpg'), 'this is not a JPEG');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('samantic CLI', () => {
  it('label: processes, skips the unreadable file with its reason, writes valid COCO; a second run encodes nothing', () => {
    const out = join(root, 'a.json');
    const first = samantic(['label', pizzas, '--out', out, '--json', ...QUICK]);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.images).toMatchObject({ total: 4, done: 3, failed: 1 });
    expect(report.encoded).toBe(3);
    expect(report.failed[0].file).toBe('broken.jpg');
    expect(report.failed[0].reason).toMatch(/broken\.jpg/);
    const coco = JSON.parse(readFileSync(out, 'utf8'));
    expect(validateCocoDataset(coco)).toEqual([]);
    expect(coco.images).toHaveLength(3);
    expect(coco.annotations.length).toBe(report.annotations);

    const second = samantic(['label', pizzas, '--out', join(root, 'b.json'), '--json', ...QUICK]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ encoded: 0, cacheHits: 0 });
    expect(stable(join(root, 'b.json'))).toEqual(stable(out));
  });

  it('info, classes and export work on the project', () => {
    const info = samantic(['info', pizzas, '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).images.done).toBe(3);
    const renamed = samantic(['classes', pizzas, 'rename', '1', 'pepperoni']);
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toMatch(/pepperoni .*decided/);
    // An explicit re-cluster keeps the class the user named.
    const reclustered = samantic(['classes', pizzas, 'recluster']);
    expect(reclustered.code, reclustered.stderr).toBe(0);
    expect(reclustered.stdout).toMatch(/^\s+1 .* pepperoni .*decided/m);
    const out = join(root, 'export.json');
    const exp = samantic(['export', join(pizzas, '.samantic', 'project.db'), '--out', out, '--format', 'rle']);
    expect(exp.code, exp.stderr).toBe(0);
    const coco = JSON.parse(readFileSync(out, 'utf8'));
    expect(coco.categories.map((c: { name: string }) => c.name)).toContain('pepperoni');
    expect(typeof coco.annotations[0].segmentation.counts).toBe('string');
  });

  it('a missing folder, an empty folder, an unknown model and a bad flag give one clear message and a non-zero exit', () => {
    const missing = samantic(['label', join(root, 'nope'), ...QUICK]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/does not exist/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const none = samantic(['label', empty, '--out', join(root, 'e.json'), ...QUICK]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/No images in/);
    const model = samantic(['label', pizzas, '--model', 'sam-vit-nope']);
    expect(model.code).not.toBe(0);
    expect(model.stderr).toMatch(/unknown model "sam-vit-nope"/);
    const flag = samantic(['label', pizzas, '--frobnicate']);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/frobnicate/);
  });

  it('a run killed mid-way and restarted yields the same export as an uninterrupted run', async () => {
    const killed = join(root, 'killed');
    cpSync(pizzas, killed, { recursive: true, filter: (src) => !src.includes('.samantic') && !src.endsWith('broken.jpg') });
    const child = spawn(process.execPath, [SAMANTIC_BIN, 'label', killed, '--out', join(root, 'k.json'), ...QUICK], {
      env: { ...process.env, SAMANTIC_STATE_DIR: join(root, 'state') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Non-TTY progress prints one line per finished image: kill right after the first one.
    await new Promise<void>((done) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (/^1\/3 /m.test(chunk.toString())) {
          child.kill('SIGKILL');
          done();
        }
      });
      child.on('exit', () => done());
    });
    await new Promise((r) => child.on('close', r));
    const resumed = samantic(['label', killed, '--out', join(root, 'k.json'), '--json', ...QUICK]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout);
    expect(report.images.done).toBe(3);
    // Only the images not committed before the kill were processed again.
    expect(report.encoded).toBeLessThan(3);

    const straight = join(root, 'straight');
    cpSync(killed, straight, { recursive: true, filter: (src) => !src.includes('.samantic') });
    const r = samantic(['label', straight, '--out', join(root, 's.json'), ...QUICK]);
    expect(r.code, r.stderr).toBe(0);
    expect(stable(join(root, 'k.json'))).toEqual(stable(join(root, 's.json')));
  });
});
