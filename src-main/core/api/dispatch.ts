// The one gate every transport (HTTP server, Electron IPC, worker thread) passes a call through:
// the method name must be in API_METHODS and the argument must match that method's declared shape.
// Transports receive untrusted JSON, so nothing reaches the service without being checked here, and
// only the declared fields are copied over (no prototype keys, no surprises).

import { SamanticError, toErrorPayload } from '../errors';
import { CLUSTER_MODES, DATASET_FORMATS, DEVICE_CHOICES, EXPORT_FORMATS, IMPORT_FORMATS, PRESET_NAMES } from '../vocab';
import { API_METHODS, type ApiErrorPayload, type ApiMethod, type SamanticApi } from './contract';

/** Longest accepted string argument (paths, names). Generous for deep paths; stops megabyte blobs. */
export const MAX_STRING_LENGTH = 4096;
/** Longest accepted class name: shown in the UI and written to COCO categories. */
export const MAX_CLASS_NAME_LENGTH = 120;
/** Most ids accepted in one call: a large folder has well under a million segments. */
export const MAX_ID_LIST_LENGTH = 1_000_000;
/** Most example crops per call: the UI asks for every segment of a class to split or remove it. */
export const MAX_EXAMPLES = 100_000;
/** Most classes a re-clustering may be asked for. */
export const MAX_RECLUSTER_CLASSES = 1000;
/** Largest k for a split: the UI offers 2..12; more is almost surely a typo. */
export const MAX_SPLIT_K = 64;

type FieldSpec =
  | { kind: 'string'; optional?: boolean; minLength?: number; maxLength?: number; oneOf?: readonly string[] }
  | { kind: 'int'; optional?: boolean; min?: number; max?: number }
  | { kind: 'number'; optional?: boolean; min?: number; max?: number; exclusiveMin?: boolean }
  | { kind: 'boolean'; optional?: boolean }
  | { kind: 'ids'; optional?: boolean; nonEmpty?: boolean }
  | { kind: 'numbers'; optional?: boolean; length?: number; maxLength?: number; int?: boolean; min?: number; max?: number }
  | { kind: 'points'; optional?: boolean; nonEmpty?: boolean; maxLength: number }
  | { kind: 'object'; optional?: boolean; shape: Record<string, FieldSpec> };

type Shape = Record<string, FieldSpec>;

const id = { kind: 'int', min: 0 } as const;
const ids = { kind: 'ids', nonEmpty: true } as const;

/** Most points in one prompt: a person clicks a handful. */
export const MAX_PROMPT_POINTS = 1000;
/** Most points in one brush or eraser stroke (a long drag sampled at every pointer move). */
export const MAX_STROKE_POINTS = 100_000;
/** Longest compressed RLE string: a 100-megapixel mask of alternating pixels stays well below it. */
export const MAX_RLE_LENGTH = 16 * 1024 * 1024;
/** Largest image side a mask may have. */
export const MAX_MASK_SIDE = 100_000;

const point: FieldSpec = { kind: 'numbers', length: 2 };
const rle = {
  kind: 'object',
  shape: {
    size: { kind: 'numbers', length: 2, int: true, min: 1, max: MAX_MASK_SIDE },
    counts: { kind: 'string', maxLength: MAX_RLE_LENGTH },
  },
} as const;

