// Fewer / more classes: the re-clustering moves the number of automatic classes the asked way and
// leaves every user decision (a named class and its members, a removed segment) as it was.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePizzaFolder } from '../../tools/synth/writer';
import { granularityTarget } from './granularity';
import { storedLabels } from './labels.testing';
import { createService } from './service';
import type { Service } from './types';

let root: string;
let folder: string;
let service: Service;

const labels = () => storedLabels(folder);

const automatic = async () => (await service.api.listClasses()).filter((c) => c.status !== 'decided').length;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-granularity-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 6, seed: 5 });
  service = await createService({ stateDir: join(root, 'state'), amgOverrides: { pointsPerSide: 16 }, onWarning: () => {} });
  await service.api.openFolder({ folder, model: 'test-sam', device: 'cpu' });
  await service.api.process({});
}, 240_000);

afterAll(async () => {
  await service?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('granularity', () => {
  it('aims at about 30 % fewer or more classes, never below one', () => {
    expect(granularityTarget(10, 'fewer')).toBe(7);
    expect(granularityTarget(10, 'more')).toBe(13);
    expect(granularityTarget(2, 'fewer')).toBe(1);
    expect(granularityTarget(1, 'fewer')).toBe(1);
    expect(granularityTarget(1, 'more')).toBe(2);
  });

  it('more, fewer and a number move the automatic classes that way and keep every decision; undo restores', async () => {
    const api = service.api;
    const first = await api.listClasses();
    expect(first.length).toBeGreaterThan(0);
    // Decisions: a named class (with its members) and one segment marked as background.
    const named = first[0];
    await api.renameClass({ classId: named.id, name: 'crust' });
    const images = await api.listImages();
    const loose = (await api.listSegments({ imageId: images[1].id })).find((s) => s.classId !== named.id)!;
    await api.removeSegments({ segmentIds: [loose.id] });
    const decided = [...labels()].filter(([, l]) => l.decided || l.classId === named.id);

    const base = await automatic();
    const more = await api.recluster({ granularity: 'more' });
    const afterMore = more.filter((c) => c.status !== 'decided').length;
    expect(afterMore).toBeGreaterThan(base);
    const fewer = await api.recluster({ granularity: 'fewer' });
    expect(fewer.filter((c) => c.status !== 'decided').length).toBeLessThan(afterMore);
    await api.recluster({ classes: 3 });
    expect(Math.abs((await automatic()) - 3)).toBeLessThanOrEqual(1);

    const now = labels();
    for (const [id, l] of decided) expect(now.get(id), `segment ${id}`).toEqual(l);
    expect((await api.listClasses()).find((c) => c.id === named.id)).toMatchObject({ name: 'crust', status: 'decided' });
    // Three re-clusterings, three undos: back to the classes before them.
    for (let i = 0; i < 3; i++) await api.undo();
    expect(await automatic()).toBe(base);
  }, 240_000);

  it('refuses a granularity and a number together, and numbers out of range, with a clear message', async () => {
    await expect(service.api.recluster({ granularity: 'more', classes: 4 })).rejects.toThrow(/either granularity/);
  });
});
