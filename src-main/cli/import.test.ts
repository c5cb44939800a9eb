// `samantic import` and `samantic export` on bad input: one clear message naming the file and the
// annotation, no stack trace, and the project exactly as it was.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../core/store/project-store';
import { runSamantic } from './run-cli.testing';

const W = 64;
const H = 48;
let root: string;
let folder: string;

function samantic(args: string[]) {
  return runSamantic(root, args);
}

/** Everything an import could change. */
function snapshot() {
  const store = ProjectStore.open(ProjectStore.defaultPath(folder), { create: false });
  try {
    return {
      counts: store.counts(),
      classes: store.listClasses().map((c) => [c.name, c.segmentCount]),
      segments: store.listSegments().map((s) => [s.id, s.imageId, s.classId, s.area, s.source]),
      images: store.listImages().map((i) => [i.relPath, i.status]),
    };
  } finally {
    store.close();
  }
}

const square = (x: number, y: number, s: number) => [x, y, x + s, y, x + s, y + s, x, y + s];

function coco(extra: object[] = [], images = [{ id: 1, file_name: 'a.png', width: W, height: H }]) {
  return {
    images,
    categories: [
      { id: 1, name: 'cat' },
      { id: 2, name: 'dog' },
    ],
    annotations: [
      { id: 10, image_id: 1, category_id: 1, segmentation: [square(4, 4, 20)], bbox: [4, 4, 20, 20], area: 400, iscrowd: 0 },
      { id: 11, image_id: 1, category_id: 2, segmentation: [square(30, 10, 16)], bbox: [30, 10, 16, 16], area: 256, iscrowd: 0 },
      ...extra,
    ],
  };
}

