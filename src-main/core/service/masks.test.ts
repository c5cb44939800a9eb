// The mask API end to end on a synthetic pizza (real test-sam, real project file): a box adds the
// crust, clicks refine a segment, the eraser removes a patch, merge and delete; undo/redo across a
// restart; the COCO export carries the result; bad arguments are refused at the boundary or by
// the service with nothing changed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../api/dispatch';
import type { PromptMaskResult, SegmentInfo } from '../api/contract';
import { decompressRle } from '../coco/rle';
import { rleIou, rleToMask } from '../mask';
import { interiorPoint } from '../model/interior-point';
import { GROUND_TRUTH_FILE, type CocoGroundTruth, writePizzaFolder } from '../../tools/synth/writer';
import type { ImageEmbedding, Rle } from '../types';
import { computeFrameTransform } from '../model/preprocess';
import { ProjectStore } from '../store/project-store';
import { createService } from './service';
import type { Service } from './types';

let root: string;
let folder: string;
let gt: CocoGroundTruth;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-masks-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 1, seed: 11 });
  gt = JSON.parse(readFileSync(join(folder, GROUND_TRUTH_FILE), 'utf8')) as CocoGroundTruth;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function open(): Promise<Service> {
  const s = await createService({ stateDir: join(root, 'state'), amgOverrides: { pointsPerSide: 16 }, onWarning: () => {} });
  await s.api.openFolder({ folder, model: 'test-sam', device: 'cpu' });
  return s;
}
const category = (name: string) => gt.categories.find((c) => c.name === name)!.id;
const truth = (name: string) => gt.annotations.filter((a) => a.category_id === category(name)).map((a) => a.segmentation);
const rleOf = (m: { size: [number, number]; counts: string }): Rle => decompressRle(m);
const inside = (r: Rle): [number, number] => {
  const p = interiorPoint(rleToMask(r))!;
  return [p[0] + 0.5, p[1] + 0.5];
};