/** null = the method takes no argument (undefined, null or {} are accepted). */
const SHAPES: Record<ApiMethod, Shape | null> = {
  listModels: null,
  listRecent: null,
  openFolder: {
    folder: { kind: 'string', minLength: 1, maxLength: MAX_STRING_LENGTH },
    project: { kind: 'string', optional: true, minLength: 1, maxLength: MAX_STRING_LENGTH },
    model: { kind: 'string', optional: true, minLength: 1, maxLength: MAX_STRING_LENGTH },
    device: { kind: 'string', optional: true, oneOf: DEVICE_CHOICES },
    recursive: { kind: 'boolean', optional: true },
  },
  getSummary: null,
  process: { preset: { kind: 'string', optional: true, oneOf: PRESET_NAMES } },
  cancel: null,
  listImages: null,
  listSegments: { imageId: id, includeBackground: { kind: 'boolean', optional: true } },
  findSegments: { segmentIds: ids, masks: { kind: 'boolean', optional: true } },
  listClasses: null,
  classExamples: { classId: id, limit: { kind: 'int', optional: true, min: 1, max: MAX_EXAMPLES } },
  renameClass: { classId: id, name: { kind: 'string', minLength: 1, maxLength: MAX_CLASS_NAME_LENGTH } },
  setClassColor: { classId: id, color: { kind: 'string', minLength: 7, maxLength: 7 } },
  reorderClasses: { classIds: ids },
  deleteClass: { classId: id },
  mergeClasses: { classIds: ids, into: { ...id, optional: true } },
  previewSplit: { classId: id, k: { kind: 'int', min: 2, max: MAX_SPLIT_K } },
  splitClass: { classId: id, k: { kind: 'int', min: 2, max: MAX_SPLIT_K } },
  createClass: { segmentIds: ids, name: { kind: 'string', optional: true, minLength: 1, maxLength: MAX_CLASS_NAME_LENGTH } },
  assignSegments: { segmentIds: ids, classId: id },
  removeSegments: { segmentIds: ids },
  unassignSegments: { segmentIds: ids },
  removeClass: { classId: id },
  selectSimilar: { segmentIds: ids, limit: { kind: 'int', optional: true, min: 1, max: 100_000 } },
  recluster: {
    mode: { kind: 'string', optional: true, oneOf: CLUSTER_MODES },
    eps: { kind: 'number', optional: true, min: 0, max: 2, exclusiveMin: true },
    minSamples: { kind: 'int', optional: true, min: 1, max: 10_000 },
    granularity: { kind: 'string', optional: true, oneOf: ['fewer', 'more'] },
    classes: { kind: 'int', optional: true, min: 1, max: MAX_RECLUSTER_CLASSES },
  },
  confirmClasses: { classIds: ids },
  dismissSuggestions: { classIds: ids },
  confirmSegments: { segmentIds: ids },
  reviewQueue: { limit: { kind: 'int', optional: true, min: 1, max: MAX_EXAMPLES } },
  reviewGuesses: null,
  acceptGuesses: { segmentIds: ids, classId: { ...id, optional: true } },
  lookAlikes: {
    segmentId: id,
    limit: { kind: 'int', optional: true, min: 1, max: MAX_EXAMPLES },
    minSimilarity: { kind: 'number', optional: true, min: -1, max: 1 },
  },
  undo: null,
  redo: null,
  exportCoco: {
    out: { kind: 'string', minLength: 1, maxLength: MAX_STRING_LENGTH },
    format: { kind: 'string', optional: true, oneOf: EXPORT_FORMATS },
    classIds: { kind: 'ids', optional: true },
    reviewedOnly: { kind: 'boolean', optional: true },
  },
  exportDataset: {
    out: { kind: 'string', minLength: 1, maxLength: MAX_STRING_LENGTH },
    format: { kind: 'string', oneOf: DATASET_FORMATS },
    segmentation: { kind: 'string', optional: true, oneOf: EXPORT_FORMATS },
    classIds: { kind: 'ids', optional: true },
    split: { kind: 'string', optional: true, minLength: 1, maxLength: 64 },
    seed: { kind: 'int', optional: true, min: 0, max: 2 ** 31 - 1 },
    images: { kind: 'string', optional: true, oneOf: ['link', 'copy'] },
    reviewedOnly: { kind: 'boolean', optional: true },
  },
  importAnnotations: {
    format: { kind: 'string', oneOf: IMPORT_FORMATS },
    source: { kind: 'string', minLength: 1, maxLength: MAX_STRING_LENGTH },
    skipBad: { kind: 'boolean', optional: true },
  },
  promptMask: {
    imageId: id,
    points: { kind: 'points', optional: true, maxLength: MAX_PROMPT_POINTS },
    labels: { kind: 'numbers', optional: true, maxLength: MAX_PROMPT_POINTS, int: true, min: 0, max: 1 },
    box: { kind: 'numbers', optional: true, length: 4 },
    segmentId: { ...id, optional: true },
    continue: { kind: 'boolean', optional: true },
  },
  preparePrompts: { imageId: id },
  addSegment: {
    imageId: id,
    rle,
    classId: { ...id, optional: true },
    newClassName: { kind: 'string', optional: true, minLength: 1, maxLength: MAX_CLASS_NAME_LENGTH },
    point: { ...point, optional: true },
    score: { kind: 'number', optional: true },
  },
  editSegmentMask: {
    segmentId: id,
    op: { kind: 'string', oneOf: ['brush', 'erase', 'replace'] },
    stroke: {
      kind: 'object',
      optional: true,
      shape: {
        points: { kind: 'points', nonEmpty: true, maxLength: MAX_STROKE_POINTS },
        radius: { kind: 'number', min: 0, exclusiveMin: true, max: MAX_MASK_SIDE },
      },
    },
    rle: { ...rle, optional: true },
  },
  mergeSegments: { segmentIds: ids },
  deleteSegments: { segmentIds: ids },
};

