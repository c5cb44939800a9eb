import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rasterizePolygons } from '../coco/geometry';
import { compressRle } from '../coco/rle';
import { maskToRle, rleArea } from '../mask';
import { planImport, polygonsToRle } from './plan';
import { readAnnotations } from './index';

let root: string;
let folder: string;
const project = [
  { id: 1, relPath: 'a.jpg', width: 40, height: 30 },
  { id: 2, relPath: 'sub/b.png', width: 40, height: 30 },
];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'samantic-importers-'));
  folder = join(root, 'photos');
  mkdirSync(join(folder, 'sub'), { recursive: true });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('polygonsToRle', () => {
  it('gives the same pixels as rasterising the whole image', () => {
    const polys = [
      [3.2, 4.7, 20.5, 2, 25, 17.4, 6, 22],
      [30, 20, 39.5, 21, 35, 29.9],
    ];
    const full = maskToRle({ width: 40, height: 30, data: rasterizePolygons(polys, 40, 30) });
    expect(polygonsToRle(polys, 40, 30)).toEqual(full);
  });
});

describe('readers and the import plan', () => {
  it('COCO: polygons and RLE become masks; each bad annotation is listed with its id', () => {
    const rle = maskToRle({ width: 40, height: 30, data: rasterizePolygons([[0, 0, 10, 0, 10, 10, 0, 10]], 40, 30) });
    const file = join(root, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({
        images: [
          { id: 7, file_name: 'a.jpg', width: 40, height: 30 },
          { id: 8, file_name: 'gone.jpg', width: 40, height: 30 },
        ],
        categories: [{ id: 3, name: 'cup' }],
        annotations: [
          { id: 1, image_id: 7, category_id: 3, segmentation: [[0, 0, 10, 0, 10, 10]] },
          { id: 2, image_id: 7, category_id: 3, segmentation: compressRle(rle) },
          { id: 3, image_id: 7, category_id: 4, segmentation: [[0, 0, 10, 0, 10, 10]] },
          { id: 4, image_id: 7, category_id: 3, segmentation: [[0, 0, 10, 0]] },
          { id: 5, image_id: 7, category_id: 3, segmentation: { size: [30, 41], counts: [1230] } },
          { id: 6, image_id: 7, category_id: 3, segmentation: [[0, 0, 10, 0, 10, 10]], bbox: [30, 0, 20, 5] },
          { id: 7, image_id: 99, category_id: 3, segmentation: [[0, 0, 10, 0, 10, 10]] },
          { id: 8, image_id: 8, category_id: 3, segmentation: [[0, 0, 10, 0, 10, 10]] },
        ],
      }),
    );
    const plan = planImport(readAnnotations('coco', file, folder), project);
    expect(plan.instances.map((i) => i.ref)).toEqual(['annotation id 1', 'annotation id 2']);
    // Pixels whose centre is in the triangle (x >= y: centres on the diagonal count): 10 + 9 + ... + 1.
    expect(plan.instances[0].area).toBe(55);
    expect(plan.instances[1].rle).toEqual(rle);
    expect(plan.missingImages).toEqual([{ name: 'gone.jpg', file }]);
    expect(plan.problems.map((p) => p.ref)).toEqual([
      'annotation id 3',
      'annotation id 4',
      'annotation id 5',
      'annotation id 6',
      'annotation id 7',
    ]);
    expect(plan.problems[1].message).toMatch(/2 points; a polygon needs at least 3/);
    expect(plan.problems[2].message).toMatch(/RLE is 41x30 .* image is 40x30/);
    expect(plan.problems[3].message).toMatch(/bbox \[30,0,20,5\] lies outside/);
    expect(plan.problems[4].message).toMatch(/image_id 99 is not among the file's images/);
  });

  it('labelme: shapes of one group_id are one instance; rectangles become masks; imagePath is relative to the json', () => {
    const dir = join(root, 'lm');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'b.json'),
      JSON.stringify({
        imagePath: '../photos/sub/b.png',
        imageWidth: 40,
        imageHeight: 30,
        shapes: [
          {
            label: 'cup',
            points: [
              [0, 0],
              [4, 0],
              [4, 4],
            ],
            group_id: 1,
            shape_type: 'polygon',
          },
          {
            label: 'cup',
            points: [
              [20, 20],
              [30, 20],
              [30, 30],
              [20, 30],
            ],
            group_id: 1,
            shape_type: 'polygon',
          },
          {
            label: 'box',
            points: [
              [10, 10],
              [15, 12],
            ],
            group_id: null,
            shape_type: 'rectangle',
          },
        ],
      }),
    );
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ images: [] }));
    const doc = readAnnotations('labelme', dir, folder);
    expect(doc.categories).toEqual(['cup', 'box']);
    const plan = planImport(doc, project);
    expect(plan.problems).toEqual([]);
    expect(plan.instances.map((i) => [i.relPath, i.className, i.area])).toEqual([
      ['sub/b.png', 'cup', 4 + 3 + 2 + 1 + 100],
      ['sub/b.png', 'box', 10],
    ]);
  });

  it('YOLO: names from data.yaml, a label finds its photo by path without extension', () => {
    const dir = join(root, 'yolo');
    mkdirSync(join(dir, 'labels', 'val', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'data.yaml'), 'path: x\ntrain: images/train\nval: images/val\nnames: [cup, box]\n');
    writeFileSync(join(dir, 'labels', 'val', 'sub', 'b.txt'), '1 0 0 0.5 0 0.5 0.5 0 0.5\n');
    const plan = planImport(readAnnotations('yolo-seg', dir, folder), project);
    expect(plan.problems).toEqual([]);
    expect(plan.instances).toHaveLength(1);
    expect(plan.instances[0]).toMatchObject({ imageId: 2, className: 'box', area: 20 * 15 });
    expect(plan.images.get(2)).toBe('val');
    expect(rleArea(plan.instances[0].rle)).toBe(300);
  });
});