describe('mask API', () => {
  it('adds the crust with one box, fixes a segment with clicks, erases a patch; undo/redo survive a restart; export has them', async () => {
    let s = await open();
    let call = createDispatcher(s.api);
    const imageId = (await s.api.listImages())[0].id;
    // Before processing there is no cached embedding: the first prompt encodes, and says so.
    const [crust] = truth('crust');
    const [x, y, w, h] = gt.annotations.find((a) => a.category_id === category('crust'))!.bbox;
    const first = (await call('promptMask', { imageId, box: [x, y, x + w, y + h] })) as PromptMaskResult;
    expect(first.encoded).toBe(true);
    await s.api.process({});
    const boxed = (await call('promptMask', { imageId, box: [x, y, x + w, y + h] })) as PromptMaskResult;
    expect(boxed.encoded).toBe(false);
    expect(rleIou(rleOf(boxed.rle), crust)).toBeGreaterThanOrEqual(0.8);
    const added = (await call('addSegment', { imageId, rle: boxed.rle, newClassName: 'crust' })) as { segmentId: number; classId: number };
    const classes = await s.api.listClasses();
    expect(classes.find((c) => c.id === added.classId)?.name).toBe('crust');

    // An olive: two clicks on the olive (the second chained on the first), then the mask replaces the nearest segment's.
    const olive = truth('olive')[0];
    const segs = await s.api.listSegments({ imageId });
    const nearest = segs
      .filter((g) => g.id !== added.segmentId)
      .sort((a, b) => rleIou(rleOf(b.rle), olive) - rleIou(rleOf(a.rle), olive))[0];
    const p = inside(olive);
    const one = (await call('promptMask', { imageId, segmentId: nearest.id, points: [p] })) as PromptMaskResult;
    const two = (await call('promptMask', {
      imageId,
      segmentId: nearest.id,
      points: [p, [p[0] + 1, p[1]]],
      continue: true,
    })) as PromptMaskResult;
    expect(two.area).toBeGreaterThan(0);
    expect(one.area).toBeGreaterThan(0);
    const fixed = (await call('editSegmentMask', { segmentId: nearest.id, op: 'replace', rle: two.rle })) as SegmentInfo;
    expect(fixed.rle.counts).toBe(two.rle.counts);

    // The eraser: a disc of radius 6 in the crust's interior (pixel-exact: those pixels leave the mask).
    const crustSeg = (await s.api.listSegments({ imageId })).find((g) => g.id === added.segmentId)!;
    const c = inside(rleOf(crustSeg.rle));
    const erased = (await call('editSegmentMask', {
      segmentId: added.segmentId,
      op: 'erase',
      stroke: { points: [c], radius: 6 },
    })) as SegmentInfo;
    const before = rleToMask(rleOf(crustSeg.rle));
    const after = rleToMask(rleOf(erased.rle));
    let removed = 0;
    for (let py = 0; py < before.height; py++) {
      for (let px = 0; px < before.width; px++) {
        const i = py * before.width + px;
        const inDisc = (px + 0.5 - c[0]) ** 2 + (py + 0.5 - c[1]) ** 2 <= 36;
        expect(after.data[i]).toBe(inDisc ? 0 : before.data[i]);
        if (inDisc && before.data[i]) removed++;
      }
    }
    expect(erased.area).toBe(crustSeg.area - removed);
    expect(removed).toBeGreaterThan(0);

    // Undo the eraser, redo it, then restart and undo/redo again.
    await call('undo', undefined);
    expect((await s.api.listSegments({ imageId })).find((g) => g.id === added.segmentId)!.rle.counts).toBe(crustSeg.rle.counts);
    await call('redo', undefined);
    await s.close();
    s = await open();
    call = createDispatcher(s.api);
    await call('undo', undefined);
    expect((await s.api.listSegments({ imageId })).find((g) => g.id === added.segmentId)!.area).toBe(crustSeg.area);
    await call('redo', undefined);
    expect((await s.api.listSegments({ imageId })).find((g) => g.id === added.segmentId)!.area).toBe(erased.area);

    // The export carries the new crust and the fixed olive exactly.
    const out = join(root, 'export.json');
    await s.api.exportCoco({ out, format: 'rle' });
    const coco = JSON.parse(readFileSync(out, 'utf8')) as {
      annotations: { category_id: number; segmentation: { size: [number, number]; counts: string } }[];
      categories: { id: number; name: string }[];
    };
    const crustCat = coco.categories.find((k) => k.name === 'crust')!.id;
    const exported = coco.annotations.filter((a) => a.category_id === crustCat);
    expect(exported).toHaveLength(1);
    expect(exported[0].segmentation.counts).toBe(erased.rle.counts);
    expect(rleIou(rleOf(exported[0].segmentation), crust)).toBeGreaterThanOrEqual(0.8);
    await s.close();
  }, 120_000);

  it('merge and delete; bad arguments get clear errors and change nothing', async () => {
    const s = await open();
    const call = createDispatcher(s.api);
    const imageId = (await s.api.listImages())[0].id;
    const [a, b, c] = await s.api.listSegments({ imageId });
    const summary = await s.api.getSummary();
    const segsBefore = await s.api.listSegments({ imageId });
    const refused = async (method: string, args: unknown, pattern: RegExp) => {
      await expect(call(method, args)).rejects.toThrow(pattern);
    };
    await refused('promptMask', { imageId, points: [[5000, 10]] }, /outside the 768x576 image/);
    await refused('promptMask', { imageId, box: [100, 100, 100, 200] }, /empty/);
    await refused('promptMask', { imageId }, /at least one point or a box/);
    await refused('promptMask', { imageId, points: [[1, 2, 3]] }, /must hold 2 numbers/);
    await refused('promptMask', { imageId, points: [[10, 10]], labels: [2] }, /at most 1/);
    await refused('editSegmentMask', { segmentId: a.id, op: 'brush', stroke: { points: [[-500, -500]], radius: 4 } }, /covers no pixel/);
    await refused('editSegmentMask', { segmentId: a.id, op: 'brush', stroke: { points: [], radius: 4 } }, /at least one point/);
    await refused('editSegmentMask', { segmentId: a.id, op: 'erase' }, /needs a 'stroke'/);
    await refused(
      'editSegmentMask',
      { segmentId: 999_999, op: 'erase', stroke: { points: [[10, 10]], radius: 4 } },
      /999999 does not exist/,
    );
    await refused('addSegment', { imageId, rle: { size: [576, 768], counts: 'garbage!' } }, /RLE|rle/);
    await refused('deleteSegments', { segmentIds: [a.id, 999_999] }, /999999 does not exist/);
    await refused('mergeSegments', { segmentIds: [a.id] }, /at least two/);
    expect(await s.api.getSummary()).toEqual(summary);
    expect(await s.api.listSegments({ imageId })).toEqual(segsBefore);

    const merged = (await call('mergeSegments', { segmentIds: [a.id, b.id] })) as SegmentInfo;
    expect(merged.id).toBe(a.id);
    expect(merged.area).toBeGreaterThanOrEqual(Math.max(a.area, b.area));
    await call('deleteSegments', { segmentIds: [c.id] });
    const ids = (await s.api.listSegments({ imageId })).map((g) => g.id);
    expect(ids).not.toContain(b.id);
    expect(ids).not.toContain(c.id);
    await call('undo', undefined);
    await call('undo', undefined);
    expect(await s.api.listSegments({ imageId })).toEqual(segsBefore);
    await s.close();
  }, 120_000);
  it("keeps an encoding made elsewhere (the prompt worker's) once, for the open model and a photo of the folder only", async () => {
    const s = await open();
    const projectFile = (await s.api.getSummary())!.projectFile;
    const reader = ProjectStore.open(projectFile, { readOnly: true });
    const image = reader.listImages()[0];
    const entries = () => reader.embeddingCacheStats().entries;
    const embedding: ImageEmbedding = {
      data: new Float32Array(256 * 64 * 64).fill(0.5),
      channels: 256,
      gridH: 64,
      gridW: 64,
      transform: computeFrameTransform(image.width!, image.height!),
    };
    const key = { contentHash: image.contentHash, modelId: 'test-sam', preprocessVersion: 'elsewhere-test' };
    const before = entries();
    expect(s.cacheEmbedding({ ...key, modelId: 'test-sam2' }, embedding)).toBe(false);
    expect(s.cacheEmbedding({ ...key, contentHash: 'f'.repeat(64) }, embedding)).toBe(false);
    expect(entries()).toBe(before);
    expect(s.cacheEmbedding(key, embedding)).toBe(true);
    expect(entries()).toBe(before + 1);
    expect(s.cacheEmbedding(key, embedding)).toBe(false);
    expect(entries()).toBe(before + 1);
    reader.close();
    await s.close();
  });
});
