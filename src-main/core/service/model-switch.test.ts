// A folder processed with test-sam (SAM 1 interface) and re-opened with test-sam2 (SAM 2.1
// interface): photos it has not seen are encoded with the new model even when the old model's
// embedding of the same bytes is cached (the cache key includes the model; re-opened with test-sam
// the same copy is a cache hit), the SAM 2 entry keeps its high-resolution maps, and the user's
// classes are kept.

import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePizzaFolder } from '../../tools/synth/writer';
import { ProjectStore } from '../store/project-store';
import { createService } from './service';

const QUICK = { pointsPerSide: 12 };
let root: string;
let folder: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-model-switch-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 2, seed: 5 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function open(model: string) {
  const s = await createService({ stateDir: join(root, 'state'), amgOverrides: QUICK, onWarning: () => {} });
  const opened = await s.api.openFolder({ folder, model, device: 'cpu' });
  return Object.assign(s, { opened });
}

describe('switching a processed folder from test-sam to test-sam2', () => {
  it("encodes new photos with the new model, never from the old model's cache, and keeps the user's classes", async () => {
    const first = await open('test-sam');
    expect(first.opened.switchedFrom).toBeNull();
    const before = await first.api.process({});
    expect(first.lastRun()).toMatchObject({ processed: 2, encoded: 2 });
    const [cls] = await first.api.listClasses();
    await first.api.renameClass({ classId: cls.id, name: 'my crust' });
    await first.close();

    // The same bytes under a new name: test-sam's embedding of them is in the cache.
    const photo = readdirSync(folder).find((f) => f.endsWith('.jpg') || f.endsWith('.png'))!;
    copyFileSync(join(folder, photo), join(folder, `copy-${photo}`));

    const second = await open('test-sam2');
    // The picker's warning: processed with test-sam, now open with test-sam2.
    expect(second.opened).toMatchObject({ modelId: 'test-sam2', switchedFrom: 'test-sam' });
    expect(await second.api.getSummary()).toMatchObject({ switchedFrom: 'test-sam' });
    // Opening with another model changes nothing the user decided.
    const reopened = await second.api.listClasses();
    expect(reopened.map((c) => [c.id, c.name, c.segmentCount])).toContainEqual([cls.id, 'my crust', cls.segmentCount]);
    const summary = await second.api.process({});
    expect(summary.images).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect(second.lastRun()).toMatchObject({ processed: 1, encoded: 1, cacheHits: 0 });
    // The automatic mask generator ran on test-sam2's output: the copy got segments of its own.
    expect(summary.segments).toBeGreaterThan(before.segments + 5);
    // The class survives the re-clustering after processing with its name and its segments.
    const classes = await second.api.listClasses();
    const kept = classes.find((c) => c.id === cls.id);
    expect(kept?.name).toBe('my crust');
    expect(kept?.segmentCount).toBeGreaterThanOrEqual(cls.segmentCount);
    await second.close();
    // Re-opened with the model it was last opened with: no warning.
    const third = await open('test-sam2');
    expect(third.opened.switchedFrom).toBeNull();
    await third.close();

    const store = ProjectStore.open(ProjectStore.defaultPath(folder));
    try {
      const db = (store as unknown as { db: { prepare(s: string): { all(): { model_id: string; n: number; extras: number }[] } } }).db;
      const rows = db
        .prepare(
          "SELECT model_id, count(*) AS n, sum(instr(transform, 'high_res_feats_0') > 0) AS extras FROM embedding_cache GROUP BY model_id ORDER BY model_id",
        )
        .all();
      expect(rows).toEqual([
        { model_id: 'test-sam', n: 2, extras: 0 },
        { model_id: 'test-sam2', n: 1, extras: 1 },
      ]);
    } finally {
      store.close();
    }
  });
});

describe('the model picker', () => {
  it('lists the facts `samantic models list` shows: family, speed class, size, present, points-only decoders', async () => {
    const s = await createService({ stateDir: join(root, 'state-list'), onWarning: () => {} });
    try {
      const models = await s.api.listModels();
      const byId = new Map(models.map((m) => [m.id, m]));
      expect(byId.get('test-sam2')).toMatchObject({
        family: 'sam2',
        speedClass: 'fast',
        present: true,
        generated: true,
        pointsOnly: false,
      });
      expect(byId.get('test-edgesam')).toMatchObject({ family: 'sam1', present: true, generated: true, pointsOnly: true });
      // The repository's descriptors, weights not downloaded here.
      expect(byId.get('sam-vit-b')).toMatchObject({ family: 'sam1', speedClass: 'medium', paramsMillions: 93.7, generated: false });
      expect(byId.get('sam-vit-b')!.bytes).toBeGreaterThan(300e6);
      expect(byId.get('edgesam')).toMatchObject({ family: 'sam1', speedClass: 'fast', paramsMillions: 9.6, bytes: null, pointsOnly: true });
      expect(byId.get('sam2.1-hiera-tiny')).toMatchObject({ family: 'sam2', speedClass: 'fast' });
    } finally {
      await s.close();
    }
  });
});
