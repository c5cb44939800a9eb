import { describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { API_METHODS, type SamanticApi } from './contract';
import { createDispatcher, settle, validateArgs } from './dispatch';

// An API that records what reached it: the dispatcher's job is to decide what gets through.
function recordingApi() {
  const calls: Array<{ method: string; args: unknown }> = [];
  const api = {} as Record<string, (a?: unknown) => Promise<unknown>>;
  for (const m of API_METHODS) {
    api[m] = async (a?: unknown) => {
      calls.push({ method: m, args: a });
      if (m === 'cancel') return undefined;
      if (m === 'renameClass') throw new SamanticError('not-found', 'Class 99 does not exist.');
      return { echoed: m };
    };
  }
  return { api: api as unknown as SamanticApi, calls };
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as SamanticError;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected the call to reject');
}

describe('createDispatcher', () => {
  it('forwards a valid call and returns the service result', async () => {
    const { api, calls } = recordingApi();
    const d = createDispatcher(api);
    expect(await d('listSegments', { imageId: 3 })).toEqual({ echoed: 'listSegments' });
    expect(calls).toEqual([{ method: 'listSegments', args: { imageId: 3 } }]);
  });

  it('turns undefined results into null so they survive JSON', async () => {
    const { api } = recordingApi();
    expect(await createDispatcher(api)('cancel', undefined)).toBeNull();
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'nope', '', 'listImages '])(
    'rejects the non-method %j without calling the service',
    async (name) => {
      const { api, calls } = recordingApi();
      const err = await rejection(createDispatcher(api)(name, {}));
      expect(err.code).toBe('not-found');
      expect(err.message).toContain('Unknown API method');
      expect(calls).toHaveLength(0);
    },
  );

  it('rejects a non-string method name', async () => {
    const { api } = recordingApi();
    const err = await rejection(createDispatcher(api)(42 as unknown as string, {}));
    expect(err.code).toBe('not-found');
  });

  it('passes service errors through with their code', async () => {
    const { api } = recordingApi();
    const err = await rejection(createDispatcher(api)('renameClass', { classId: 99, name: 'x' }));
    expect(err).toEqual({ code: 'not-found', message: 'Class 99 does not exist.' });
  });

  it('copies only declared fields (no prototype keys reach the service)', async () => {
    const { api, calls } = recordingApi();
    const args = JSON.parse('{"imageId": 1, "__proto__": {"polluted": true}}');
    const err = await rejection(createDispatcher(api)('listSegments', args));
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toContain("unknown field '__proto__'");
    expect(calls).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('validateArgs', () => {
  const bad: Array<[string, unknown, string]> = [
    ['listSegments', {}, "'imageId' is required"],
    ['listSegments', { imageId: '3' }, "'imageId' must be a finite number"],
    ['listSegments', { imageId: 1.5 }, "'imageId' must be an integer"],
    ['listSegments', { imageId: -1 }, "'imageId' must be at least 0"],
    ['listSegments', { imageId: Number.NaN }, 'finite number'],
    ['listSegments', [1], 'expects an object argument'],
    ['listSegments', 'x', 'expects an object argument'],
    ['listImages', { x: 1 }, 'takes no argument'],
    ['renameClass', { classId: 1, name: '   ' }, "'name' must not be empty"],
    ['renameClass', { classId: 1, name: 'x'.repeat(500) }, 'the limit is 120'],
    ['mergeClasses', { classIds: [] }, 'at least one id'],
    ['mergeClasses', { classIds: [1, 'b'] }, "'classIds'[1] must be a non-negative integer"],
    ['mergeClasses', { classIds: 'all' }, 'must be an array of ids'],
    ['splitClass', { classId: 1, k: 1 }, "'k' must be at least 2"],
    ['splitClass', { classId: 1, k: 1000 }, "'k' must be at most"],
    ['openFolder', { folder: '' }, "'folder' must not be empty"],
    ['openFolder', { folder: '/a\0b' }, 'NUL'],
    ['openFolder', { folder: '/a', device: 'tpu' }, "'device' must be one of"],
    ['openFolder', { folder: '/a', recursive: 'yes' }, 'true or false'],
    ['exportCoco', { out: '/x.json', format: 'yaml' }, "'format' must be one of 'polygon', 'rle'"],
    ['recluster', { eps: 0 }, "'eps' must be greater than 0"],
    ['createClass', { segmentIds: [1], colour: 'red' }, "unknown field 'colour'"],
  ];
  it.each(bad)('%s(%j) fails with a message naming the field', (method, args, expected) => {
    let caught: unknown;
    try {
      validateArgs(method as never, args);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SamanticError);
    expect((caught as SamanticError).code).toBe('invalid-argument');
    expect((caught as SamanticError).message).toContain(method);
    expect((caught as SamanticError).message).toContain(expected);
  });

  it('accepts valid arguments and drops undefined optionals', () => {
    expect(validateArgs('openFolder', { folder: '/p', model: 'test-sam', device: 'cpu', recursive: false })).toEqual({
      folder: '/p',
      model: 'test-sam',
      device: 'cpu',
      recursive: false,
    });
    expect(validateArgs('exportCoco', { out: '/o.json', classIds: [] })).toEqual({ out: '/o.json', classIds: [] });
    expect(validateArgs('mergeClasses', { classIds: [2, 3], into: undefined })).toEqual({ classIds: [2, 3] });
    expect(validateArgs('listImages', {})).toBeUndefined();
    expect(validateArgs('listImages', null)).toBeUndefined();
    expect(validateArgs('process', undefined)).toEqual({});
    expect(validateArgs('recluster', { mode: 'dbscan', eps: 0.2, minSamples: 3 })).toEqual({ mode: 'dbscan', eps: 0.2, minSamples: 3 });
  });

  it('has a shape for every API method', () => {
    for (const m of API_METHODS) {
      expect(() => validateArgs(m, { definitelyNotAField: 1 })).toThrow(SamanticError);
    }
  });
});

describe('validateArgs: mask methods', () => {
  const bad = (method: Parameters<typeof validateArgs>[0], args: unknown) => {
    try {
      validateArgs(method, args);
    } catch (err) {
      return (err as SamanticError).message;
    }
    throw new Error('expected a rejection');
  };

  it('checks points, labels, boxes, strokes and masks, field by field', () => {
    expect(bad('promptMask', { imageId: 1, points: [[1, 'x']] })).toMatch(/'points\[0\]\[1\]' must be a finite number/);
    expect(bad('promptMask', { imageId: 1, box: [0, 0, 1] })).toMatch(/'box' must hold 4 numbers/);
    expect(bad('promptMask', { imageId: 1, points: [[1, 1]], labels: [3] })).toMatch(/'labels\[0\]' must be at most 1/);
    expect(bad('editSegmentMask', { segmentId: 1, op: 'smudge' })).toMatch(/'op' must be one of 'brush', 'erase', 'replace'/);
    expect(bad('editSegmentMask', { segmentId: 1, op: 'brush', stroke: { points: [[1, 1]], radius: 0 } })).toMatch(
      /'stroke.radius' must be greater than 0/,
    );
    expect(bad('editSegmentMask', { segmentId: 1, op: 'brush', stroke: { points: [[1, 1]], radius: 2, color: 'red' } })).toMatch(
      /unknown field 'color'/,
    );
    expect(bad('addSegment', { imageId: 1, rle: { size: [0, 5], counts: 'ab' } })).toMatch(/'rle.size\[0\]' must be at least 1/);
    expect(bad('addSegment', { imageId: 1, rle: { size: [5, 5] } })).toMatch(/'rle.counts' is required/);
  });

  it('passes a valid prompt through as plain data', () => {
    const args = validateArgs('promptMask', { imageId: 3, points: [[1.5, 2]], labels: [0], box: [0, 0, 10, 10], continue: true });
    expect(args).toEqual({ imageId: 3, points: [[1.5, 2]], labels: [0], box: [0, 0, 10, 10], continue: true });
    expect(validateArgs('editSegmentMask', { segmentId: 2, op: 'erase', stroke: { points: [[3, 4]], radius: 5 } })).toEqual({
      segmentId: 2,
      op: 'erase',
      stroke: { points: [[3, 4]], radius: 5 },
    });
  });
});

describe('settle', () => {
  it('wraps results and errors in an envelope with an ApiErrorPayload', async () => {
    const { api } = recordingApi();
    const d = createDispatcher(api);
    expect(await settle(d, 'listClasses', undefined)).toEqual({ ok: true, value: { echoed: 'listClasses' } });
    expect(await settle(d, 'constructor', undefined)).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const r = await settle(d, 'listSegments', { imageId: 'a' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.error).sort()).toEqual(['code', 'message']);
  });
});
