import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProjectStore } from '../store/project-store';
import { rectSegment, tempDir, vector, type TempDir } from '../store/fixtures.testing';
import type { NewSegment } from '../store/segments';
import { clusterProject } from './clustering';

const S = 20;
let tmp: TempDir;
let store: ProjectStore;

beforeEach(() => {
  tmp = tempDir('samantic-clustering-');
  store = ProjectStore.open(tmp.file, { create: true });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

/** A rectangle segment whose embedding points along `direction` (a seed), slightly perturbed. */
function seg(x0: number, y0: number, x1: number, y1: number, direction: number, predictedIou: number, jitter: number): NewSegment {
  const base = vector(256, direction);
  const noise = vector(256, 1000 + jitter);
  return { ...rectSegment(S, S, x0, y0, x1, y1), predictedIou, embedding: base.map((v, i) => v + 0.01 * noise[i]) };
}

function addImage(name: string, segments: NewSegment[]): void {
  const { id } = store.upsertImage({ relPath: name, size: 1, mtimeMs: 1, contentHash: name, width: S, height: S });
  store.commitImageResult(id, segments);
}

/** Per image: a whole thing, a part of it rated lower, a second thing of its kind, one of another kind. */
function addScenes(): void {
  for (const [k, name] of ['a.png', 'b.png', 'c.png'].entries()) {
    addImage(name, [
      seg(0, 0, 10, 10, 1, 0.99, 10 * k),
      seg(0, 0, 5, 10, 1, 0.9, 10 * k + 1),
      seg(12, 12, 18, 18, 1, 0.95, 10 * k + 2),
      seg(12, 0, 18, 6, 2, 0.97, 10 * k + 3),
    ]);
  }
}

const byArea = () => {
  const out = new Map<number, (number | null)[]>();
  for (const s of store.listSegments({ includeRemoved: false })) out.set(s.area, [...(out.get(s.area) ?? []), s.classId]);
  return out;
};

describe('clusterProject', () => {
  it('clusters across images and unassigns a part that repeats a same-class segment of its image', async () => {
    addScenes();
    const r = await clusterProject(store, { mode: 'dbscan', eps: 0.05, minSamples: 2 });
    expect(r.classes).toBe(2);
    const classes = byArea();
    const whole = classes.get(100)!;
    const part = classes.get(50)!;
    const second = classes.get(36)!; // both the second thing (kind 1) and the other kind have area 36
    expect(new Set(whole).size).toBe(1);
    expect(whole[0]).not.toBeNull();
    expect(part).toEqual([null, null, null]);
    expect(second.filter((c) => c === whole[0])).toHaveLength(3);
    expect(second.filter((c) => c !== whole[0] && c !== null)).toHaveLength(3);
    expect(r.noise).toBe(3);
  });

  it('keeps every part when the suppression is turned off', async () => {
    addScenes();
    const r = await clusterProject(store, { mode: 'dbscan', eps: 0.05, minSamples: 2, partOverlap: 1.01 });
    expect(r.noise).toBe(0);
    const classes = byArea();
    expect(classes.get(50)).toEqual(classes.get(100));
  });
});
