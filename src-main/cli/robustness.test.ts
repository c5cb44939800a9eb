// The command line as a hostile or unlucky user meets it: a second process on the same folder,
// a run where every image fails, a bad --out, a corrupt or empty project file, a killed export.
// Everything runs as real processes on real files.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePizzaFolder } from '../tools/synth/writer';
import { runSamantic } from './run-cli.testing';

const REPO = resolve(__dirname, '..', '..');
const QUICK = ['--model', 'test-sam', '--device', 'cpu', '--points-per-side', '6'];

let root: string;
let pizzas: string;
let project: string;

function samantic(args: string[], timeout = 300_000) {
  return runSamantic(root, args, timeout);
}

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A second process holding the project as a writer until killed (tests/fixtures/hold-project.ts). */
async function holdProject(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'tests', 'fixtures', 'hold-project.ts'), file], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('holding') && ok());
    child.once('exit', (code) => fail(new Error(`holder exited with ${code}`)));
  });
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin!.end();
  await exited;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-robust-'));
  pizzas = join(root, 'pizzas');
  await writePizzaFolder(pizzas, { count: 2, seed: 21, width: 192, height: 144 });
  const first = samantic(['label', pizzas, '--out', join(root, 'first.json'), ...QUICK]);
  expect(first.code, first.stderr).toBe(0);
  project = join(pizzas, '.samantic', 'project.db');
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('one writer per project', () => {
  it('refuses a second writer at once, marks nothing failed, and lets readers in beside it', async () => {
    const holder = await holdProject(project);
    try {
      const t0 = Date.now();
      const second = samantic(['label', pizzas, '--out', join(root, 'second.json'), ...QUICK]);
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain(`This project is open in another Samantic (pid ${holder.pid} since `);
      expect(second.stderr).toMatch(/Close it or use --project elsewhere\./);
      expect(Date.now() - t0).toBeLessThan(60_000);
      expect(existsSync(join(root, 'second.json'))).toBe(false);

      const info = samantic(['info', pizzas, '--json']);
      expect(info.code, info.stderr).toBe(0);
      expect(JSON.parse(info.stdout).images).toMatchObject({ total: 2, done: 2, failed: 0 });
      const exp = samantic(['export', pizzas, '--out', join(root, 'beside.json')]);
      expect(exp.code, exp.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(root, 'beside.json'), 'utf8')).images).toHaveLength(2);
    } finally {
      await release(holder);
    }
    const after = samantic(['label', pizzas, '--out', join(root, 'after.json'), '--json', ...QUICK]);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).images).toMatchObject({ done: 2, failed: 0 });
  }, 300_000);

  it('info never writes: the project file is byte-identical and no lock is left', () => {
    const before = digest(project);
    const info = samantic(['info', pizzas]);
    expect(info.code, info.stderr).toBe(0);
    expect(digest(project)).toBe(before);
    expect(existsSync(`${project}.lock`)).toBe(false);
  });
});

describe('exports', () => {
  it('a run where every image fails keeps an existing export and exits non-zero', () => {
    const bad = join(root, 'all-bad');
    cpSync(pizzas, bad, { recursive: true, filter: (src) => !src.includes('.samantic') && !src.endsWith('.png') });
    writeFileSync(join(bad, 'a.png'), 'not a png');
    writeFileSync(join(bad, 'b.jpg'), 'not a jpeg');
    const keep = join(root, 'keep.json');
    cpSync(join(root, 'first.json'), keep);
    const before = digest(keep);
    const r = samantic(['label', bad, '--out', keep, ...QUICK]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/left as it was/);
    expect(r.stderr).toMatch(/retried/);
    expect(digest(keep)).toBe(before);
  }, 300_000);

  it('--out is checked before any image is processed', () => {
    const fresh = join(root, 'fresh');
    cpSync(pizzas, fresh, { recursive: true, filter: (src) => !src.includes('.samantic') });
    const jpeg = join(root, 'photo.jpg');
    writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const overJpeg = samantic(['label', fresh, '--out', jpeg, ...QUICK]);
    expect(overJpeg.code).not.toBe(0);
    expect(overJpeg.stderr).toMatch(/not JSON is already there/);
    expect(readFileSync(jpeg)).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const inProc = samantic(['label', fresh, '--out', '/proc/x/c.json', ...QUICK], 60_000);
    expect(inProc.error).toBeUndefined();
    expect(inProc.code).not.toBe(0);
    expect(inProc.stderr).toMatch(/Cannot write the export \/proc\/x\/c\.json/);
    // Nothing was processed: the folder has no project yet.
    expect(existsSync(join(fresh, '.samantic'))).toBe(false);
  }, 120_000);

  it('synth into a folder that cannot exist fails at once', () => {
    const r = samantic(['synth', '/proc/x/y', '--count', '1'], 60_000);
    expect(r.error).toBeUndefined();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\/proc\/x\/y/);
  });

  it('temp files left by a killed export are cleaned at the next export', () => {
    const out = join(root, 'tidy.json');
    const stale = join(root, '.tidy.json.999999999.abcdef012345.tmp');
    writeFileSync(stale, '{"half":');
    const r = samantic(['export', pizzas, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('damaged project files', () => {
  it('a corrupt page is reported with the file and how to recover; the file is left byte-identical', () => {
    const copy = join(root, 'corrupt');
    cpSync(pizzas, copy, { recursive: true });
    const db = join(copy, '.samantic', 'project.db');
    const bytes = readFileSync(db);
    const pageSize = bytes.readUInt16BE(16);
    // Scribble over every page after the schema page: the b-tree pages no longer parse.
    for (let p = pageSize * 2; p < bytes.length; p += pageSize) bytes.fill(0xa5, p, p + 64);
    writeFileSync(db, bytes);
    const before = digest(db);
    for (const args of [
      ['info', copy],
      ['label', copy, '--out', join(root, 'c.json'), ...QUICK],
    ]) {
      const r = samantic(args);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(db);
      expect(r.stderr).toMatch(/restore a backup/);
      expect(r.stderr).toMatch(/--project/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(digest(db)).toBe(before);
    }
  }, 120_000);

  it('an empty project file is never made into a new project', () => {
    const copy = join(root, 'empty-project');
    cpSync(pizzas, copy, { recursive: true, filter: (src) => !src.includes('.samantic') });
    const empty = join(root, 'empty.db');
    writeFileSync(empty, '');
    const label = samantic(['label', copy, '--project', empty, '--out', join(root, 'e.json'), ...QUICK]);
    expect(label.code).not.toBe(0);
    expect(label.stderr).toContain(empty);
    expect(label.stderr).toMatch(/empty/);
    const info = samantic(['info', empty]);
    expect(info.code).not.toBe(0);
    expect(statSync(empty).size).toBe(0);
  }, 120_000);
});
