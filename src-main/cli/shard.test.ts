// Beyond one machine, as a batch engine runs it: shard workers as parallel processes on one shared
// folder, a worker killed and restarted, the merge (twice), and a shard from another model.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf, shareKey } from '../core/pipeline/shard';
import { segmentGeometry } from '../core/pipeline/contents.testing';
import { ProjectStore } from '../core/store/project-store';
import { writePizzaFolder } from '../tools/synth/writer';
import { runSamantic, SAMANTIC_BIN, type CliRun } from './run-cli.testing';

const QUICK = ['--model', 'test-sam', '--device', 'cpu', '--points-per-side', '8'];
const COUNT = 5;

let root: string;
let pizzas: string;
let whole: string;

const samantic = (args: string[]) => runSamantic(root, args);
const shardFile = (folder: string, i: number, n: number) => join(folder, '.samantic', `shard-${i}-of-${n}.db`);
const noProject = (src: string) => !src.includes('.samantic');

/** `samantic <args>` as a background process (so several run at once), with extra environment. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [SAMANTIC_BIN, ...args], {
    env: { ...process.env, SAMANTIC_STATE_DIR: join(root, 'state'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((ok) => child.on('close', (code) => ok({ code, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

/** What a project holds per photo: its record and its segments (masks, scores, class), in id order. */
function contents(file: string) {
  const store = ProjectStore.open(file, { readOnly: true });
  try {
    const classes = new Map(store.listClasses().map((c) => [c.id, c.name]));
    return store.listImages().map((img) => ({
      relPath: img.relPath,
      contentHash: img.contentHash,
      status: img.status,
      size: [img.width, img.height],
      segments: store.listSegments({ imageId: img.id }).map((s) => ({
        id: s.id,
        ...segmentGeometry(s),
        removed: s.removed,
        className: s.classId === null ? null : classes.get(s.classId),
      })),
    }));
  } finally {
    store.close();
  }
}

/** The parts of a COCO file that must not depend on when or how often it was written. */
function stable(file: string) {
  const { images, annotations, categories } = JSON.parse(readFileSync(file, 'utf8'));
  return { images, annotations, categories };
}

