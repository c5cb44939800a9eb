import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyAction, undo } from '../actions/persistent';
import { ProjectStore } from '../store/project-store';
import { type TempDir, rectSegment, tempDir, vector } from '../store/fixtures.testing';
import { classifyNewSegments, hasUserDecisions } from './classifying';
import { collectCocoInput } from './export';
import { lookAlikes, reviewGuesses, reviewQueue } from './review';

const DIM = 8;
/** A segment whose embedding points along axis `axis` (0 = a, 1 = b, 2 = background, 3 = novel), a little noise. */
function seg(axis: number, seed: number, towards?: number) {
  // One row per segment (rows differ within an image), so no mask lies inside another.
  const s = rectSegment(6, 8, 0, seed % 6, 1 + (seed % 7), (seed % 6) + 1, seed, DIM);
  const noise = vector(DIM, seed * 7 + 1);
  const e = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) e[i] = (i === axis ? 1 : 0) + (towards !== undefined && i === towards ? 0.9 : 0) + 0.04 * noise[i];
  return { ...s, embedding: e };
}

let tmp: TempDir;
let store: ProjectStore;
let first: number[];
let imageA: number;
let imageB: number;

beforeEach(() => {
  tmp = tempDir();
  store = ProjectStore.open(tmp.file, { create: true });
  imageA = store.upsertImage({ relPath: 'a.jpg', size: 1, mtimeMs: 1, contentHash: 'ha', width: 8, height: 6 }).id;
  imageB = store.upsertImage({ relPath: 'b.jpg', size: 1, mtimeMs: 1, contentHash: 'hb', width: 8, height: 6 }).id;
  // a1..a4, b1..b4, one background-like segment.
  first = store.commitImageResult(imageA, [
    seg(0, 1),
    seg(0, 2),
    seg(0, 3),
    seg(0, 4),
    seg(1, 5),
    seg(1, 6),
    seg(1, 7),
    seg(1, 8),
    seg(2, 9),
  ]).segmentIds;
  // The clustering got b4 wrong (into a's class) and left the background one out.
  applyAction(store, 'replaceClustering', { segmentIds: first, labels: [0, 0, 0, 0, 1, 1, 1, 0, -1] });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

const classOf = (id: number) => store.loadLabelState().segments.get(id)!.classId;
const [A, B] = [0, 1];

describe('review by confidence', () => {
  it('asks about the least confident first, and each answer is used by the next question', () => {
    const [classA, classB] = store.listClasses().map((c) => c.id);
    applyAction(store, 'confirmSegments', { segmentIds: first.slice(0, 3) }); // a1..a3
    applyAction(store, 'confirmSegments', { segmentIds: first.slice(4, 7) }); // b1..b3
    let queue = reviewQueue(store, 10);
    expect(queue.map((q) => q.segmentId)).toEqual([first[7], first[3]]);
    expect(queue[0]).toMatchObject({ classId: classA, guessClassId: classB });
    expect(queue[0].confidence).toBeLessThan(0.5);
    expect(queue[1].confidence).toBeGreaterThan(0.9);
    applyAction(store, 'assignSegments', { segmentIds: [first[7]], classId: classB });
    queue = reviewQueue(store, 10);
    expect(queue.map((q) => q.segmentId)).toEqual([first[3]]);
    undo(store);
    expect(reviewQueue(store, 10).map((q) => q.segmentId)).toEqual([first[7], first[3]]);
  });

  it('offers the look-alikes of a corrected segment, most similar first, never decided ones', () => {
    const classB = store.listClasses()[1].id;
    applyAction(store, 'assignSegments', { segmentIds: [first[4]], classId: classB });
    const found = lookAlikes(store, first[0], 10);
    // From a1 (in class a): b's and the background one, not a's own members.
    expect(found.map((f) => f.segmentId)).not.toContain(first[1]);
    expect(found.map((f) => f.segmentId)).not.toContain(first[4]); // decided
    const fromB = lookAlikes(store, first[4], 3);
    expect(fromB[0].segmentId).toBe(first[7]); // b4, wrongly in class a, is the most similar
    for (let i = 1; i < fromB.length; i++) expect(fromB[i].similarity).toBeLessThanOrEqual(fromB[i - 1].similarity);
  });
});

describe('classifying new segments', () => {
  it('puts sure ones in the user classes, leaves background look-alikes and novel ones unsorted, changes no decision', () => {
    expect(hasUserDecisions(store.loadLabelState())).toBe(false);
    const [classA, classB] = store.listClasses().map((c) => c.id);
    applyAction(store, 'renameClass', { classId: classA, name: 'a' });
    applyAction(store, 'renameClass', { classId: classB, name: 'b' });
    applyAction(store, 'assignSegments', { segmentIds: [first[7]], classId: classB });
    applyAction(store, 'removeSegments', { segmentIds: [first[8]] });
    expect(hasUserDecisions(store.loadLabelState())).toBe(true);
    const before = store.loadLabelState().segments;
    const fresh = store.commitImageResult(imageB, [
      seg(A, 11),
      seg(A, 12),
      seg(B, 13),
      seg(2, 14),
      seg(3, 15),
      seg(A, 16, B),
      seg(A, 5),
    ]).segmentIds;
    return classifyNewSegments(store, new Set([imageB]), { suggestionMinSamples: 1 }).then((r) => {
      // seg(A, 5) covers seg(A, 11) and SAM rates it lower: one instance, counted once.
      expect(r).toMatchObject({ classified: 3, background: 2, unsure: 2 });
      expect(classOf(fresh[6])).toBeNull();
      expect(fresh.slice(0, 4).map(classOf)).toEqual([classA, classA, classB, null]);
      // The novel one and the one half way between a and b: unsorted, offered as suggestions.
      const suggested = store
        .listClasses()
        .filter((c) => c.status === 'suggested')
        .map((c) => c.id);
      expect(r.suggestions).toBe(suggested.length);
      for (const id of fresh.slice(4)) expect(classOf(id) === null || suggested.includes(classOf(id)!)).toBe(true);
      expect(suggested.length).toBeGreaterThan(0);
      const after = store.loadLabelState().segments;
      for (const [id, l] of before) expect(after.get(id)).toEqual(l);
      expect(fresh.every((id) => !after.get(id)!.decided && !after.get(id)!.removed)).toBe(true);
      expect(store.listClasses().find((c) => c.id === classA)).toMatchObject({ name: 'a', status: 'decided', unreviewedCount: 2 });
      undo(store);
      expect(fresh.map(classOf)).toEqual([null, null, null, null, null, null, null]);
    });
  });
  it('settles a new segment through a sure one of the same batch when the references alone are too far', async () => {
    const [classA] = store.listClasses().map((c) => c.id);
    applyAction(store, 'renameClass', { classId: classA, name: 'a' });
    // Two new segments drifting from a's direction towards an unseen one: 20 and 40 degrees.
    const drift = (seed: number, degrees: number) => {
      const e = new Float32Array(DIM);
      e[A] = Math.cos((degrees * Math.PI) / 180);
      e[3] = Math.sin((degrees * Math.PI) / 180);
      return { ...seg(A, seed), embedding: e };
    };
    const fresh = store.commitImageResult(imageB, [drift(31, 20), drift(32, 40)]).segmentIds;
    await classifyNewSegments(store, new Set([imageB]), { passes: 0 });
    expect(fresh.map(classOf)).toEqual([classA, null]);
    undo(store);
    const r = await classifyNewSegments(store, new Set([imageB]));
    expect(r).toMatchObject({ classified: 2, unsure: 0 });
    expect(fresh.map(classOf)).toEqual([classA, classA]);
  });
});

describe('export of reviewed images only', () => {
  it('leaves out images with segments no decision covers', () => {
    const [classA] = store.listClasses().map((c) => c.id);
    store.commitImageResult(imageB, [seg(A, 21)]);
    applyAction(store, 'replaceClustering', {
      segmentIds: [...store.getSegmentVectors().ids],
      labels: [...store.getSegmentVectors().ids].map(() => 0),
    });
    expect(collectCocoInput(store, tmp.dir, undefined, true).images).toEqual([]);
    applyAction(store, 'renameClass', { classId: store.listClasses()[0].id, name: 'a' });
    // Image a: all its classed segments accepted by the rename; image b's one was too.
    expect(collectCocoInput(store, tmp.dir, undefined, true).images.map((i) => i.fileName)).toEqual(['a.jpg', 'b.jpg']);
    void classA;
    expect(collectCocoInput(store, tmp.dir).images.length).toBe(2);
  });
});

describe('batch review (reviewGuesses)', () => {
  it("groups undecided segments by their look-alikes' confident guess; accepting a group leaves decisions alone", () => {
    const [classA, classB] = store.listClasses().map((c) => c.id);
    applyAction(store, 'confirmSegments', { segmentIds: first.slice(0, 3) }); // a1..a3
    applyAction(store, 'confirmSegments', { segmentIds: first.slice(4, 7) }); // b1..b3
    // b4 sits in a's class but looks like b: the one guess that differs from where a segment is.
    expect(reviewGuesses(store)).toEqual([{ classId: classB, segmentIds: [first[7]] }]);
    const decidedBefore = first.slice(0, 7).map(classOf);
    applyAction(store, 'acceptGuesses', { segmentIds: [first[7]], classId: classB });
    expect(classOf(first[7])).toBe(classB);
    expect(first.slice(0, 7).map(classOf)).toEqual(decidedBefore);
    expect(reviewGuesses(store)).toEqual([]);
    undo(store);
    expect(classOf(first[7])).toBe(classA);
    expect(store.loadLabelState().segments.get(first[7])!.decided).toBe(false);
  });
});