function write(name: string, data: unknown): string {
  const file = join(root, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
}

function expectRefused(r: ReturnType<typeof samantic>, ...parts: (string | RegExp)[]) {
  expect(r.code).toBe(1);
  for (const p of parts) expect(r.stderr).toMatch(p);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-import-'));
  folder = join(root, 'photos');
  mkdirSync(folder);
  for (const [name, colour] of [
    ['a.png', '#884422'],
    ['b.png', '#224488'],
  ]) {
    await sharp({ create: { width: W, height: H, channels: 3, background: colour } })
      .png()
      .toFile(join(folder, name));
  }
  // b.png is listed without annotations: labelled as holding nothing.
  const listed = [
    { id: 1, file_name: 'a.png', width: W, height: H },
    { id: 2, file_name: 'b.png', width: W, height: H },
  ];
  const r = samantic(['import', folder, '--coco', write('good.json', coco([], listed)), '--model', 'test-sam', '--device', 'cpu']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/imported 2 annotations on 2 images/);
  expect(r.stdout).toMatch(/new classes: cat, dog/);
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('samantic import: bad input changes nothing', () => {
  const cases: [string, object, RegExp][] = [
    [
      'polygon of 2 points',
      { id: 101, image_id: 1, category_id: 1, segmentation: [[1, 1, 5, 5]] },
      /annotation id 101: polygon 0 has 2 points; a polygon needs at least 3/,
    ],
    [
      'RLE of another size',
      { id: 102, image_id: 1, category_id: 1, segmentation: { size: [10, 10], counts: [10, 5, 85] } },
      /annotation id 102: its RLE is 10x10 \(width x height\) but the image is 64x48/,
    ],
    [
      'unknown category id',
      { id: 103, image_id: 1, category_id: 9, segmentation: [square(1, 1, 5)] },
      /annotation id 103: category_id 9 is not among the file's categories/,
    ],
    [
      'bbox outside the image',
      { id: 104, image_id: 1, category_id: 1, segmentation: [square(1, 1, 5)], bbox: [50, 40, 30, 30] },
      /annotation id 104: bbox \[50,40,30,30\] lies outside the 64x48 image/,
    ],
  ];
  for (const [what, ann, message] of cases) {
    it(`refuses a ${what}, naming the file and the annotation`, () => {
      const before = snapshot();
      const file = write(`bad-${(ann as { id: number }).id}.json`, coco([ann]));
      const r = samantic(['import', folder, '--coco', file]);
      expectRefused(r, file, message, /changed nothing/, /--skip-bad/);
      expect(snapshot()).toEqual(before);
    });
  }

  it('--skip-bad imports the good annotations and lists the bad one', () => {
    const before = snapshot();
    const file = write('mixed.json', coco([{ id: 105, image_id: 1, category_id: 1, segmentation: [[1, 1, 5, 5]] }]));
    const r = samantic(['import', folder, '--coco', file, '--skip-bad']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/imported 2 annotations on 1 images/);
    expect(r.stdout).toMatch(/left out .*mixed\.json: a\.png, annotation id 105: polygon 0 has 2 points/);
    expect(r.stdout).toMatch(/added to existing classes: cat, dog/);
    expect(snapshot().counts.segments).toBe(before.counts.segments + 2);
  }, 120_000);

  it('reports and skips images the folder lacks', () => {
    const file = write('missing.json', coco([], [{ id: 1, file_name: 'gone.png', width: W, height: H }]));
    const before = snapshot();
    const r = samantic(['import', folder, '--coco', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped 1 image\(s\) named in the file but not in .*: gone\.png/);
    expect(snapshot()).toEqual(before);
  });

  it('refuses a file that is not JSON, a labelme polygon of 2 points, and YOLO lines out of range', () => {
    const before = snapshot();
    const broken = write('broken.json', '{ "images": [');
    expectRefused(samantic(['import', folder, '--coco', broken]), broken, /is not valid JSON/);
    const lm = join(root, 'labelme');
    mkdirSync(lm);
    writeFileSync(
      join(lm, 'a.json'),
      JSON.stringify({
        version: '5.4.1',
        flags: {},
        imagePath: '../photos/a.png',
        imageData: null,
        imageHeight: H,
        imageWidth: W,
        shapes: [
          {
            label: 'cat',
            points: [
              [1, 1],
              [5, 5],
            ],
            group_id: null,
            shape_type: 'polygon',
            flags: {},
          },
        ],
      }),
    );
    expectRefused(
      samantic(['import', folder, '--labelme', lm]),
      join(lm, 'a.json'),
      /a\.json: \.\.\/photos\/a\.png, shape 0: polygon of 2 points/,
    );
    const yolo = join(root, 'yolo');
    mkdirSync(join(yolo, 'labels', 'train'), { recursive: true });
    writeFileSync(join(yolo, 'data.yaml'), 'names:\n  0: cat\n');
    writeFileSync(join(yolo, 'labels', 'train', 'a.txt'), '3 0.1 0.1 0.2 0.1 0.2 0.2\n0 0.1 0.1 1.5 0.1 0.2 0.2\n');
    const y = samantic(['import', folder, '--yolo-seg', yolo]);
    expectRefused(
      y,
      join(yolo, 'labels', 'train', 'a.txt'),
      /line 1: class index 3 is not in data\.yaml's names/,
      /line 2: coordinates outside \[0, 1\]/,
    );
    expect(snapshot()).toEqual(before);
  });
});

describe('samantic export: options and bad input', () => {
  it('writes YOLO with a split and refuses bad options without touching anything', () => {
    const out = join(root, 'yolo-out');
    const r = samantic(['export', folder, '--format', 'yolo-seg', '--out', out, '--split', '0.5,0.5', '--seed', '2']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/yolo-seg: 2 images, \d+ instances, 2 classes; train 1, val 1/);
    expect(readFileSync(join(out, 'data.yaml'), 'utf8')).toMatch(/names:\n\s+"?0"?: cat\n\s+"?1"?: dog/);
    expectRefused(samantic(['export', folder, '--format', 'yolo', '--out', out]), /--format must be one of coco, yolo-seg, masks, labelme/);
    expectRefused(samantic(['export', folder, '--out', out, '--split', '0.5,0.2']), /adds up to 0.7/);
    expectRefused(samantic(['export', folder, '--format', 'masks', '--out', folder]), /not a Samantic export/);
    expectRefused(samantic(['export', folder, '--format', 'masks', '--out', out, '--rle']), /do not apply to --format masks/);
    expect(samantic(['export', '--help']).stdout).toMatch(/--format coco\|yolo-seg\|masks\|labelme/);
    expect(samantic(['import', '--help']).stdout).toMatch(/--skip-bad/);
  });
});