const shardsOfFolder = (folder: string, n: number) =>
  Promise.all(
    readdirSync(folder)
      .filter((f) => f.endsWith('.png'))
      .map(async (f) => shardOf(await shareKey(join(folder, f), statSync(join(folder, f)).size), n)),
  );

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-shard-'));
  pizzas = join(root, 'pizzas');
  await writePizzaFolder(pizzas, { count: COUNT, seed: 21, width: 160, height: 120 });
  // Both workers get photos (and one at least two, for the kill between two of its images).
  const shares = await shardsOfFolder(pizzas, 2);
  expect(shares.filter((s) => s === 0).length * shares.filter((s) => s === 1).length).toBeGreaterThanOrEqual(COUNT - 1);
  whole = join(root, 'whole');
  cpSync(pizzas, whole, { recursive: true });
  const r = samantic(['label', whole, '--out', join(root, 'whole.json'), ...QUICK]);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('samantic label --shard and samantic merge', () => {
  it('two shards run in parallel on one folder and merged equal one unsharded run: images, masks, scores, classes, export', async () => {
    // Both engines' variables: the Kubernetes one for worker 0, the Slurm one for worker 1.
    const a = start(['label', pizzas, '--shards', '2', '--json', ...QUICK], { JOB_COMPLETION_INDEX: '0' });
    const b = start(['label', pizzas, '--shards', '2', '--json', ...QUICK], { SLURM_ARRAY_TASK_ID: '1' });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const [sa, sb] = [JSON.parse(ra.stdout), JSON.parse(rb.stdout)];
    expect([sa.shard, sb.shard]).toEqual(['0/2', '1/2']);
    expect(sa.share.total + sb.share.total).toBe(COUNT);
    expect(sa.share.done + sb.share.done).toBe(COUNT);
    expect(sa.encoded + sb.encoded).toBe(COUNT);
    // A shard clusters nothing: its share alone would make classes of their own.
    expect(contents(shardFile(pizzas, 0, 2)).flatMap((i) => i.segments.map((s) => s.className))).toEqual(
      expect.not.arrayContaining([expect.any(String)]),
    );

    const merged = samantic(['merge', pizzas, shardFile(pizzas, 0, 2), shardFile(pizzas, 1, 2), '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const report = JSON.parse(merged.stdout);
    expect(report).toMatchObject({ imported: COUNT, classification: 'clustered', unprocessed: 0 });
    expect(report.shards.map((s: { imported: number }) => s.imported)).toEqual([sa.share.done, sb.share.done]);

    const mainDb = join(pizzas, '.samantic', 'project.db');
    const wholeDb = join(whole, '.samantic', 'project.db');
    expect(contents(mainDb)).toEqual(contents(wholeDb));
    const exp = samantic(['export', pizzas, '--out', join(root, 'merged.json')]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(stable(join(root, 'merged.json'))).toEqual(stable(join(root, 'whole.json')));
  });

  it('merging the same shards again changes nothing', () => {
    const mainDb = join(pizzas, '.samantic', 'project.db');
    const before = contents(mainDb);
    const again = samantic(['merge', pizzas, shardFile(pizzas, 1, 2), shardFile(pizzas, 0, 2), '--json']);
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report).toMatchObject({ imported: 0, segments: 0, classification: 'none' });
    expect(report.shards.reduce((n: number, s: { already: number }) => n + s.already, 0)).toBe(COUNT);
    expect(contents(mainDb)).toEqual(before);
  });

  it("a shard merged after the user's corrections is classified into the user's classes; every decision stays", () => {
    const partial = join(root, 'partial.db');
    const first = samantic(['merge', partial, shardFile(pizzas, 0, 2), '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ classification: 'clustered', folder: pizzas });
    const renamed = samantic(['classes', partial, 'rename', '1', 'crust']);
    expect(renamed.code, renamed.stderr).toBe(0);
    const before = contents(partial).filter((img) => img.status === 'done');
    const second = samantic(['merge', partial, shardFile(pizzas, 1, 2), '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ classification: 'classified', unprocessed: 0 });
    const after = contents(partial);
    // The images merged first keep every segment and class as the user left them.
    for (const img of before) expect(after.find((a) => a.relPath === img.relPath)).toEqual(img);
    const fresh = after.filter((a) => !before.some((b) => b.relPath === a.relPath));
    expect(fresh.length).toBe(COUNT - before.length);
    // No re-clustering: the user's class is there, and new segments joined it.
    expect(fresh.flatMap((img) => img.segments.map((seg) => seg.className))).toContain('crust');
  });

  it('a shard killed mid-way and run again finishes its share without duplicates', async () => {
    const killed = join(root, 'killed');
    cpSync(pizzas, killed, { recursive: true, filter: noProject });
    // The worker with the larger share, so that the kill falls between two of its images.
    const shares = await shardsOfFolder(killed, 2);
    const index = shares.filter((s) => s === 0).length >= 2 ? 0 : 1;
    const worker = start(['label', killed, '--shard', `${index}/2`, ...QUICK]);
    await new Promise<void>((ok) => {
      const poll = setInterval(() => {
        // Non-TTY progress prints one line per finished image: kill right after the first one.
        if (/^1\/\d+ /m.test(worker.stderr()) || worker.child.exitCode !== null) {
          clearInterval(poll);
          worker.child.kill('SIGKILL');
          ok();
        }
      }, 20);
    });
    await worker.done;
    const share = shares.filter((s) => s === index).length;
    const committed = contents(shardFile(killed, index, 2)).filter((img) => img.status === 'done').length;
    expect(committed).toBeGreaterThanOrEqual(1);
    expect(committed).toBeLessThan(share);
    const rerun = samantic(['label', killed, '--shard', `${index}/2`, '--json', ...QUICK]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const report = JSON.parse(rerun.stdout);
    expect(report.share).toEqual({ total: share, done: share, failed: 0, pending: 0 });
    expect(report.encoded).toBe(share - committed);
    // Same images and segments as the worker that was never interrupted (ids aside).
    const strip = (file: string) => contents(file).map((img) => ({ ...img, segments: img.segments.map(({ id: _id, ...s }) => s) }));
    expect(strip(shardFile(killed, index, 2))).toEqual(strip(shardFile(pizzas, index, 2)));

    // The same photos in two shard projects (this one and the first run's) are kept once.
    const dup = join(root, 'dup.db');
    const merged = samantic(['merge', dup, shardFile(killed, index, 2), shardFile(pizzas, 0, 2), shardFile(pizzas, 1, 2), '--json']);
    expect(merged.code, merged.stderr).toBe(0);
    const r = JSON.parse(merged.stdout);
    expect(r.imported).toBe(COUNT);
    expect(r.shards[0]).toMatchObject({ imported: share, already: 0 });
    expect(r.shards[1 + index]).toMatchObject({ imported: 0, already: share });
    expect(contents(dup)).toEqual(contents(join(whole, '.samantic', 'project.db')));
  });

  it('refuses a shard made with another model, naming the shard and both models, and changes nothing', () => {
    const other = join(root, 'other');
    mkdirSync(other);
    cpSync(join(pizzas, 'pizza-000.png'), join(other, 'pizza-000.png'));
    const made = samantic(['label', other, '--shard', '0/1', '--model', 'test-sam2', '--device', 'cpu', '--points-per-side', '4']);
    expect(made.code, made.stderr).toBe(0);
    const mainDb = join(pizzas, '.samantic', 'project.db');
    const before = contents(mainDb);
    const refused = samantic(['merge', pizzas, shardFile(pizzas, 0, 2), shardFile(other, 0, 1)]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(shardFile(other, 0, 1));
    expect(refused.stderr).toMatch(/made with model test-sam2 .* holds model test-sam \(/);
    expect(refused.stderr).toMatch(/Nothing was merged/);
    expect(contents(mainDb)).toEqual(before);
  });

  it('a shard refuses a project made for another shard, and --out', () => {
    const wrong = samantic(['label', pizzas, '--shard', '1/2', '--project', shardFile(pizzas, 0, 2), ...QUICK]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/holds shard 0\/2, not shard 1\/2/);
    const out = samantic(['label', pizzas, '--shard', '0/2', '--out', join(root, 'x.json'), ...QUICK]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/A shard exports nothing/);
    const typo = samantic(['merge', join(root, 'pizas'), shardFile(pizzas, 0, 2)]);
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toMatch(/neither a folder nor a project file/);
    const missing = samantic(['merge', pizzas, shardFile(pizzas, 5, 6)]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`The shard project ${shardFile(pizzas, 5, 6)} does not exist`);
  });
});
