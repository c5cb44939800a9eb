import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageEmbedding } from '../types';
import { SCHEMA_VERSION } from './migrations';
import { applyAction } from '../actions/persistent';
import { ProjectStore } from './project-store';
import { type TempDir, caughtSamanticError, rectSegment, tempDir, vector } from './fixtures.testing';

const H = 6;
const W = 8;

function embedding(seed: number): ImageEmbedding {
  return {
    data: vector(4 * 3 * 3, seed),
    channels: 4,
    gridH: 3,
    gridW: 3,
    transform: { origWidth: W, origHeight: H, scale: 1024 / W, resizedWidth: 1024, resizedHeight: 768, frameSize: 1024 },
  };
}

const caught = caughtSamanticError;

let tmp: TempDir;
let store: ProjectStore;
beforeEach(() => {
  tmp = tempDir();
  store = ProjectStore.open(tmp.file, { create: true });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

function addImage(relPath: string, hash = `hash-${relPath}`): number {
  return store.upsertImage({ relPath, size: 100, mtimeMs: 1700000000000, contentHash: hash, width: W, height: H }).id;
}

describe('opening', () => {
  it('creates the file and its folder, in WAL mode with foreign keys, at the latest schema', () => {
    expect(existsSync(tmp.file)).toBe(true);
    const raw = new Database(tmp.file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
    expect(store.getMeta('created_at')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(ProjectStore.defaultPath('/photos')).toBe('/photos/.samantic/project.db');
  });

  it('keeps everything across close and reopen', () => {
    const id = addImage('a.jpg');
    store.commitImageResult(id, [rectSegment(H, W, 1, 1, 4, 3)]);
    store.setMetaJson('amg_options', { points: 32 });
    store.close();
    store = ProjectStore.open(tmp.file);
    expect(store.listImages().map((i) => [i.relPath, i.status, i.segmentCount])).toEqual([['a.jpg', 'done', 1]]);
    expect(store.getMetaJson('amg_options')).toEqual({ points: 32 });
  });

  it('refuses a missing file without create, naming it', () => {
    const err = caught(() => ProjectStore.open(`${tmp.dir}/nope.db`));
    expect(err.code).toBe('not-found');
    expect(err.message).toContain(`${tmp.dir}/nope.db`);
  });

  it('has foreign keys on: a segment cannot point at a missing class', () => {
    const id = addImage('a.jpg');
    store.commitImageResult(id, [rectSegment(H, W, 1, 1, 4, 3)]);
    const raw = (store as unknown as { db: Database.Database }).db;
    expect(() => raw.prepare('UPDATE segments SET class_id = 999').run()).toThrow(/FOREIGN KEY/);
  });
});

describe('meta', () => {
  it('sets, reads, overwrites and deletes values', () => {
    expect(store.getMeta('model_id')).toBeNull();
    store.setMeta('model_id', 'sam-vit-b');
    store.setMeta('model_id', 'test-sam');
    expect(store.getMeta('model_id')).toBe('test-sam');
    store.setMeta('model_id', null);
    expect(store.getMeta('model_id')).toBeNull();
    expect(Object.keys(store.allMeta())).toContain('created_at');
  });

  it('reports a setting that is not JSON by key and file', () => {
    store.setMeta('cluster_options', '{broken');
    const err = caught(() => store.getMetaJson('cluster_options'));
    expect(err.code).toBe('store-error');
    expect(err.message).toContain('cluster_options');
    expect(err.message).toContain(tmp.file);
  });
});

describe('images', () => {
  it('inserts, updates without change, and sends a changed file back to pending', () => {
    const first = store.upsertImage({ relPath: 'dir/a.jpg', size: 10, mtimeMs: 5, contentHash: 'h1', width: W, height: H });
    expect(first).toEqual({ id: first.id, created: true, contentChanged: false });
    store.commitImageResult(first.id, [rectSegment(H, W, 0, 0, 2, 2)]);
    const same = store.upsertImage({ relPath: 'dir/a.jpg', size: 10, mtimeMs: 6, contentHash: 'h1' });
    expect(same).toEqual({ id: first.id, created: false, contentChanged: false });
    expect(store.getImage(first.id)).toMatchObject({ status: 'done', width: W, height: H, mtimeMs: 6 });
    const changed = store.upsertImage({ relPath: 'dir/a.jpg', size: 11, mtimeMs: 7, contentHash: 'h2' });
    expect(changed.contentChanged).toBe(true);
    expect(store.getImage(first.id)).toMatchObject({ status: 'pending', contentHash: 'h2', width: null, processedAt: null });
    expect(store.findImageByPath('dir/a.jpg')?.id).toBe(first.id);
    expect(store.findImagesByHash('h2').map((i) => i.id)).toEqual([first.id]);
  });

  it('rejects paths that are not relative and bad sizes', () => {
    for (const relPath of ['/abs/a.jpg', '../a.jpg', 'a\\b.jpg', 'a//b.jpg', '', 'C:/x.jpg']) {
      const err = caught(() => store.upsertImage({ relPath, size: 1, mtimeMs: 1, contentHash: 'h' }));
      expect(err.code).toBe('invalid-argument');
    }
    expect(caught(() => store.upsertImage({ relPath: 'a.jpg', size: -1, mtimeMs: 1, contentHash: 'h' })).message).toContain('size');
  });

  it('records failures with their reason and renames without losing segments', () => {
    const a = addImage('a.jpg');
    const b = addImage('b.jpg');
    store.markImageFailed(a, 'a.jpg: truncated JPEG');
    expect(store.getImage(a)).toMatchObject({ status: 'failed', error: 'a.jpg: truncated JPEG' });
    store.commitImageResult(b, [rectSegment(H, W, 0, 0, 2, 2)]);
    store.renameImage(b, 'moved/b.jpg');
    expect(store.findImageByPath('moved/b.jpg')?.id).toBe(b);
    expect(store.listSegments({ imageId: b })).toHaveLength(1);
    expect(caught(() => store.renameImage(b, 'a.jpg')).code).toBe('invalid-argument');
    expect(caught(() => store.markImageFailed(999, 'x')).code).toBe('not-found');
  });

  it('lists images with segment counts, classes most frequent first, and counts them', () => {
    const a = addImage('a.jpg');
    const b = addImage('b.jpg');
    addImage('c.jpg');
    const segs = store.commitImageResult(
      a,
      [1, 2, 3].map((s) => rectSegment(H, W, 0, 0, s, 1, s)),
    ).segmentIds;
    store.commitImageResult(b, [rectSegment(H, W, 0, 0, 1, 1)]);
    // Two clusters: segments 0 and 1 in the first, segment 2 in the second; b's segment is noise.
    applyAction(store, 'replaceClustering', { segmentIds: segs, labels: [1, 1, 0] });
    const [c1, c2] = store.listClasses();
    expect([c1, c2].map((c) => [c.name, c.order, c.createdBy, c.segmentCount, c.imageCount])).toEqual([
      ['class 1', 0, 'cluster', 1, 1],
      ['class 2', 1, 'cluster', 2, 1],
    ]);
    expect(c1.color).toMatch(/^#[0-9a-f]{6}$/);
    const images = store.listImages();
    expect(images.map((i) => [i.relPath, i.segmentCount, i.classIds])).toEqual([
      ['a.jpg', 3, [c2.id, c1.id]],
      ['b.jpg', 1, []],
      ['c.jpg', 0, []],
    ]);
    expect(store.listImages({ status: 'pending' }).map((i) => i.relPath)).toEqual(['c.jpg']);
    expect(store.counts()).toEqual({
      images: { total: 3, pending: 1, done: 2, failed: 0 },
      segments: 4,
      removedSegments: 0,
      unassignedSegments: 1,
      classes: 2,
    });
  });
});

describe('commitImageResult', () => {
  it('stores segments exactly (RLE, bbox, scores, point, crop) and marks the image done', () => {
    const id = addImage('a.jpg');
    const segs = [rectSegment(H, W, 1, 2, 5, 6, 1), { ...rectSegment(H, W, 0, 0, 8, 1, 2), source: 'user' as const }];
    const { segmentIds, replaced } = store.commitImageResult(id, segs);
    expect(replaced).toBe(0);
    const stored = store.listSegments({ imageId: id });
    expect(stored.map((s) => s.id)).toEqual(segmentIds);
    stored.forEach((s, i) => {
      expect(s).toMatchObject({
        imageId: id,
        classId: null,
        removed: false,
        source: i === 0 ? 'amg' : 'user',
        rle: segs[i].rle,
        bbox: segs[i].bbox,
        area: segs[i].area,
        predictedIou: segs[i].predictedIou,
        stabilityScore: segs[i].stabilityScore,
        point: segs[i].point,
        cropBox: segs[i].cropBox,
      });
    });
    const image = store.getImage(id)!;
    expect(image.status).toBe('done');
    expect(image.processedAt).not.toBeNull();
  });

  it('writes nothing when a segment in the middle is bad', () => {
    const id = addImage('a.jpg');
    const before = store.commitImageResult(id, [rectSegment(H, W, 0, 0, 2, 2, 1), rectSegment(H, W, 3, 3, 5, 5, 2)]).segmentIds;
    store.setImageStatus(id, 'pending');
    const broken = rectSegment(H, W, 1, 1, 3, 3, 9);
    broken.rle = { size: [H, W], counts: [5, 4, 1] }; // adds up to 10 pixels, not 48
    const err = caught(() => store.commitImageResult(id, [rectSegment(H, W, 0, 0, 1, 1, 3), rectSegment(H, W, 0, 0, 4, 4, 4), broken]));
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toContain('segment #2 of image a.jpg');
    expect(err.message).toContain('48');
    expect(store.listSegments({ imageId: id }).map((s) => s.id)).toEqual(before);
    expect(store.getImage(id)!.status).toBe('pending');
  });

  it('writes nothing when the embedding to cache is bad, after the segments went in', () => {
    const id = addImage('a.jpg', 'h-a');
    const e = embedding(1);
    e.data[5] = Number.NaN;
    const err = caught(() =>
      store.commitImageResult(id, [rectSegment(H, W, 0, 0, 2, 2)], {
        embedding: { key: { contentHash: 'h-a', modelId: 'm', preprocessVersion: '1' }, embedding: e },
      }),
    );
    expect(err.message).toContain('value 5 is NaN');
    expect(store.listSegments()).toHaveLength(0);
    expect(store.embeddingCacheStats().entries).toBe(0);
    expect(store.getImage(id)!.status).toBe('pending');
  });

  it('rejects masks of the wrong size, wrong areas and embeddings keyed by another file', () => {
    const id = addImage('a.jpg', 'h-a');
    expect(caught(() => store.commitImageResult(id, [rectSegment(H + 1, W, 0, 0, 2, 2)])).message).toContain(
      'the mask is 8x7 but the image is 8x6',
    );
    expect(caught(() => store.commitImageResult(id, [{ ...rectSegment(H, W, 0, 0, 2, 2), area: 5 }])).message).toContain(
      'area is 5 but the mask has 4 pixels',
    );
    const wrongKey = { key: { contentHash: 'other', modelId: 'm', preprocessVersion: '1' }, embedding: embedding(1) };
    expect(caught(() => store.commitImageResult(id, [], { embedding: wrongKey })).message).toContain('changed while it was processed');
    expect(caught(() => store.commitImageResult(12345, [])).code).toBe('not-found');
  });

  it('a rerun replaces the earlier segments (no duplicates, no reused ids); the history forgets only them', () => {
    const id = addImage('a.jpg');
    const other = addImage('b.jpg');
    const first = store.commitImageResult(id, [rectSegment(H, W, 0, 0, 2, 2, 1), rectSegment(H, W, 2, 2, 4, 4, 2)]).segmentIds;
    const kept = store.commitImageResult(other, [rectSegment(H, W, 0, 0, 2, 2, 3), rectSegment(H, W, 2, 2, 4, 4, 4)]).segmentIds;
    applyAction(store, 'replaceClustering', { segmentIds: [...first, ...kept], labels: [0, 0, 0, 0] });
    applyAction(store, 'removeSegments', { segmentIds: [first[0]] }); // only the replaced image
    applyAction(store, 'removeSegments', { segmentIds: [kept[1]] });
    const second = store.commitImageResult(id, [rectSegment(H, W, 0, 0, 3, 3, 3)]);
    expect(second.replaced).toBe(2);
    expect(store.listSegments({ imageId: id }).map((s) => s.id)).toEqual(second.segmentIds);
    expect(first).not.toContain(second.segmentIds[0]);
    expect(second.segmentIds[0]).toBeGreaterThan(Math.max(...first));
    // The gesture about the replaced image alone is gone; the two others undo what is left of them.
    expect(store.history.counts()).toEqual({ done: 2, undone: 0 });
    const classOf = (sid: number) => store.loadLabelState().segments.get(sid)!;
    store.history.undo();
    expect(classOf(kept[1]).removed).toBe(false);
    expect(classOf(kept[0]).classId).not.toBeNull();
    store.history.undo();
    expect(kept.map((sid) => classOf(sid).classId)).toEqual([null, null]);
    expect(store.listClasses()).toEqual([]);
    expect(classOf(second.segmentIds[0]).classId).toBeNull();
    store.history.redo();
    expect(classOf(kept[0]).classId).toBe(store.listClasses()[0].id);
  });

  it('resumes after a restart with only the unfinished images pending', () => {
    const ids = ['a.jpg', 'b.jpg', 'c.jpg'].map((p) => addImage(p));
    store.commitImageResult(ids[0], [rectSegment(H, W, 0, 0, 2, 2)]);
    store.close();
    store = ProjectStore.open(tmp.file);
    const pending = store.listImages({ status: 'pending' });
    expect(pending.map((i) => i.relPath)).toEqual(['b.jpg', 'c.jpg']);
    for (const img of pending) store.commitImageResult(img.id, [rectSegment(H, W, 0, 0, 1, 1)]);
    // A second resume pass over everything must not duplicate anything either.
    for (const img of store.listImages()) store.commitImageResult(img.id, [rectSegment(H, W, 0, 0, 1, 1)]);
    expect(store.counts().segments).toBe(3);
    expect(store.counts().images).toEqual({ total: 3, pending: 0, done: 3, failed: 0 });
  });

  it('removing images removes their segments', () => {
    const a = addImage('a.jpg');
    const b = addImage('b.jpg');
    store.commitImageResult(a, [rectSegment(H, W, 0, 0, 2, 2)]);
    store.commitImageResult(b, [rectSegment(H, W, 0, 0, 2, 2)]);
    const segs = store.listSegments().map((s) => s.id);
    applyAction(store, 'replaceClustering', { segmentIds: segs, labels: [0, 0] });
    store.removeImages([a]);
    expect(store.listImages().map((i) => i.id)).toEqual([b]);
    expect(store.listSegments().map((s) => s.imageId)).toEqual([b]);
    // The clustering stays undoable for the photo still there.
    expect(store.history.undo()?.label).toBe('replaceClustering');
    expect(store.listSegments()[0].classId).toBeNull();
  });
});

describe('listSegments', () => {
  it('filters by image, class, unassigned and removed, and limits', () => {
    const a = addImage('a.jpg');
    const b = addImage('b.jpg');
    const sa = store.commitImageResult(
      a,
      [1, 2, 3].map((k) => rectSegment(H, W, 0, 0, k, 1, k)),
    ).segmentIds;
    const sb = store.commitImageResult(b, [rectSegment(H, W, 0, 0, 1, 1)]).segmentIds;
    applyAction(store, 'replaceClustering', { segmentIds: [sa[0], sb[0]], labels: [0, 0] });
    const [c] = store.listClasses();
    store.history.commit('background', () => [{ type: 'segmentRemoved', ids: [sa[2]], before: [false], after: [true] }]);
    const ids = (q: Parameters<ProjectStore['listSegments']>[0]) => store.listSegments(q).map((x) => x.id);
    expect(ids({})).toEqual([...sa, ...sb]);
    expect(ids({ classId: c.id })).toEqual([sa[0], sb[0]]);
    expect(ids({ classId: null })).toEqual([sa[1], sa[2]]);
    expect(ids({ classId: null, includeRemoved: false })).toEqual([sa[1]]);
    expect(ids({ imageId: a, classId: c.id })).toEqual([sa[0]]);
    expect(ids({ limit: 2 })).toEqual(sa.slice(0, 2));
    expect(store.listSegments({ imageId: a })[2].removed).toBe(true);
    expect(store.getSegmentVectors().count).toBe(3);
    expect(Array.from(store.getSegmentVectors({ classId: c.id }).ids)).toEqual([sa[0], sb[0]]);
    expect(caught(() => store.listSegments({ limit: -1 })).code).toBe('invalid-argument');
  });
});

describe('embedding cache', () => {
  const key = (contentHash: string) => ({ contentHash, modelId: 'sam-b', preprocessVersion: 'pp1' });

  it('hits by content hash whatever the file is called; a changed file misses', () => {
    const e = embedding(3);
    const a = addImage('a.jpg', 'h-a');
    store.commitImageResult(a, [], { embedding: { key: key('h-a'), embedding: e } });
    // The file was moved: a new image row with the same content hash.
    store.removeImages([a]);
    addImage('sub/renamed.jpg', 'h-a');
    const hit = store.getCachedEmbedding('h-a', 'sam-b', 'pp1')!;
    expect(hit).not.toBeNull();
    expect([hit.channels, hit.gridH, hit.gridW]).toEqual([4, 3, 3]);
    expect(hit.transform).toEqual(e.transform);
    hit.data.forEach((v, i) => expect(Math.abs(v - e.data[i])).toBeLessThanOrEqual(Math.abs(e.data[i]) * 2 ** -11 + 1e-7));
    expect(store.getCachedEmbedding('h-edited', 'sam-b', 'pp1')).toBeNull();
    expect(store.getCachedEmbedding('h-a', 'sam-l', 'pp1')).toBeNull();
    expect(store.getCachedEmbedding('h-a', 'sam-b', 'pp2')).toBeNull();
  });

  it('overwrites an entry and evicts orphans, then least recently used, beyond a byte budget', () => {
    for (const h of ['h1', 'h2', 'h3', 'h4']) {
      addImage(`${h}.jpg`, h);
      store.putCachedEmbedding(key(h), embedding(1));
    }
    store.putCachedEmbedding(key('h1'), embedding(2));
    const perEntry = 4 * 3 * 3 * 2;
    expect(store.embeddingCacheStats()).toEqual({ entries: 4, bytes: 4 * perEntry });
    store.removeImages([store.findImageByPath('h4.jpg')!.id]); // h4 is now an orphan
    // Touch h3 then h1 so h2 is the least recently used one with a photo.
    const spin = (ms: number) => {
      const t = Date.now();
      while (Date.now() - t < ms);
    };
    spin(3);
    store.getCachedEmbedding('h3', 'sam-b', 'pp1');
    spin(3);
    store.getCachedEmbedding('h1', 'sam-b', 'pp1');
    expect(store.pruneEmbeddingCache(3 * perEntry)).toBe(1);
    expect(store.getCachedEmbedding('h4', 'sam-b', 'pp1')).toBeNull();
    expect(store.pruneEmbeddingCache(2 * perEntry)).toBe(1);
    expect(store.getCachedEmbedding('h2', 'sam-b', 'pp1')).toBeNull();
    expect(store.getCachedEmbedding('h1', 'sam-b', 'pp1')).not.toBeNull();
    expect(store.getCachedEmbedding('h3', 'sam-b', 'pp1')).not.toBeNull();
  });

  it('drops a damaged entry as a miss and validates what it is given', () => {
    store.putCachedEmbedding(key('h'), embedding(1));
    const raw = (store as unknown as { db: Database.Database }).db;
    raw.prepare('UPDATE embedding_cache SET data = ?').run(Buffer.alloc(10));
    expect(store.getCachedEmbedding('h', 'sam-b', 'pp1')).toBeNull();
    expect(store.embeddingCacheStats().entries).toBe(0);
    const e = embedding(1);
    expect(caught(() => store.putCachedEmbedding(key('h'), { ...e, gridW: 4 })).message).toContain('4x3x4');
    expect(caught(() => store.putCachedEmbedding({ ...key('h'), modelId: '' }, e)).message).toContain('modelId');
  });
});

describe('segment vectors', () => {
  it('returns every non-removed embedding as one matrix with parallel metadata', () => {
    const a = addImage('a.jpg');
    const b = addImage('b.jpg');
    const sa = store.commitImageResult(a, [rectSegment(H, W, 0, 0, 2, 2, 1, 8), rectSegment(H, W, 2, 2, 5, 4, 2, 8)]).segmentIds;
    const sb = store.commitImageResult(b, [rectSegment(H, W, 0, 0, 8, 6, 3, 8)]).segmentIds;
    const all = store.getSegmentVectors();
    expect(all.count).toBe(3);
    expect(all.dim).toBe(8);
    expect(Array.from(all.ids)).toEqual([...sa, ...sb]);
    expect(Array.from(all.imageIds)).toEqual([a, a, b]);
    expect(Array.from(all.areas)).toEqual([4, 6, 48]);
    expect(Array.from(all.imageAreas)).toEqual([48, 48, 48]);
    expect(Array.from(all.bboxes.subarray(4, 8))).toEqual([2, 2, 3, 2]);
    expect(Array.from(all.classIds)).toEqual([-1, -1, -1]);
    const v = vector(8, 2);
    for (let k = 0; k < 8; k++) expect(all.vectors[8 + k]).toBeCloseTo(v[k], 3);
    expect(store.getSegmentVectors({ classId: 1 }).count).toBe(0);
  });

  it('refuses to mix embedding sizes', () => {
    const a = addImage('a.jpg');
    store.commitImageResult(a, [rectSegment(H, W, 0, 0, 2, 2, 1, 8), rectSegment(H, W, 0, 0, 2, 2, 1, 16)]);
    expect(caught(() => store.getSegmentVectors()).message).toContain('different sizes');
  });
});
