import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { parseModelDescriptor, readModelDescriptor } from './descriptor-read';
import { testModelDescriptor } from './testsam/generate';
import { testSam2Descriptor } from './testsam/generate-sam2';
import { testEdgeSamDescriptor } from './testsam/generate-edgesam';

const repoModels = resolve(new URL('.', import.meta.url).pathname, '../../../models');
const tmp = mkdtempSync(join(tmpdir(), 'samantic-descriptor-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A deep copy of the test-sam descriptor with one change applied. */
function mutated(change: (d: Record<string, any>) => void): unknown {
  const d = JSON.parse(JSON.stringify(testModelDescriptor())) as Record<string, any>;
  change(d);
  return d;
}

function errorOf(json: unknown): SamanticError {
  try {
    parseModelDescriptor(json, '/x/models/m/model.json');
  } catch (err) {
    expect(err).toBeInstanceOf(SamanticError);
    return err as SamanticError;
  }
  throw new Error('expected the descriptor to be rejected');
}

describe('model descriptors', () => {
  it('accepts the generated test-sam descriptor unchanged', () => {
    const d = parseModelDescriptor(JSON.parse(JSON.stringify(testModelDescriptor())), 'model.json');
    expect(d.encoder.flavour).toBe('nchw-normalized');
    expect(d.decoders.map((x) => [x.id, x.batched])).toEqual([
      ['batched', true],
      ['official', false],
    ]);
    expect(d.decoders[0].multimaskIndices).toEqual([1, 2, 3]);
  });

  it('accepts every descriptor committed under models/', () => {
    // Generated folders (ignored by git, written on first use) are not committed descriptors.
    const generated = ['test-sam', 'test-sam2', 'test-edgesam', 'sam-b-shape', 'mobile-sam-shape'];
    const ids = readdirSync(repoModels).filter(
      (n) => !n.startsWith('.') && !generated.includes(n) && existsSync(join(repoModels, n, 'model.json')),
    );
    expect(ids).toEqual(
      expect.arrayContaining([
        'sam-vit-b',
        'sam-vit-l',
        'sam-vit-h',
        'mobile-sam',
        'sam-vit-b-quant',
        'sam2.1-hiera-tiny',
        'sam2.1-hiera-small',
        'sam2.1-hiera-base-plus',
        'sam2.1-hiera-large',
        'edgesam',
        'efficientvit-sam-l0',
        'efficientvit-sam-l1',
        'efficientvit-sam-l2',
        'efficientvit-sam-xl0',
        'efficientvit-sam-xl1',
      ]),
    );
    for (const id of ids) {
      const d = readModelDescriptor(join(repoModels, id));
      expect(d.id).toBe(id);
      expect(d.speedClass).not.toBeNull();
      expect(d.paramsMillions).toBeGreaterThan(0);
      // Segment embeddings average a 64 x 64 grid of 256 channels in every family.
      expect(d.embedding).toEqual({ channels: 256, gridH: 64, gridW: 64 });
      if (d.family === 'sam2') {
        expect(d.notes).toContain('export_sam2.py');
        expect(d.encoder.resize).toBe('stretch');
        expect(d.encoder.extraOutputs.map((t) => [t.name, t.shape])).toEqual([
          ['high_res_feats_0', [1, 32, 256, 256]],
          ['high_res_feats_1', [1, 64, 128, 128]],
        ]);
        expect(d.decoders[0]).toMatchObject({ io: 'sam2-image', maskCount: 3, multimaskIndices: [0, 1, 2], singleMaskIndex: null });
      }
      // A hash is only recorded where the publisher lists one; every file says where it came from.
      for (const f of d.download?.files ?? []) if (f.sha256 === null) expect(f.note).toBeTruthy();
      if (d.decoders.some((x) => x.io === 'sam-points')) {
        expect(d.notes).toContain('export');
        expect(d.decoders[0]).toMatchObject({ maskCount: 4, singleMaskIndex: 0, multimaskIndices: [1, 2, 3], outputs: { masks: null } });
      }
      // A model without published ONNX files (EfficientViT-SAM) says how to export them instead.
      if (d.download === null) expect(d.notes).toMatch(/export_encoder\.py.*export_decoder\.py/);
      else expect(d.download.files.length).toBeGreaterThan(0);
      for (const f of d.download?.files ?? []) expect(f.url).toMatch(/^https:\/\//);
    }
    // vit_h keeps its weights in an external data file, which must be downloaded too.
    const h = readModelDescriptor(join(repoModels, 'sam-vit-h'));
    expect(h.encoder.externalData).toEqual(['sam_vit_h_4b8939.encoder_data.bin']);
    expect(h.download?.files.map((f) => f.file)).toContain('sam_vit_h_4b8939.encoder_data.bin');
    // MobileSAM reuses SAM vit_h's decoder.
    expect(readModelDescriptor(join(repoModels, 'mobile-sam')).decoders[0].file).toBe(h.decoders[0].file);
  });

  it('defaults the family to sam1 and accepts the generated test-sam2 descriptor', () => {
    const old = mutated((d) => {
      delete d.family;
      delete d.encoder.resize;
      delete d.encoder.extraOutputs;
      for (const x of d.decoders) delete x.highResInputs;
    });
    const d = parseModelDescriptor(old, 'model.json');
    expect([d.family, d.encoder.resize, d.encoder.extraOutputs, d.decoders[0].highResInputs]).toEqual(['sam1', 'longest-side', [], []]);
    const s2 = parseModelDescriptor(JSON.parse(JSON.stringify(testSam2Descriptor())), 'model.json');
    expect(s2.family).toBe('sam2');
    expect(s2.decoders[0].inputs.origImSize).toBeNull();
    expect(s2.decoders[0].outputs.masks).toBeNull();
  });

  it('accepts the generated test-edgesam descriptor: a SAM 1 model with a points-only decoder', () => {
    const d = parseModelDescriptor(JSON.parse(JSON.stringify(testEdgeSamDescriptor())), 'model.json');
    expect(d.family).toBe('sam1');
    expect(d.decoders[0].io).toBe('sam-points');
    expect(d.decoders[0].inputs).toMatchObject({ maskInput: null, hasMaskInput: null, origImSize: null });
  });

  const edge = (change: (d: any) => void) => {
    const d = JSON.parse(JSON.stringify(testEdgeSamDescriptor())) as Record<string, any>;
    change(d);
    return d;
  };

  it.each([
    [
      'a points-only decoder naming a mask input',
      edge((d) => (d.decoders[0].inputs.maskInput = 'mask_input')),
      'decoders[0].inputs.maskInput',
    ],
    [
      'a points-only decoder naming orig_im_size',
      edge((d) => (d.decoders[0].inputs.origImSize = 'orig_im_size')),
      'decoders[0].inputs.origImSize',
    ],
    [
      'a points-only decoder with high-res inputs',
      edge((d) => (d.decoders[0].highResInputs = ['high_res_feats_0'])),
      'decoders[0].highResInputs',
    ],
    ['an official decoder without mask_input', mutated((d) => (d.decoders[0].inputs.maskInput = null)), 'decoders[0].inputs.maskInput'],
    [
      'an official decoder without has_mask_input',
      mutated((d) => (d.decoders[1].inputs.hasMaskInput = null)),
      'decoders[1].inputs.hasMaskInput',
    ],
    ['a points-only decoder in a SAM 2 model', edge((d) => (d.family = 'sam2')), 'decoders[0].io'],
  ])('rejects %s (the sam-points contract)', (_what, json, field) => {
    const err = errorOf(json);
    expect(err.code).toBe('model-invalid');
    expect(err.message).toContain(`"${field}"`);
  });

  const sam2 = (change: (d: any) => void) => {
    const d = JSON.parse(JSON.stringify(testSam2Descriptor())) as Record<string, any>;
    change(d);
    return d;
  };

  it.each([
    ['an unknown family', sam2((d) => (d.family = 'sam3')), 'family', '"sam1", "sam2"'],
    ['a SAM 1 decoder in a SAM 2 model', sam2((d) => (d.decoders[0].io = 'sam-official')), 'decoders[0].io', 'must be "sam2-image"'],
    [
      'a SAM 2 decoder without high-res inputs',
      sam2((d) => (d.decoders[0].highResInputs = [])),
      'decoders[0].highResInputs',
      'high_res_feats_0',
    ],
    [
      'a high-res input the encoder does not produce',
      sam2((d) => (d.encoder.extraOutputs = d.encoder.extraOutputs.slice(0, 1))),
      'decoders[0].highResInputs[1]',
      'not among encoder.extraOutputs',
    ],
    ['an unknown resize', sam2((d) => (d.encoder.resize = 'crop')), 'encoder.resize', '"longest-side", "stretch"'],
    ['an unknown speed class', sam2((d) => (d.speedClass = 'quick')), 'speedClass', '"fast"'],
    ['a negative parameter count', sam2((d) => (d.paramsMillions = -3)), 'paramsMillions', 'positive number'],
    [
      'a bad extra output shape',
      sam2((d) => (d.encoder.extraOutputs[0].shape = [1, 0])),
      'encoder.extraOutputs[0].shape[1]',
      'positive integer',
    ],
    [
      'a SAM 1 decoder without orig_im_size',
      mutated((d) => (d.decoders[0].inputs.origImSize = null)),
      'decoders[0].inputs.origImSize',
      'orig_im_size',
    ],
    ['a SAM 2 decoder in a SAM 1 model', mutated((d) => (d.decoders[0].io = 'sam2-image')), 'decoders[0].io', 'must be "sam-official"'],
    [
      'an upper-case sha256',
      mutated(
        (d) => (d.download = { files: [{ file: 'a.onnx', url: 'https://example.org/a', bytes: 1, sha256: 'A'.repeat(64) }], notes: '' }),
      ),
      'download.files[0].sha256',
      '64 lower-case hex',
    ],
  ])('rejects %s (families and contracts)', (_what, json, field, hint) => {
    const err = errorOf(json);
    expect(err.code).toBe('model-invalid');
    expect(err.message).toContain(`"${field}"`);
    expect(err.message).toContain(hint);
  });

  it.each([
    ['a missing encoder file', (d: any) => delete d.encoder.file, 'encoder.file', 'non-empty string'],
    ['an unknown flavour', (d: any) => (d.encoder.flavour = 'nhwc'), 'encoder.flavour', '"nchw-normalized", "hwc-raw"'],
    [
      'a multimask token beyond maskCount',
      (d: any) => (d.decoders[1].multimaskIndices = [1, 2, 4]),
      'decoders[1].multimaskIndices[2]',
      'from 0 to 3',
    ],
    ['a file path instead of a name', (d: any) => (d.decoders[0].file = '../x.onnx'), 'decoders[0].file', 'plain file name'],
    ['a bad shape entry', (d: any) => (d.encoder.input.shape = [1, 3, 0, 1024]), 'encoder.input.shape[2]', 'positive integer'],
    ['a wrong format tag', (d: any) => (d.format = 'other/2'), 'format', 'samantic-model/1'],
    ['no decoders', (d: any) => (d.decoders = []), 'decoders', 'at least one'],
    ['duplicate decoder ids', (d: any) => (d.decoders[1].id = 'batched'), 'decoders[1].id', 'unique'],
    [
      'a short sha256',
      (d: any) => (d.download = { files: [{ file: 'a.onnx', url: 'https://example.org/a', bytes: 1, sha256: 'abc' }], notes: '' }),
      'download.files[0].sha256',
      '64 lower-case hex',
    ],
    [
      'a plain http URL',
      (d: any) => (d.download = { files: [{ file: 'a.onnx', url: 'http://example.org/a', bytes: null, sha256: null }], notes: '' }),
      'download.files[0].url',
      'https://',
    ],
  ])('rejects %s, naming the file and the field', (_what, change, field, hint) => {
    const err = errorOf(mutated(change));
    expect(err.code).toBe('model-invalid');
    expect(err.message).toContain('/x/models/m/model.json');
    expect(err.message).toContain(`"${field}"`);
    expect(err.message).toContain(hint);
  });

  it('reports a missing model.json as model-missing and broken JSON as model-invalid', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect(() => readModelDescriptor(empty)).toThrow(expect.objectContaining({ code: 'model-missing' }));
    const broken = join(tmp, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{ "format": ');
    let caught: unknown;
    try {
      readModelDescriptor(broken);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'model-invalid' });
    expect((caught as Error).message).toContain(join(broken, 'model.json'));
    expect((caught as Error).message).toContain('not valid JSON');
  });
});
