// The numbers the CLI prints add up and agree with each other: `label`'s summary, `classes`' last
// line and the export count the same segments; progress shows from the first image; the default
// `--device auto` says at most one thing about execution providers on a machine without a GPU.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePizzaFolder } from '../tools/synth/writer';
import { runSamantic } from './run-cli.testing';
import { plural, segmentSentence, tallySegments } from './summary';

let root: string;
let folder: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'samantic-summary-'));
  folder = join(root, 'pizzas');
  await writePizzaFolder(folder, { count: 3, seed: 7, width: 320, height: 240 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('segment summary', () => {
  it('says singular and plural right and what is not exported', () => {
    expect(plural(1, 'class', 'classes')).toBe('1 class');
    expect(plural(0, 'segment')).toBe('0 segments');
    expect(
      segmentSentence(tallySegments(155, [{ segmentCount: 60 }, { segmentCount: 46 }, { segmentCount: 0 }, { segmentCount: 0 }])),
    ).toBe('155 segments: 106 in 4 classes, 49 unassigned (not exported)');
    expect(segmentSentence(tallySegments(1, [{ segmentCount: 1 }]))).toBe('1 segment: 1 in 1 class');
  });
});

describe('samantic label, classes and export agree', () => {
  it('label prints progress from the first image, one provider line at most, and a summary that adds up', () => {
    const out = join(root, 'coco.json');
    // No --device: the default auto choice, as a user on a machine without a GPU runs it.
    const run = runSamantic(root, ['label', folder, '--out', out, '--model', 'test-sam', '--points-per-side', '12']);
    expect(run.code, run.stderr).toBe(0);

    const about = run.stderr.split('\n').filter((l) => /provider|webgpu|cuda|vulkan|dawn|XDG_RUNTIME_DIR|dml|coreml/i.test(l));
    expect(about.length, about.join('\n')).toBeLessThanOrEqual(1);
    // "image 1/3 ...: decode" comes before the first image is done ("1/3 33% ...").
    const lines = run.stderr.split('\n');
    const started = lines.findIndex((l) => /^image 1\/3 \S+: /.test(l));
    const finished = lines.findIndex((l) => /^1\/3 /.test(l));
    expect(started).toBeGreaterThanOrEqual(0);
    expect(started).toBeLessThan(finished);

    const m = /^(\d+) segments?: (\d+) in (\d+) class(?:es)?(?:, (\d+) unassigned \(not exported\))?/m.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    const [segments, assigned, classCount, unassigned] = [Number(m![1]), Number(m![2]), Number(m![3]), Number(m![4] ?? 0)];
    expect(assigned + unassigned).toBe(segments);
    const wrote = /\((\d+) images?, (\d+) annotations?, (\d+) categor(?:y|ies)\)/.exec(run.stdout);
    expect(Number(wrote![2])).toBe(assigned);
    const coco = JSON.parse(readFileSync(out, 'utf8')) as { annotations: unknown[] };
    expect(coco.annotations).toHaveLength(assigned);
    expect(run.stdout).not.toMatch(/\b1 (classes|images|segments|annotations|categories)\b/);

    // `samantic classes` lists the same classes and ends with the same sentence.
    const classes = runSamantic(root, ['classes', folder]);
    expect(classes.code, classes.stderr).toBe(0);
    const rows = classes.stdout.split('\n').filter((l) => /^\s+\d+\s+#/.test(l));
    expect(rows).toHaveLength(classCount);
    const listed = rows.reduce((n, l) => n + Number(/(\d+) segments/.exec(l)![1]), 0);
    expect(listed).toBe(assigned);
    expect(classes.stdout.trimEnd().split('\n').at(-1)).toBe(m![0]);

    // And the export command writes exactly the assigned segments too.
    const exported = runSamantic(root, ['export', folder, '--out', join(root, 'again.json')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((JSON.parse(readFileSync(join(root, 'again.json'), 'utf8')) as { annotations: unknown[] }).annotations).toHaveLength(assigned);
  }, 300_000);

  it('classes recluster --granularity asks for fewer or more classes and refuses nonsense', () => {
    const before = runSamantic(root, ['classes', folder])
      .stdout.split('\n')
      .filter((l) => /^\s+\d+\s+#/.test(l)).length;
    const more = runSamantic(root, ['classes', folder, 'recluster', '--granularity', 'more']);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stdout.split('\n').filter((l) => /^\s+\d+\s+#/.test(l)).length).toBeGreaterThan(before);
    const bad = runSamantic(root, ['classes', folder, 'recluster', '--granularity', 'lots']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--granularity must be fewer, more or a number/);
  }, 300_000);
});
