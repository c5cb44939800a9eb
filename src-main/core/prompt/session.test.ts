import { describe, expect, it } from 'vitest';
import type { ProjectStore } from '../store/project-store';
import type { ImageEmbedding } from '../types';
import { useTestSam } from '../model/test-model.testing';
import { EMBEDDING_MEMORY_BYTES, PromptSession } from './session';

const testSam = useTestSam('session');

/** SAM 1's embedding: 256 channels on a 64x64 grid. */
const SAM_FLOATS = 256 * 64 * 64;

/** A project whose images have a cached embedding of `floats` values (but `uncached`); counts cache reads. */
function fakeStore(floats: number, uncached: number[] = []) {
  const reads: number[] = [];
  const store = {
    readOnly: true,
    getImage: (id: number) => ({ id, relPath: `${id}.jpg`, contentHash: `h${id}` }),
    getCachedEmbedding: (hash: string): ImageEmbedding | null => {
      reads.push(Number(hash.slice(1)));
      if (uncached.includes(Number(hash.slice(1)))) return null;
      const data = new Float32Array(floats);
      const transform = { origWidth: 64, origHeight: 64, scale: 16, resizedWidth: 1024, resizedHeight: 1024, frameSize: 1024 };
      return floats === SAM_FLOATS
        ? { data, channels: 256, gridH: 64, gridW: 64, transform }
        : { data, channels: 1, gridH: 1, gridW: floats, transform };
    },
  };
  return { store: store as unknown as ProjectStore, reads };
}

describe('PromptSession embeddings in memory', () => {
  it('reads each photo once while they fit, and evicts the least recently clicked first', async () => {
    const perImage = EMBEDDING_MEMORY_BYTES / 4 / 4; // four fit
    const { store, reads } = fakeStore(perImage);
    const session = new PromptSession(async () => testSam(), 'test-sam');
    for (const id of [1, 2, 3, 4, 1, 2, 3, 4]) await session.embedding(store, '/nowhere', id);
    expect(reads).toEqual([1, 2, 3, 4]);
    await session.embedding(store, '/nowhere', 1); // 1 is now the most recent
    await session.embedding(store, '/nowhere', 5); // evicts 2, the least recently clicked
    await session.embedding(store, '/nowhere', 1);
    await session.embedding(store, '/nowhere', 2);
    expect(reads).toEqual([1, 2, 3, 4, 5, 2]);
  });

  it('keeps the embedding just read even when it alone exceeds the budget', async () => {
    const { store, reads } = fakeStore(EMBEDDING_MEMORY_BYTES / 4 + 1);
    const session = new PromptSession(async () => testSam(), 'test-sam');
    await session.embedding(store, '/nowhere', 1);
    await session.embedding(store, '/nowhere', 1);
    await session.embedding(store, '/nowhere', 2);
    await session.embedding(store, '/nowhere', 1);
    expect(reads).toEqual([1, 2, 1]);
  });

  it('prepare reads the cached embedding ahead of the first click, and never encodes', async () => {
    const { store, reads } = fakeStore(SAM_FLOATS, [2]);
    let encodes = 0;
    const model = testSam();
    const counting = Object.assign(Object.create(model) as typeof model, {
      encode: (...a: Parameters<typeof model.encode>) => {
        encodes++;
        return model.encode(...a);
      },
    });
    const session = new PromptSession(async () => counting, 'test-sam');
    expect(await session.prepare(store, 1)).toBe(true);
    expect(await session.prepare(store, 2)).toBe(false);
    expect(encodes).toBe(0);
    expect(reads).toEqual([1, 2]);
    const { encoded } = await session.embedding(store, '/nowhere', 1);
    expect(encoded).toBe(false);
    expect(reads).toEqual([1, 2]);
  });
});