/** Methods whose argument may be left out entirely (all their fields are optional). */
const ARG_OPTIONAL = new Set<ApiMethod>(['process', 'recluster', 'reviewQueue']);

const METHOD_SET: ReadonlySet<string> = new Set<string>(API_METHODS);

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && METHOD_SET.has(name);
}

function invalid(method: string, message: string): SamanticError {
  return new SamanticError('invalid-argument', `${method}: ${message}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string of length ${v.length}`;
  if (typeof v === 'number') return Number.isFinite(v) ? `the number ${v}` : String(v);
  return typeof v;
}

function checkField(method: string, name: string, spec: FieldSpec, v: unknown): unknown {
  const where = `'${name}'`;
  switch (spec.kind) {
    case 'string': {
      if (typeof v !== 'string') throw invalid(method, `${where} must be a string, got ${describe(v)}.`);
      if (spec.oneOf && !spec.oneOf.includes(v)) {
        throw invalid(method, `${where} must be one of ${spec.oneOf.map((s) => `'${s}'`).join(', ')}; got '${v.slice(0, 40)}'.`);
      }
      if (spec.minLength !== undefined && v.trim().length < spec.minLength) {
        throw invalid(method, `${where} must not be empty.`);
      }
      if (spec.maxLength !== undefined && v.length > spec.maxLength) {
        throw invalid(method, `${where} is ${v.length} characters long; the limit is ${spec.maxLength}. Use a shorter value.`);
      }
      if (v.includes('\0')) throw invalid(method, `${where} contains a NUL character; remove it.`);
      return v;
    }
    case 'int':
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(method, `${where} must be a finite number, got ${describe(v)}.`);
      if (spec.kind === 'int' && !Number.isSafeInteger(v)) throw invalid(method, `${where} must be an integer, got ${v}.`);
      if (spec.min !== undefined) {
        const low = spec.kind === 'number' && spec.exclusiveMin ? v <= spec.min : v < spec.min;
        if (low)
          throw invalid(
            method,
            `${where} must be ${spec.kind === 'number' && spec.exclusiveMin ? 'greater than' : 'at least'} ${spec.min}, got ${v}.`,
          );
      }
      if (spec.max !== undefined && v > spec.max) throw invalid(method, `${where} must be at most ${spec.max}, got ${v}.`);
      return v;
    }
    case 'boolean':
      if (typeof v !== 'boolean') throw invalid(method, `${where} must be true or false, got ${describe(v)}.`);
      return v;
    case 'ids': {
      if (!Array.isArray(v)) throw invalid(method, `${where} must be an array of ids, got ${describe(v)}.`);
      if (spec.nonEmpty && v.length === 0) throw invalid(method, `${where} must list at least one id; select something first.`);
      if (v.length > MAX_ID_LIST_LENGTH) throw invalid(method, `${where} lists ${v.length} ids; the limit is ${MAX_ID_LIST_LENGTH}.`);
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) {
          throw invalid(method, `${where}[${i}] must be a non-negative integer id, got ${describe(x)}.`);
        }
      }
      return v.slice();
    }
    case 'numbers': {
      if (!Array.isArray(v)) throw invalid(method, `${where} must be an array of numbers, got ${describe(v)}.`);
      if (spec.length !== undefined && v.length !== spec.length)
        throw invalid(method, `${where} must hold ${spec.length} numbers, got ${v.length}.`);
      if (spec.maxLength !== undefined && v.length > spec.maxLength)
        throw invalid(method, `${where} holds ${v.length} numbers; the limit is ${spec.maxLength}.`);
      return v.map((x, i) => checkField(method, `${name}[${i}]`, { kind: spec.int ? 'int' : 'number', min: spec.min, max: spec.max }, x));
    }
    case 'points': {
      if (!Array.isArray(v)) throw invalid(method, `${where} must be an array of [x, y] points, got ${describe(v)}.`);
      if (spec.nonEmpty && v.length === 0) throw invalid(method, `${where} must hold at least one point.`);
      if (v.length > spec.maxLength) throw invalid(method, `${where} holds ${v.length} points; the limit is ${spec.maxLength}.`);
      return v.map((p, i) => checkField(method, `${name}[${i}]`, { kind: 'numbers', length: 2 }, p));
    }
    case 'object': {
      if (!isPlainObject(v)) throw invalid(method, `${where} must be an object, got ${describe(v)}.`);
      for (const key of Object.keys(v)) {
        if (!Object.prototype.hasOwnProperty.call(spec.shape, key)) {
          throw invalid(
            method,
            `${where} has an unknown field '${key.slice(0, 40)}'; its fields are: ${Object.keys(spec.shape).join(', ')}.`,
          );
        }
      }
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(spec.shape)) {
        const x = v[k];
        if (x === undefined || x === null) {
          if (!sub.optional) throw invalid(method, `the field '${name}.${k}' is required.`);
          continue;
        }
        out[k] = checkField(method, `${name}.${k}`, sub, x);
      }
      return out;
    }
  }
}

