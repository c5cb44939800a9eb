// Mask edits on a real project file: pixel-exact results, the user's origin, one gesture each,
// undo and redo across a restart, and bad input that changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redo, undo } from '../actions/persistent';
import { rleToMask } from '../mask';
import { ProjectStore } from '../store/project-store';
import { type TempDir, caughtSamanticError, rectSegment, tempDir } from '../store/fixtures.testing';
import type { ImageEmbedding } from '../types';
import { addUserSegment, deleteUserSegments, editSegmentMask, mergeUserSegments, nearestClass } from './edits';
import { applyAction } from '../actions/persistent';

// A 64 x 48 image: frame scale 16, resized 1024 x 768, 64 x 64 cells of 16 frame pixels = 1 image pixel.
const W = 64;
const H = 48;
const DIM = 256;
const A = Float32Array.from({ length: DIM }, (_, i) => (i % 2 ? 1 : 0));
const B = Float32Array.from({ length: DIM }, (_, i) => (i % 2 ? 0 : 1));
/** Cells of the left half carry vector A, of the right half vector B. */
function embedding(): ImageEmbedding {
  const data = new Float32Array(DIM * 64 * 64);
  for (let c = 0; c < DIM; c++)
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data[c * 4096 + y * 64 + x] = x < W / 2 ? A[c] : B[c];
  return {
    data,
    channels: DIM,
    gridH: 64,
    gridW: 64,
    transform: { origWidth: W, origHeight: H, scale: 16, resizedWidth: 1024, resizedHeight: 768, frameSize: 1024 },
  };
}
const rect = (x0: number, y0: number, x1: number, y1: number) => {
  const s = rectSegment(H, W, x0, y0, x1, y1);
  return s.rle;
};

let tmp: TempDir;
let store: ProjectStore;
let imageId: number;
let amg: number[];
const e = embedding();

beforeEach(() => {
  tmp = tempDir();
  store = ProjectStore.open(tmp.file, { create: true });
  imageId = store.upsertImage({ relPath: 'a.jpg', size: 1, mtimeMs: 1, contentHash: 'ha', width: W, height: H }).id;
  const left = { ...rectSegment(H, W, 2, 2, 10, 10), embedding: A };
  const left2 = { ...rectSegment(H, W, 12, 2, 20, 10), embedding: A };
  const right = { ...rectSegment(H, W, 40, 2, 50, 10), embedding: B };
  amg = store.commitImageResult(imageId, [left, left2, right]).segmentIds;
  applyAction(store, 'replaceClustering', { segmentIds: amg, labels: [0, 0, 1] });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});
const reopen = () => {
  store.close();
  store = ProjectStore.open(tmp.file);
};
const seg = (id: number) => store.listSegments({ imageId }).find((s) => s.id === id);

