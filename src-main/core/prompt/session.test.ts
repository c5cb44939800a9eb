import { describe, expect, it } from 'vitest';
import type { ProjectStore } from '../store/project-store';
import type { ImageEmbedding } from '../types';
import { useTestSam } from '../model/test-model.testing';
import { EMBEDDING_MEMORY_BYTES, PromptSession } from './session';

const testSam = useTestSam('session');

/** A project whose images all have a cached embedding of `floats` values; counts cache reads. */
function fakeStore(floats: number) {
  const reads: number[] = [];
  const store = {
    readOnly: true,
    getImage: (id: number) => ({ id, relPath: `${id}.jpg`, contentHash: `h${id}` }),
    getCachedEmbedding: (hash: string): ImageEmbedding => {
      reads.push(Number(hash.slice(1)));
      const data = new Float32Array(floats);
      const transform = { origWidth: 64, origHeight: 64, scale: 16, resizedWidth: 1024, resizedHeight: 1024, frameSize: 1024 };
      return { data, channels: 1, gridH: 1, gridW: floats, transform };
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
});