/**
 * Checks `args` against the method's shape and returns a fresh object holding only declared
 * fields. Throws SamanticError('invalid-argument') naming the method and the field.
 */
export function validateArgs(method: ApiMethod, args: unknown): Record<string, unknown> | undefined {
  const shape = SHAPES[method];
  if (shape === null) {
    if (args === undefined || args === null) return undefined;
    if (isPlainObject(args) && Object.keys(args).length === 0) return undefined;
    throw invalid(method, `takes no argument, got ${describe(args)}.`);
  }
  if ((args === undefined || args === null) && ARG_OPTIONAL.has(method)) return {};
  if (!isPlainObject(args)) throw invalid(method, `expects an object argument, got ${describe(args)}.`);
  for (const key of Object.keys(args)) {
    if (!Object.prototype.hasOwnProperty.call(shape, key)) {
      const known = Object.keys(shape).join(', ');
      throw invalid(method, `unknown field '${key.slice(0, 40)}'; the fields are: ${known}.`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(shape)) {
    const v = args[name];
    if (v === undefined || v === null) {
      if (!spec.optional) throw invalid(method, `the field '${name}' is required.`);
      continue;
    }
    out[name] = checkField(method, name, spec, v);
  }
  return out;
}

export type Dispatcher = (method: string, args: unknown) => Promise<unknown>;

/**
 * Wraps a SamanticApi so that callers can pass an untrusted method name and argument. Rejects with
 * SamanticError: 'not-found' for a method that is not in the API, 'invalid-argument' for a bad
 * argument; errors from the service pass through unchanged.
 */
export function createDispatcher(api: SamanticApi): Dispatcher {
  return async (method: string, args: unknown): Promise<unknown> => {
    if (!isApiMethod(method)) {
      const shown = typeof method === 'string' ? `'${method.slice(0, 60)}'` : describe(method);
      throw new SamanticError('not-found', `Unknown API method ${shown}. Known methods: ${API_METHODS.join(', ')}.`);
    }
    const clean = validateArgs(method, args);
    const fn = api[method] as (a?: unknown) => Promise<unknown>;
    if (typeof fn !== 'function') {
      throw new SamanticError('internal', `The service does not implement '${method}'. This is a bug in Samantic; please report it.`);
    }
    const result = await fn.call(api, clean);
    // undefined is not JSON: transports send null for methods that return nothing.
    return result === undefined ? null : result;
  };
}

/** The envelope that carries a result or an error across a boundary that loses Error objects. */
export type CallResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorPayload };

/** Runs a dispatcher call and never throws: the error becomes an ApiErrorPayload. */
export async function settle(dispatch: Dispatcher, method: string, args: unknown): Promise<CallResult> {
  try {
    return { ok: true, value: await dispatch(method, args) };
  } catch (err) {
    return { ok: false, error: toErrorPayload(err) };
  }
}