describe('mask edits on a project', () => {
  it('a new segment gets the class of its nearest labelled segments, its own embedding, and source user', () => {
    const [cLeft, cRight] = store.listClasses().map((c) => c.id);
    const added = addUserSegment(store, imageId, e, rect(4, 20, 12, 30), { kind: 'nearest' });
    expect(added.classId).toBe(cLeft);
    const s = seg(added.segmentId)!;
    expect(s).toMatchObject({ source: 'user', classId: cLeft, area: 80, bbox: [4, 20, 8, 10] });
    expect(nearestClass(store, Array.from(B))).toBe(cRight);
    // Only the pixels of the mask count: a mask in the right half is the right class.
    expect(addUserSegment(store, imageId, e, rect(44, 20, 50, 30), { kind: 'nearest' }).classId).toBe(cRight);
    const fresh = addUserSegment(store, imageId, e, rect(30, 40, 34, 44), { kind: 'new', name: 'crust' });
    expect(store.listClasses().find((c) => c.id === fresh.classId)?.name).toBe('crust');
    expect(undo(store)?.label).toBe('addSegment');
    expect(store.listClasses().some((c) => c.name === 'crust')).toBe(false);
    expect(seg(fresh.segmentId)).toBeUndefined();
  });

  it('brush and eraser give pixel-exact masks; undo restores the AMG mask and origin; redo survives a restart', () => {
    const id = amg[0];
    const original = seg(id)!;
    // A brush stroke along row 11 from x 2 to x 9 (radius 0.5 covers exactly that row).
    editSegmentMask(store, id, e, {
      kind: 'stroke',
      mode: 'paint',
      stroke: {
        points: [
          [2.5, 11.5],
          [9.5, 11.5],
        ],
        radius: 0.5,
      },
    });
    let s = seg(id)!;
    const expected = rleToMask(original.rle);
    for (let x = 2; x <= 9; x++) expected.data[11 * W + x] = 1;
    expect(rleToMask(s.rle).data).toEqual(expected.data);
    expect(s).toMatchObject({ source: 'user', area: 72, bbox: [2, 2, 8, 10] });
    // The eraser removes column 2 (rows 2-11).
    editSegmentMask(store, id, e, {
      kind: 'stroke',
      mode: 'erase',
      stroke: {
        points: [
          [2.5, 2.5],
          [2.5, 11.5],
        ],
        radius: 0.5,
      },
    });
    s = seg(id)!;
    for (let y = 2; y <= 11; y++) expected.data[y * W + 2] = 0;
    expect(rleToMask(s.rle).data).toEqual(expected.data);
    expect(s.area).toBe(63);
    expect(s.bbox).toEqual([3, 2, 7, 10]);

    reopen();
    expect(undo(store)?.label).toBe('setSegmentMask');
    expect(undo(store)?.label).toBe('setSegmentMask');
    expect(seg(id)).toEqual(original);
    reopen();
    redo(store);
    redo(store);
    expect(rleToMask(seg(id)!.rle).data).toEqual(expected.data);
    expect(seg(id)!.source).toBe('user');
  });

  it('merge makes one segment of two and delete removes one; both undo across a restart', () => {
    const [a, b, c] = amg;
    const before = store.listSegments({ imageId });
    mergeUserSegments(store, [a, b], () => e);
    const merged = seg(a)!;
    expect(seg(b)).toBeUndefined();
    expect(merged.area).toBe(128);
    expect(merged.source).toBe('user');
    deleteUserSegments(store, [c]);
    expect(seg(c)).toBeUndefined();
    reopen();
    undo(store);
    undo(store);
    expect(store.listSegments({ imageId })).toEqual(before);
    redo(store);
    expect(seg(b)).toBeUndefined();
    expect(seg(a)!.area).toBe(128);
  });

  it('bad edits get clear errors and change nothing', () => {
    const gestures = store.history.counts();
    const before = store.listSegments({ imageId });
    const nothing = caughtSamanticError(() =>
      editSegmentMask(store, amg[0], e, { kind: 'stroke', mode: 'paint', stroke: { points: [[500, 500]], radius: 3 } }),
    );
    expect(nothing.message).toMatch(/covers no pixel/);
    expect(
      caughtSamanticError(() => editSegmentMask(store, 999, e, { kind: 'stroke', mode: 'erase', stroke: { points: [[1, 1]], radius: 3 } }))
        .code,
    ).toBe('not-found');
    expect(caughtSamanticError(() => deleteUserSegments(store, [amg[0], 999])).code).toBe('not-found');
    expect(caughtSamanticError(() => mergeUserSegments(store, [amg[0]], () => e)).message).toMatch(/at least two/);
    // Erasing the whole segment would leave nothing: delete it instead.
    expect(
      caughtSamanticError(() =>
        editSegmentMask(store, amg[0], e, { kind: 'stroke', mode: 'erase', stroke: { points: [[6, 6]], radius: 20 } }),
      ).message,
    ).toMatch(/empty/);
    expect(
      caughtSamanticError(() => addUserSegment(store, imageId, e, { size: [H, W], counts: [H * W] }, { kind: 'nearest' })).message,
    ).toMatch(/empty/);
    expect(store.history.counts()).toEqual(gestures);
    expect(store.listSegments({ imageId })).toEqual(before);
  });

  it('processing the image again keeps the segments the user made or edited', () => {
    const added = addUserSegment(store, imageId, e, rect(4, 20, 12, 30), { kind: 'none' });
    editSegmentMask(store, amg[2], e, { kind: 'stroke', mode: 'paint', stroke: { points: [[45, 12]], radius: 1 } });
    const r = store.commitImageResult(imageId, [rectSegment(H, W, 0, 40, 5, 45)]);
    expect(r.replaced).toBe(2);
    const ids = store.listSegments({ imageId }).map((s) => s.id);
    expect(ids).toContain(added.segmentId);
    expect(ids).toContain(amg[2]);
    expect(ids).not.toContain(amg[0]);
  });
});
