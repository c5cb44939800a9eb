// Reading models/<id>/model.json: validation of untrusted content into descriptor.ts's types. Every
// error names the file, the field's path and what to do. The family fixes which decoder contracts
// are allowed (checkContract).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SamanticError } from '../errors';
import {
  DECODER_IOS,
  DESCRIPTOR_FORMAT,
  ENCODER_FLAVOURS,
  ENCODER_RESIZES,
  MODEL_FAMILIES,
  SPEED_CLASSES,
  type DecoderIo,
  type DecoderSpec,
  type Dim,
  type DownloadFile,
  type ModelDescriptor,
  type ModelFamily,
  type TensorSpec,
  DESCRIPTOR_FILE,
} from './descriptor';

/** Walks untrusted JSON and reports the first problem with the file and the field's path. */
class Reader {
  constructor(
    private readonly file: string,
    private readonly fix: string,
  ) {}

  fail(path: string, problem: string): never {
    throw new SamanticError('model-invalid', `${this.file}: field "${path}" ${problem}. ${this.fix}`);
  }

  obj(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, `must be an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  }

  str(o: Record<string, unknown>, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v.length === 0) this.fail(`${path}${key}`, `must be a non-empty string, got ${describe(v)}`);
    return v;
  }

  int(o: Record<string, unknown>, key: string, path: string, min = 0): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      this.fail(`${path}${key}`, `must be an integer >= ${min}, got ${describe(v)}`);
    return v;
  }

  bool(o: Record<string, unknown>, key: string, path: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') this.fail(`${path}${key}`, `must be true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Record<string, unknown>, key: string, path: string, allowed: readonly T[]): T {
    const v = o[key];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(`${path}${key}`, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  arr(o: Record<string, unknown>, key: string, path: string): unknown[] {
    const v = o[key];
    if (!Array.isArray(v)) this.fail(`${path}${key}`, `must be an array, got ${describe(v)}`);
    return v;
  }

  positive(o: Record<string, unknown>, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(`${path}${key}`, `must be a positive number, got ${describe(v)}`);
    return v;
  }

  numbers3(o: Record<string, unknown>, key: string, path: string): [number, number, number] {
    const a = this.arr(o, key, path);
    if (a.length !== 3 || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      this.fail(`${path}${key}`, `must be 3 finite numbers (R, G, B), got ${describe(a)}`);
    }
    return a as [number, number, number];
  }

  fileName(o: Record<string, unknown>, key: string, path: string): string {
    const v = this.str(o, key, path);
    if (v.includes('/') || v.includes('\\') || v === '.' || v === '..')
      this.fail(`${path}${key}`, `must be a plain file name inside the model folder, got "${v}"`);
    return v;
  }

  tensor(v: unknown, path: string): TensorSpec {
    const o = this.obj(v, path);
    const shape = this.arr(o, 'shape', `${path}.`);
    shape.forEach((d, i) => {
      const ok = (typeof d === 'number' && Number.isInteger(d) && d > 0) || (typeof d === 'string' && d.length > 0);
      if (!ok) this.fail(`${path}.shape[${i}]`, `must be a positive integer or a dimension name, got ${describe(d)}`);
    });
    return {
      name: this.str(o, 'name', `${path}.`),
      dtype: this.oneOf(o, 'dtype', `${path}.`, ['float32'] as const),
      shape: shape as Dim[],
    };
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseDecoder(r: Reader, v: unknown, path: string): DecoderSpec {
  const o = r.obj(v, path);
  const p = `${path}.`;
  const ins = r.obj(o.inputs, `${p}inputs`);
  const outs = r.obj(o.outputs, `${p}outputs`);
  const maskCount = r.int(o, 'maskCount', p, 1);
  const token = (x: unknown, at: string) => {
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= maskCount)
      r.fail(at, `must be a mask token index from 0 to ${maskCount - 1}, got ${describe(x)}`);
    return x;
  };
  const multimask = r.arr(o, 'multimaskIndices', p).map((x, i) => token(x, `${p}multimaskIndices[${i}]`));
  return {
    id: r.str(o, 'id', p),
    file: r.fileName(o, 'file', p),
    io: r.oneOf(o, 'io', p, DECODER_IOS),
    batched: r.bool(o, 'batched', p),
    inputs: {
      imageEmbeddings: r.str(ins, 'imageEmbeddings', `${p}inputs.`),
      pointCoords: r.str(ins, 'pointCoords', `${p}inputs.`),
      pointLabels: r.str(ins, 'pointLabels', `${p}inputs.`),
      maskInput: ins.maskInput === null ? null : r.str(ins, 'maskInput', `${p}inputs.`),
      hasMaskInput: ins.hasMaskInput === null ? null : r.str(ins, 'hasMaskInput', `${p}inputs.`),
      origImSize: ins.origImSize === null ? null : r.str(ins, 'origImSize', `${p}inputs.`),
    },
    outputs: {
      masks: outs.masks === null ? null : r.str(outs, 'masks', `${p}outputs.`),
      iouPredictions: r.str(outs, 'iouPredictions', `${p}outputs.`),
      lowResMasks: r.str(outs, 'lowResMasks', `${p}outputs.`),
    },
    highResInputs: (o.highResInputs === undefined ? [] : r.arr(o, 'highResInputs', p)).map((x, i) => {
      if (typeof x !== 'string' || x.length === 0) r.fail(`${p}highResInputs[${i}]`, `must be a non-empty string, got ${describe(x)}`);
      return x;
    }),
    maskCount,
    singleMaskIndex: o.singleMaskIndex === null ? null : token(o.singleMaskIndex, `${p}singleMaskIndex`),
    multimaskIndices: multimask,
    lowResSize: r.int(o, 'lowResSize', p, 1),
  };
}

/** Which decoder contracts a family's encoder can feed. */
const FAMILY_IOS: Record<ModelFamily, readonly DecoderIo[]> = { sam1: ['sam-official', 'sam-points'], sam2: ['sam2-image'] };

/**
 * A family fixes the allowed decoder contracts: SAM 1 models drive 'sam-official' or 'sam-points'
 * decoders, SAM 2 models 'sam2-image' ones, whose high-resolution inputs must be outputs of the
 * encoder. Each contract fixes which of the optional inputs exist.
 */
function checkContract(r: Reader, family: ModelFamily, d: DecoderSpec, path: string, extraOutputs: TensorSpec[]): void {
  const allowed = FAMILY_IOS[family];
  if (!allowed.includes(d.io))
    r.fail(`${path}.io`, `must be ${allowed.map((a) => `"${a}"`).join(' or ')} for a model of family "${family}", got "${d.io}"`);
  const hasMask = d.inputs.maskInput !== null && d.inputs.hasMaskInput !== null;
  if (d.io === 'sam-points') {
    for (const key of ['maskInput', 'hasMaskInput', 'origImSize'] as const) {
      if (d.inputs[key] !== null)
        r.fail(`${path}.inputs.${key}`, 'must be null for a "sam-points" decoder (it takes points and labels only)');
    }
  } else if (!hasMask) {
    const key = d.inputs.maskInput === null ? 'maskInput' : 'hasMaskInput';
    r.fail(`${path}.inputs.${key}`, `must name the decoder's input for a "${d.io}" decoder (null only for "sam-points")`);
  }
  if (d.io !== 'sam2-image') {
    if (d.io === 'sam-official' && d.inputs.origImSize === null)
      r.fail(`${path}.inputs.origImSize`, 'must name the orig_im_size input of an official SAM decoder');
    if (d.highResInputs.length > 0)
      r.fail(`${path}.highResInputs`, `must be empty for a "${d.io}" decoder (it takes no high-resolution features)`);
    return;
  }
  if (d.highResInputs.length === 0)
    r.fail(`${path}.highResInputs`, 'must list the high-resolution feature inputs of a SAM 2 decoder (high_res_feats_0, high_res_feats_1)');
  const names = extraOutputs.map((t) => t.name);
  d.highResInputs.forEach((name, i) => {
    if (!names.includes(name))
      r.fail(
        `${path}.highResInputs[${i}]`,
        `"${name}" is not among encoder.extraOutputs (${names.join(', ') || 'none'}); the encoder must produce every feature map the decoder takes`,
      );
  });
}

function parseDownload(r: Reader, v: unknown): ModelDescriptor['download'] {
  if (v === null || v === undefined) return null;
  const o = r.obj(v, 'download');
  const files = r.arr(o, 'files', 'download.').map((f, i): DownloadFile => {
    const p = `download.files[${i}].`;
    const fo = r.obj(f, `download.files[${i}]`);
    const url = r.str(fo, 'url', p);
    if (!/^https:\/\//.test(url)) r.fail(`${p}url`, `must be an https:// URL, got "${url}"`);
    const bytes = fo.bytes === null ? null : r.int(fo, 'bytes', p, 1);
    let sha256: string | null = null;
    if (fo.sha256 !== null) {
      sha256 = r.str(fo, 'sha256', p);
      if (!/^[0-9a-f]{64}$/.test(sha256)) r.fail(`${p}sha256`, `must be 64 lower-case hex digits or null, got "${sha256}"`);
    }
    const note = fo.note === undefined ? undefined : r.str(fo, 'note', p);
    return { file: r.fileName(fo, 'file', p), url, bytes, sha256, ...(note ? { note } : {}) };
  });
  return { files, notes: typeof o.notes === 'string' ? o.notes : '' };
}

/**
 * Validates parsed JSON as a model descriptor. `file` names the source in errors; every error says
 * which field is wrong and what to do.
 */
export function parseModelDescriptor(json: unknown, file: string): ModelDescriptor {
  const r = new Reader(file, 'Fix the file (see models/README.md for the format) or delete the folder and download the model again.');
  const o = r.obj(json, '(top level)');
  if (o.format !== DESCRIPTOR_FORMAT) r.fail('format', `must be "${DESCRIPTOR_FORMAT}", got ${describe(o.format)}`);
  const emb = r.obj(o.embedding, 'embedding');
  const enc = r.obj(o.encoder, 'encoder');
  const decoders = r.arr(o, 'decoders', '').map((d, i) => parseDecoder(r, d, `decoders[${i}]`));
  if (decoders.length === 0) r.fail('decoders', 'must list at least one decoder');
  const ids = new Set<string>();
  decoders.forEach((d, i) => {
    if (ids.has(d.id)) r.fail(`decoders[${i}].id`, `repeats "${d.id}"; decoder ids must be unique`);
    ids.add(d.id);
  });
  let generator: ModelDescriptor['generator'] = null;
  if (o.generator !== null && o.generator !== undefined) {
    const go = r.obj(o.generator, 'generator');
    generator = { name: r.str(go, 'name', 'generator.'), version: r.int(go, 'version', 'generator.', 1) };
    if (go.fingerprint !== undefined) generator.fingerprint = r.str(go, 'fingerprint', 'generator.');
  }
  const family = o.family === undefined ? 'sam1' : r.oneOf(o, 'family', '', MODEL_FAMILIES);
  const extraOutputs = (enc.extraOutputs === undefined ? [] : r.arr(enc, 'extraOutputs', 'encoder.')).map((t, i) =>
    r.tensor(t, `encoder.extraOutputs[${i}]`),
  );
  decoders.forEach((d, i) => checkContract(r, family, d, `decoders[${i}]`, extraOutputs));
  const paramsMillions = o.paramsMillions === undefined || o.paramsMillions === null ? null : r.positive(o, 'paramsMillions', '');
  const speedClass = o.speedClass === undefined || o.speedClass === null ? null : r.oneOf(o, 'speedClass', '', SPEED_CLASSES);
  const id = r.str(o, 'id', '');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) r.fail('id', `must be a folder-safe name (letters, digits, . _ -), got "${id}"`);
  const descriptor: ModelDescriptor = {
    format: DESCRIPTOR_FORMAT,
    id,
    family,
    name: r.str(o, 'name', ''),
    description: typeof o.description === 'string' ? o.description : '',
    license: typeof o.license === 'string' ? o.license : '',
    paramsMillions,
    speedClass,
    notes: typeof o.notes === 'string' ? o.notes : '',
    generator,
    frameSize: r.int(o, 'frameSize', '', 1),
    embedding: {
      channels: r.int(emb, 'channels', 'embedding.', 1),
      gridH: r.int(emb, 'gridH', 'embedding.', 1),
      gridW: r.int(emb, 'gridW', 'embedding.', 1),
    },
    encoder: {
      file: r.fileName(enc, 'file', 'encoder.'),
      externalData: (enc.externalData === undefined ? [] : r.arr(enc, 'externalData', 'encoder.')).map((f, i) =>
        r.fileName({ [`externalData[${i}]`]: f }, `externalData[${i}]`, 'encoder.'),
      ),
      flavour: r.oneOf(enc, 'flavour', 'encoder.', ENCODER_FLAVOURS),
      input: r.tensor(enc.input, 'encoder.input'),
      output: r.tensor(enc.output, 'encoder.output'),
      extraOutputs,
      resize: enc.resize === undefined ? 'longest-side' : r.oneOf(enc, 'resize', 'encoder.', ENCODER_RESIZES),
      pixelMean: r.numbers3(enc, 'pixelMean', 'encoder.'),
      pixelStd: r.numbers3(enc, 'pixelStd', 'encoder.'),
    },
    decoders,
    download: parseDownload(r, o.download),
  };
  checkEncoderFrame(r, descriptor);
  return descriptor;
}

/**
 * An 'nchw-normalized' encoder's fixed input must be square and fit the frame: it may be smaller
 * (the image is resized into it, prompts and masks stay in the frame), never larger.
 */
function checkEncoderFrame(r: Reader, d: ModelDescriptor): void {
  const [, , h, w] = d.encoder.input.shape;
  if (d.encoder.flavour !== 'nchw-normalized' || typeof h !== 'number' || typeof w !== 'number') return;
  if (h !== w) r.fail('encoder.input.shape', `must be square (N x 3 x S x S), got ${h} x ${w}`);
  if (h > d.frameSize) {
    r.fail('encoder.input.shape', `takes ${h} x ${h} pixels, more than the ${d.frameSize} frame (frameSize); make frameSize at least ${h}`);
  }
}

/** Reads and validates `<dir>/model.json`. Missing file: 'model-missing'; bad JSON or fields: 'model-invalid'. */
export function readModelDescriptor(dir: string): ModelDescriptor {
  const file = join(dir, DESCRIPTOR_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SamanticError(
      'model-missing',
      `${file}: cannot read the model descriptor (${code ?? String(err)}). A model folder needs a model.json; ` +
        `run "samantic models list" to see the known models.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SamanticError(
      'model-invalid',
      `${file}: not valid JSON (${(err as Error).message}). Fix the file or restore it from the repository.`,
    );
  }
  return parseModelDescriptor(json, file);
}
