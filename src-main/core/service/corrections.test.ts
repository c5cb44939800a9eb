// Corrections that last: once the user has corrected a folder, processing new photos classifies
// their segments into the user's classes and changes nothing the user decided.
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentInfo } from '../api/contract';
import { writePizzaFolder } from '../../tools/synth/writer';
import { storedLabels } from './labels.testing';
import { createService } from './service';
import type { Service } from './types';

const QUICK = { pointsPerSide: 16 };
let root: string;
let folder: string;

async function open(): Promise<Service> {
  const s = await createService({ stateDir: join(root, 'state'), amgOverrides: QUICK, onWarning: () => {} });
  await s.api.openFolder({ folder, model: 'test-sam', device: 'cpu' });
  return s;
}

async function allSegments(s: Service): Promise<SegmentInfo[]> {
  const out: SegmentInfo[] = [];
  for (const img of await s.api.listImages()) out.push(...(await s.api.listSegments({ imageId: img.id })));
  return out;
}

const labelsOf = () => storedLabels(folder);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-corrections-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 10, seed: 21 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('corrections that last', () => {
  it('new photos join the user classes; nothing the user decided changes; a re-cluster keeps it all and undoes', async () => {
    const s = await open();
    await s.api.process({});
    let classes = await s.api.listClasses();
    expect(classes.length).toBeGreaterThan(2);
    expect(classes.every((c) => c.status === 'auto' && c.unreviewed === c.segmentCount)).toBe(true);

    // The user's corrections: name the two largest classes, merge the third into the first,
    // move an unassigned segment into the second, mark one of the fourth class as background.
    const [a, b, c, d] = classes;
    await s.api.renameClass({ classId: a.id, name: 'topping' });
    await s.api.renameClass({ classId: b.id, name: 'cheese' });
    await s.api.mergeClasses({ classIds: [a.id, c.id], into: a.id });
    const segs = await allSegments(s);
    const loose = segs.find((x) => x.classId === null)!;
    await s.api.assignSegments({ segmentIds: [loose.id], classId: b.id });
    const gone = segs.find((x) => x.classId === d?.id) ?? segs.find((x) => x.classId === b.id && x.id !== loose.id)!;
    await s.api.removeSegments({ segmentIds: [gone.id] });
    classes = await s.api.listClasses();
    expect(classes.find((x) => x.id === a.id)).toMatchObject({ name: 'topping', status: 'decided', unreviewed: 0 });
    const decidedClasses = classes.filter((x) => x.status === 'decided');
    const before = labelsOf();
    const oldIds = new Set(before.keys());
    expect([...before.values()].filter((l) => l.decided).length).toBeGreaterThan(10);

    // Ten more photos of another seed arrive in the folder.
    const more = join(root, 'more');
    await writePizzaFolder(more, { count: 10, seed: 22 });
    for (const f of readdirSync(more).filter((n) => n.endsWith('.png'))) copyFileSync(join(more, f), join(folder, `new-${f}`));
    await s.close();

    const t = await open();
    const summary = await t.api.process({});
    expect(summary.images.done).toBe(20);
    expect(t.lastRun()?.processed).toBe(10);
    const after = labelsOf();
    // Not one old segment moved, appeared or vanished; every class the user decided is as it was.
    for (const [id, l] of before) expect(after.get(id), `segment ${id}`).toEqual(l);
    const classesAfter = await t.api.listClasses();
    for (const c0 of decidedClasses) {
      expect(classesAfter.find((x) => x.id === c0.id)).toMatchObject({ name: c0.name, color: c0.color, status: 'decided' });
    }
    // The new segments: some joined the user's classes (unreviewed), the unsure ones stayed
    // unsorted or went into suggested classes; none was decided or removed by the machine.
    const fresh = [...after].filter(([id]) => !oldIds.has(id)).map(([, l]) => l);
    expect(fresh.length).toBeGreaterThan(50);
    expect(fresh.every((l) => !l.decided && !l.removed)).toBe(true);
    const userClassIds = new Set(decidedClasses.map((x) => x.id));
    const joined = fresh.filter((l) => l.classId !== null && userClassIds.has(l.classId)).length;
    expect(joined).toBeGreaterThan(fresh.length / 4);
    const suggested = new Set(classesAfter.filter((x) => x.status === 'suggested').map((x) => x.id));
    const unsorted = fresh.filter((l) => l.classId === null || suggested.has(l.classId)).length;
    expect(unsorted).toBeGreaterThan(0);
    expect(classesAfter.find((x) => x.id === a.id)!.unreviewed).toBeGreaterThan(0);

    // The review queue offers the machine's placements, least confident first.
    const queue = await t.api.reviewQueue({ limit: 1000 });
    expect(queue.length).toBeGreaterThan(0);
    expect(queue.every((q) => !oldIds.has(q.segmentId) || !before.get(q.segmentId)!.decided)).toBe(true);
    for (let i = 1; i < queue.length; i++) expect(queue[i].confidence).toBeGreaterThanOrEqual(queue[i - 1].confidence);

    // An explicit re-cluster keeps every decision; undo restores everything exactly.
    const beforeRecluster = labelsOf();
    const classesBeforeRecluster = await t.api.listClasses();
    await t.api.recluster({});
    const reclustered = labelsOf();
    for (const [id, l] of beforeRecluster) if (l.decided) expect(reclustered.get(id)).toEqual(l);
    for (const c0 of decidedClasses) expect((await t.api.listClasses()).find((x) => x.id === c0.id)?.name).toBe(c0.name);
    await t.api.undo();
    expect(labelsOf()).toEqual(beforeRecluster);
    expect(await t.api.listClasses()).toEqual(classesBeforeRecluster);
    await t.close();
  });
});
