import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../store/project-store';
import { scanFolder } from './scan';
import {
  fileInShard,
  inShard,
  parseShardOption,
  parseShardsOption,
  SHARE_SAMPLE_BYTES,
  shardOf,
  shardProjectPath,
  shareKey,
} from './shard';

const hashOf = (i: number) => createHash('sha256').update(`photo ${i}`).digest('hex');

/** Each photo (its hash, with a name) and its shard, for a folder of `n` photos split `count` ways. */
function assign(names: string[], count: number): Map<string, number> {
  return new Map(names.map((name) => [name, shardOf(hashOf(Number(name.slice(6))), count)]));
}

describe('shard of a photo', () => {
  it('adding photos moves no photo already in a share', () => {
    const before = Array.from({ length: 300 }, (_, i) => `photo-${i}`);
    const after = [...Array.from({ length: 200 }, (_, i) => `photo-${1000 + i}`), ...before].sort();
    for (const count of [2, 3, 8, 16]) {
      const a = assign(before, count);
      const b = assign(after, count);
      for (const [name, shard] of a) expect(b.get(name), `${name} of ${count}`).toBe(shard);
    }
  });

  it('depends on the content only: the same bytes under another name stay in their shard', () => {
    const h = hashOf(7);
    expect(shardOf(h, 5)).toBe(shardOf(h.toUpperCase(), 5));
    expect(inShard(h, { index: shardOf(h, 5), count: 5 })).toBe(true);
    // Every shard but one refuses it.
    expect([0, 1, 2, 3, 4].filter((i) => inShard(h, { index: i, count: 5 }))).toHaveLength(1);
  });

  it('spreads a folder evenly over the shards', () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(hashOf(i), 8)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it('gives a share to a hash that is not hex (an unreadable file) too, the same every time', () => {
    const s = shardOf('unreadable:a/b.jpg', 4);
    expect(s).toBeGreaterThanOrEqual(0);
    expect(s).toBeLessThan(4);
    expect(shardOf('unreadable:a/b.jpg', 4)).toBe(s);
  });

  it('one shard holds everything', () => {
    for (let i = 0; i < 50; i++) expect(shardOf(hashOf(i), 1)).toBe(0);
  });
});

describe('share key of a photo file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samantic-share-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, bytes: Buffer) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const key = (file: string, bytes: Buffer) => shareKey(file, bytes.length);

  it('is the same for the same bytes under any name, and after a rename', async () => {
    const bytes = randomBytes(3 * SHARE_SAMPLE_BYTES + 17);
    const a = await key(write('a.jpg', bytes), bytes);
    expect(await key(write('copy.jpg', bytes), bytes)).toBe(a);
    renameSync(join(dir, 'copy.jpg'), join(dir, 'renamed.jpg'));
    expect(await key(join(dir, 'renamed.jpg'), bytes)).toBe(a);
  });

  it('changes with the first or last bytes or the size; a small file is read whole', async () => {
    const bytes = randomBytes(3 * SHARE_SAMPLE_BYTES);
    const base = await key(write('b.jpg', bytes), bytes);
    for (const at of [0, bytes.length - 1]) {
      const other = Buffer.from(bytes);
      other[at] ^= 0xff;
      expect(await key(write('b2.jpg', other), other), `byte ${at}`).not.toBe(base);
    }
    const longer = Buffer.concat([bytes, Buffer.from([0])]);
    expect(await key(write('b3.jpg', longer), longer)).not.toBe(base);
    const small = randomBytes(1000);
    const smallKey = await key(write('s.jpg', small), small);
    small[500] ^= 0xff;
    expect(await key(write('s2.jpg', small), small)).not.toBe(smallKey);
  });

  it('an unreadable file is shared out by its path: exactly one worker takes it', async () => {
    const missing = join(dir, 'gone.jpg');
    const results = await Promise.all([0, 1, 2].map((index) => fileInShard(missing, 10, 'gone.jpg', { index, count: 3 })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("a worker's scan lists its share only, and the shares cover the folder once", async () => {
    const photos = join(dir, 'photos');
    mkdirSync(photos);
    for (let i = 0; i < 30; i++) writeFileSync(join(photos, `p${i}.jpg`), randomBytes(2000 + i));
    const listed: string[][] = [];
    for (let index = 0; index < 3; index++) {
      const spec = { index, count: 3 };
      const store = ProjectStore.open(join(dir, `shard-${index}.db`), { create: true });
      const r = await scanFolder(store, photos, { belongs: (f, size, rel) => fileInShard(f, size, rel, spec) });
      listed.push(store.listImages().map((img) => img.relPath));
      expect(r.files).toBe(listed[index].length);
      store.close();
    }
    const all = listed.flat().sort();
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => `p${i}.jpg`).sort());
    expect(listed.every((l) => l.length > 0)).toBe(true);
  });
});

describe('--shard i/N and --shards N', () => {
  it('reads i/N', () => {
    expect(parseShardOption('3/8')).toEqual({ index: 3, count: 8 });
    expect(parseShardOption(' 0 / 1 ')).toEqual({ index: 0, count: 1 });
  });

  it('refuses bad values with what to give', () => {
    expect(() => parseShardOption('8/8')).toThrow(/shard 8 does not exist in 8 shards; indexes run from 0 to 7/);
    expect(() => parseShardOption('1/0')).toThrow(/whole number from 1/);
    expect(() => parseShardOption('-1/4')).toThrow(/--shard must be i\/N/);
    expect(() => parseShardOption('two/4')).toThrow(/--shard must be i\/N/);
    expect(() => parseShardOption('1.5/4')).toThrow(/--shard must be i\/N/);
  });

  it('--shards N takes the index from the Kubernetes or Slurm variable', () => {
    expect(parseShardsOption('4', { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 4 });
    expect(parseShardsOption('4', { SLURM_ARRAY_TASK_ID: '3' })).toEqual({ index: 3, count: 4 });
    // Kubernetes first when both are set (a Slurm variable can leak into a container's env).
    expect(parseShardsOption('4', { JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '3' })).toEqual({ index: 1, count: 4 });
  });

  it('--shards N: missing variable, bad index, index >= N, bad N', () => {
    expect(() => parseShardsOption('4', {})).toThrow(/JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, and neither is set/);
    expect(() => parseShardsOption('4', { SLURM_ARRAY_TASK_ID: 'x' })).toThrow(/SLURM_ARRAY_TASK_ID must be a whole number/);
    expect(() => parseShardsOption('4', { SLURM_ARRAY_TASK_ID: '4' })).toThrow(
      /SLURM_ARRAY_TASK_ID=4 with --shards 4: shard 4 does not exist/,
    );
    expect(() => parseShardsOption('four', { JOB_COMPLETION_INDEX: '0' })).toThrow(/--shards must be the number of workers/);
    expect(() => parseShardsOption('0', { JOB_COMPLETION_INDEX: '0' })).toThrow(/whole number from 1/);
  });

  it('names one project file per shard', () => {
    expect(shardProjectPath('/data/photos', { index: 2, count: 8 })).toBe('/data/photos/.samantic/shard-2-of-8.db');
  });
});
