import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../api/contract';
import { validateCocoDataset } from '../coco/validate';
import { writePizzaFolder } from '../../tools/synth/writer';
import { createService } from './service';
import type { Service } from './types';

// A sparse grid keeps the real test model fast enough for a unit test; the pipeline is the same.
const QUICK = { pointsPerSide: 16 };

let root: string;
let folder: string;

async function open(projectFolder = folder): Promise<Service> {
  const s = await createService({ stateDir: join(root, 'state'), amgOverrides: QUICK, onWarning: () => {} });
  await s.api.openFolder({ folder: projectFolder, model: 'test-sam', device: 'cpu' });
  return s;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-service-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 3, seed: 7 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('service', () => {
  it('processes a folder: every image done, segments embedded and clustered, progress reported', async () => {
    const s = await open();
    const events: ProgressEvent[] = [];
    s.onEvent((e) => events.push(e));
    const summary = await s.api.process({});
    expect(summary.images).toEqual({ total: 3, pending: 0, done: 3, failed: 0 });
    expect(summary.segments).toBeGreaterThan(10);
    expect(summary.classes).toBeGreaterThan(1);
    expect(s.lastRun()?.encoded).toBe(3);
    expect(events.filter((e) => e.type === 'image')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'done', done: 3, cancelled: false });
    const images = await s.api.listImages();
    for (const img of images) {
      expect(img.width).toBe(768);
      const segs = await s.api.listSegments({ imageId: img.id });
      expect(segs.length).toBe(img.segmentCount);
      expect(segs[0].rle.size).toEqual([576, 768]);
    }
    await s.close();
  });

  it('reopening the folder encodes nothing and keeps edits, undo and redo across restarts', async () => {
    const s = await open();
    const again = await s.api.process({});
    expect(s.lastRun()).toMatchObject({ processed: 0, encoded: 0 });
    expect(again.images.done).toBe(3);
    const [first, second] = await s.api.listClasses();
    await s.api.renameClass({ classId: first.id, name: 'pepperoni' });
    await s.api.mergeClasses({ classIds: [first.id, second.id] });
    const merged = (await s.api.listClasses()).find((c) => c.id === first.id);
    expect(merged?.segmentCount).toBe(first.segmentCount + second.segmentCount);
    await s.close();

    const t = await open();
    let classes = await t.api.listClasses();
    expect(classes.find((c) => c.id === first.id)?.name).toBe('pepperoni');
    expect(classes.some((c) => c.id === second.id)).toBe(false);
    expect((await t.api.getSummary())?.undoTitle).toBe(`merge ${second.name} into pepperoni`);
    const undone = await t.api.undo();
    expect(undone.canRedo).toBe(true);
    // The reply says what was undone, as the user saw it then.
    expect(undone.gesture).toBe(`merge ${second.name} into pepperoni`);
    expect(undone.redoTitle).toBe(undone.gesture);
    classes = await t.api.listClasses();
    expect(classes.find((c) => c.id === second.id)?.segmentCount).toBe(second.segmentCount);
    await t.api.redo();
    expect((await t.api.listClasses()).some((c) => c.id === second.id)).toBe(false);
    await t.api.undo();
    await t.api.undo();
    expect((await t.api.listClasses()).find((c) => c.id === first.id)?.name).toBe(first.name);
    await t.close();
  });

  it('background segments are listed on demand, restored as unassigned; a class goes background whole', async () => {
    const s = await open();
    const [img] = await s.api.listImages();
    const segs = await s.api.listSegments({ imageId: img.id });
    const [one, two] = segs;
    await s.api.removeSegments({ segmentIds: [one.id] });
    expect((await s.api.listSegments({ imageId: img.id })).some((x) => x.id === one.id)).toBe(false);
    const withBackground = await s.api.listSegments({ imageId: img.id, includeBackground: true });
    expect(withBackground.find((x) => x.id === one.id)).toMatchObject({ background: true, classId: null });
    expect(withBackground.filter((x) => !x.background)).toHaveLength(segs.length - 1);
    await s.api.unassignSegments({ segmentIds: [one.id, two.id] });
    const back = await s.api.listSegments({ imageId: img.id });
    for (const id of [one.id, two.id])
      expect(back.find((x) => x.id === id)).toMatchObject({ background: false, classId: null, decided: true });
    expect((await s.api.undo()).gesture).toBe('make 2 segments unassigned');
    await s.api.redo();
    // Where segments are, and their masks on request (ids that do not exist are left out).
    const found = await s.api.findSegments({ segmentIds: [two.id, one.id, 999_999] });
    expect(found.map((f) => [f.segmentId, f.imageId, f.rle])).toEqual([
      [one.id, img.id, undefined],
      [two.id, img.id, undefined],
    ]);
    expect((await s.api.findSegments({ segmentIds: [one.id], masks: true }))[0].rle).toEqual(one.rle);
    // A whole class to background: its segments go, and so does the class, in one gesture.
    const before = await s.api.listClasses();
    const victim = before[before.length - 1];
    const after = await s.api.removeClass({ classId: victim.id });
    expect(after.map((c) => c.id)).toEqual(before.filter((c) => c.id !== victim.id).map((c) => c.id));
    const undone = await s.api.undo();
    expect(undone.gesture).toBe(`mark ${victim.name} as background (${victim.segmentCount} segments)`);
    expect((await s.api.listClasses()).find((c) => c.id === victim.id)?.segmentCount).toBe(victim.segmentCount);
    await s.close();
  });

  it('exports valid COCO with the user names; rejects unknown classes clearly', async () => {
    const s = await open();
    const classes = await s.api.listClasses();
    await s.api.renameClass({ classId: classes[0].id, name: 'cheese' });
    const out = join(root, 'out', 'coco.json');
    const r = await s.api.exportCoco({ out, format: 'rle' });
    const coco = JSON.parse(readFileSync(out, 'utf8'));
    expect(validateCocoDataset(coco)).toEqual([]);
    expect(r.images).toBe(3);
    expect(coco.categories.map((c: { name: string }) => c.name)).toContain('cheese');
    expect(coco.annotations.length).toBe(r.annotations);
    const assigned = classes.reduce((n, c) => n + c.segmentCount, 0);
    expect(r.annotations).toBe(assigned);
    await expect(s.api.exportCoco({ out, classIds: [99999] })).rejects.toThrow(/no class with id 99999/);
    await s.close();
  });

  it('recolours, reorders and deletes classes, each one gesture that undo takes back', async () => {
    const s = await open();
    const before = await s.api.listClasses();
    expect(before.length).toBeGreaterThan(1);
    const [a, b] = before;
    let classes = await s.api.setClassColor({ classId: a.id, color: '#A0B1C2' });
    expect(classes.find((c) => c.id === a.id)?.color).toBe('#a0b1c2');
    await expect(s.api.setClassColor({ classId: a.id, color: 'red' })).rejects.toThrow(/#rrggbb/);
    classes = await s.api.reorderClasses({ classIds: [b.id] });
    expect(classes.map((c) => c.id)).toEqual([b.id, ...before.filter((c) => c.id !== b.id).map((c) => c.id)]);
    const unassignedBefore = (await s.api.getSummary())!.segments - classes.reduce((n, c) => n + c.segmentCount, 0);
    classes = await s.api.deleteClass({ classId: a.id });
    expect(classes.some((c) => c.id === a.id)).toBe(false);
    const unassignedAfter = (await s.api.getSummary())!.segments - classes.reduce((n, c) => n + c.segmentCount, 0);
    expect(unassignedAfter - unassignedBefore).toBe(a.segmentCount);
    await s.api.undo();
    await s.api.undo();
    await s.api.undo();
    expect(await s.api.listClasses()).toEqual(before);
    await s.close();
  });

  it('a renamed file is not encoded again; a changed file is', async () => {
    const copy = join(root, 'copy');
    cpSync(folder, copy, { recursive: true });
    renameSync(join(copy, 'pizza-000.png'), join(copy, 'renamed.png'));
    const s = await open(copy);
    await s.api.process({});
    expect(s.lastRun()).toMatchObject({ processed: 0, encoded: 0 });
    expect((await s.api.listImages()).map((i) => i.relPath)).toContain('renamed.png');
    await s.close();

    writeFileSync(join(copy, 'pizza-001.png'), readFileSync(join(folder, 'pizza-002.png')));
    const t = await open(copy);
    await t.api.process({});
    // The new bytes equal another image's, so its embedding comes from the cache: no encoder run.
    expect(t.lastRun()).toMatchObject({ processed: 1, encoded: 0, cacheHits: 1 });
    await t.close();
  });

  it('refuses calls without a project and missing folders with actionable messages', async () => {
    const s = await createService({ stateDir: join(root, 'state') });
    await expect(s.api.listImages()).rejects.toThrow(/No folder is open/);
    await expect(s.api.openFolder({ folder: join(root, 'nope') })).rejects.toThrow(/does not exist/);
    await s.close();
  });
});
