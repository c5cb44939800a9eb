// SAM 2 encodings in the embedding cache: the high-resolution maps (ImageEmbedding.extras) are
// stored with the embedding and come back with their names and shapes, and entries of two models
// never mix (the key includes the model).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImageEmbedding } from '../types';
import { ProjectStore } from './project-store';

const tmp = mkdtempSync(join(tmpdir(), 'samantic-cache-extras-'));
const store = ProjectStore.open(join(tmp, 'p.samantic'), { create: true });
afterAll(() => {
  store.close();
  rmSync(tmp, { recursive: true, force: true });
});

const transform = { origWidth: 30, origHeight: 20, scale: 1024 / 30, resizedWidth: 1024, resizedHeight: 1024, frameSize: 1024 };
const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => ((i * k) % 97) / 13 - 3);

function sam2Like(): ImageEmbedding {
  return {
    data: ramp(4 * 3 * 3, 5),
    channels: 4,
    gridH: 3,
    gridW: 3,
    transform,
    extras: [
      { name: 'high_res_feats_0', dims: [1, 2, 6, 6], data: ramp(72, 7) },
      { name: 'high_res_feats_1', dims: [1, 3, 2, 2], data: ramp(12, 11) },
    ],
  };
}

const near = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) <= Math.abs(b[i]) * 2 ** -11 + 1e-7);

describe('embedding cache with SAM 2 extras', () => {
  it('stores the high-resolution maps with the embedding and returns them by name and shape', () => {
    const e = sam2Like();
    store.putCachedEmbedding({ contentHash: 'h1', modelId: 'test-sam2', preprocessVersion: 'p' }, e);
    const hit = store.getCachedEmbedding('h1', 'test-sam2', 'p')!;
    expect(hit.transform).toEqual(transform);
    expect(near(hit.data, e.data)).toBe(true);
    expect(hit.data.length).toBe(36);
    expect(hit.extras?.map((f) => [f.name, f.dims])).toEqual([
      ['high_res_feats_0', [1, 2, 6, 6]],
      ['high_res_feats_1', [1, 3, 2, 2]],
    ]);
    hit.extras!.forEach((f, i) => expect(near(f.data, e.extras![i].data)).toBe(true));
  });

  it("keeps a SAM 1 entry without extras, and never hands one model the other model's entry", () => {
    const { extras: _drop, ...plain } = sam2Like();
    store.putCachedEmbedding({ contentHash: 'h2', modelId: 'test-sam', preprocessVersion: 'p' }, plain);
    expect(store.getCachedEmbedding('h2', 'test-sam', 'p')!.extras).toBeUndefined();
    expect(store.getCachedEmbedding('h2', 'test-sam2', 'p')).toBeNull();
    expect(store.getCachedEmbedding('h1', 'test-sam', 'p')).toBeNull();
  });

  it('refuses an extra map whose data does not match its shape, and drops a truncated entry as a miss', () => {
    const e = sam2Like();
    e.extras![1] = { ...e.extras![1], dims: [1, 3, 2, 3] };
    expect(() => store.putCachedEmbedding({ contentHash: 'h3', modelId: 'test-sam2', preprocessVersion: 'p' }, e)).toThrow(
      /high_res_feats_1.*18 values, got 12/,
    );
    store.putCachedEmbedding({ contentHash: 'h4', modelId: 'test-sam2', preprocessVersion: 'p' }, sam2Like());
    const raw = (store as unknown as { db: { prepare(s: string): { run(...a: unknown[]): void } } }).db;
    raw.prepare("UPDATE embedding_cache SET data = substr(data, 1, 100) WHERE content_hash = 'h4'").run();
    expect(store.getCachedEmbedding('h4', 'test-sam2', 'p')).toBeNull();
  });
});
