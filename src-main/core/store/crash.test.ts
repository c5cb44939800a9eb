// A process killed in the middle of commitImageResult (here: deterministically, while the fourth
// image's segments are being inserted) must lose only that image: the three before it are done with
// all their segments, and the interrupted one is still pending with none.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectStore } from './project-store';
import { type TempDir, tempDir } from './fixtures.testing';

const here = fileURLToPath(new URL('.', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

const CHILD = `
import { writeSync } from 'node:fs';
import { ProjectStore } from ${JSON.stringify(`${here}project-store.ts`)};
import { rectSegment } from ${JSON.stringify(`${here}fixtures.testing.ts`)};
const store = ProjectStore.open(process.argv[1], { create: true });
const ids = [0, 1, 2, 3, 4].map((i) =>
  store.upsertImage({ relPath: 'img' + i + '.jpg', size: 1, mtimeMs: 1, contentHash: 'h' + i, width: 8, height: 6 }).id);
ids.forEach((id, i) => {
  const segments = Array.from({ length: 20 }, (_, k) => rectSegment(6, 8, 0, 0, 1 + (k % 8), 1 + (k % 6), k));
  if (i === 3) {
    // Stop inside the transaction, after 10 segments were inserted, and wait to be killed.
    const embedding = segments[10].embedding;
    Object.defineProperty(segments[10], 'embedding', { get() {
      writeSync(1, 'inside\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      return embedding;
    } });
  }
  store.commitImageResult(id, segments);
});
`;

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('a process killed mid-commit', () => {
  it('loses only the image in progress', async () => {
    const child = spawn(process.execPath, ['--import', tsxLoader, '--input-type=module', '-e', CHILD, tmp.file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const outcome = await new Promise<string>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('inside')) {
          child.kill('SIGKILL');
          resolve('killed inside the transaction');
        }
      });
      child.on('exit', (code) => resolve(`exited with ${code}: ${stderr}`));
    });
    expect(outcome).toBe('killed inside the transaction');
    await new Promise((r) => child.on('close', r));

    const store = ProjectStore.open(tmp.file);
    try {
      const images = store.listImages();
      expect(images.map((i) => [i.relPath, i.status, i.segmentCount])).toEqual([
        ['img0.jpg', 'done', 20],
        ['img1.jpg', 'done', 20],
        ['img2.jpg', 'done', 20],
        ['img3.jpg', 'pending', 0],
        ['img4.jpg', 'pending', 0],
      ]);
      expect(store.counts().segments).toBe(60);
    } finally {
      store.close();
    }
  });
});
