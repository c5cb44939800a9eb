import { describe, expect, it } from 'vitest';
import { SamanticError } from '../errors';
import { ThreadRequests, type RequestThread } from './requests';

function fakeThread(failPost = false) {
  const log: string[] = [];
  const posted: { message: unknown; transfer: readonly ArrayBuffer[] }[] = [];
  let refs = 0;
  const thread: RequestThread = {
    ref: () => (log.push('ref'), (refs = 1)),
    unref: () => (log.push('unref'), (refs = 0)),
    postMessage: (message, transfer = []) => {
      if (failPost) throw new Error('not transferable');
      posted.push({ message, transfer });
    },
  };
  return { thread, log, posted, refs: () => refs };
}

describe('ThreadRequests', () => {
  it('posts each request with its own id and keeps the thread referenced until the last reply', () => {
    const t = fakeThread();
    const r = new ThreadRequests<string>(t.thread, 'the test worker');
    const buf = new ArrayBuffer(8);
    const a = r.send('a', (id) => ({ id, kind: 'x' }), [buf]);
    const b = r.send('b', (id) => ({ id, kind: 'y' }));
    expect(a).not.toBe(b);
    expect(t.posted.map((p) => p.message)).toEqual([
      { id: a, kind: 'x' },
      { id: b, kind: 'y' },
    ]);
    expect(t.posted[0].transfer).toEqual([buf]);
    expect(r.size).toBe(2);
    expect(r.take(a)).toBe('a');
    expect(t.refs()).toBe(1);
    expect(r.take(a)).toBeUndefined();
    expect(r.take(b)).toBe('b');
    expect(t.refs()).toBe(0);
  });

  it('keeps nothing when a message cannot be posted, and says which worker', () => {
    const t = fakeThread(true);
    const r = new ThreadRequests<string>(t.thread, 'the test worker');
    expect(() => r.send('a', (id) => ({ id }))).toThrowError(SamanticError);
    expect(() => r.send('a', (id) => ({ id }))).toThrow(/could not hand the work to the test worker: not transferable/);
    expect(r.size).toBe(0);
    expect(t.refs()).toBe(0);
  });

  it('drains every pending job at once', () => {
    const t = fakeThread();
    const r = new ThreadRequests<number>(t.thread, 'w');
    r.send(1, (id) => id);
    r.send(2, (id) => id);
    expect(r.drain().sort()).toEqual([1, 2]);
    expect(r.size).toBe(0);
    expect(t.refs()).toBe(0);
  });
});
