import { describe, expect, it } from 'vitest';
import { canEncodeAhead, checkPrefetchDepth, PrefetchQueue } from './prefetch';
import type { Segmenter } from './segmenter';

const tick = () => new Promise((r) => setImmediate(r));

/** A loader that records how far ahead of the consumer it runs and whether loads overlap. */
function recorder(delays: number[]) {
  const state = { consumed: 0, started: 0, active: 0, maxActive: 0, maxAhead: 0 };
  const load = async (item: number) => {
    state.started++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    state.maxAhead = Math.max(state.maxAhead, state.started - state.consumed);
    for (let k = 0; k < delays[item]; k++) await tick();
    state.active--;
    if (item === 3) throw new Error(`item ${item} is broken`);
    return item * 10;
  };
  return { state, load };
}

describe('PrefetchQueue', () => {
  it.each([0, 1, 2])('depth %i: yields every item in order, failures in place, never more than depth ahead', async (depth) => {
    const items = [0, 1, 2, 3, 4, 5];
    const { state, load } = recorder([5, 0, 3, 1, 4, 0]);
    const q = new PrefetchQueue(items, load, { depth });
    const seen: string[] = [];
    for (let next = await q.next(); next; next = await q.next()) {
      // The consumer's own work on an item: the loader runs ahead meanwhile.
      for (let k = 0; k < 6; k++) await tick();
      state.consumed++;
      seen.push(next.result.ok ? `${next.index}:${next.result.value}` : `${next.index}:${(next.result.error as Error).message}`);
    }
    expect(seen).toEqual(['0:0', '1:10', '2:20', '3:item 3 is broken', '4:40', '5:50']);
    expect(state.maxActive).toBe(1);
    // The item being consumed plus `depth` prepared ahead of it.
    expect(state.maxAhead).toBe(depth + 1);
    expect(q.inFlight).toBe(0);
  });

  it('prepares the next item while the consumer is still busy with the current one', async () => {
    const started: number[] = [];
    const q = new PrefetchQueue(
      [0, 1, 2],
      async (i: number) => {
        started.push(i);
        return i;
      },
      { depth: 1 },
    );
    const first = await q.next();
    expect(first?.index).toBe(0);
    await tick();
    // Item 1 is loading although the consumer has not asked for it yet; item 2 is not.
    expect(started).toEqual([0, 1]);
  });

  it('starts nothing new once aborted, and drain() waits for the load in flight', async () => {
    const controller = new AbortController();
    let finished = 0;
    const q = new PrefetchQueue(
      [0, 1, 2, 3],
      async (i: number) => {
        for (let k = 0; k < 3; k++) await tick();
        finished++;
        return i;
      },
      { depth: 1, signal: controller.signal },
    );
    const first = await q.next();
    expect(first?.index).toBe(0);
    controller.abort();
    await q.drain();
    // Item 1 was already loading when the signal fired; 2 and 3 never started.
    expect(finished).toBe(2);
    expect(q.inFlight).toBe(0);
    expect(await q.next()).toBeNull();
  });

  it('reports a load that was queued when the signal fired as cancelled', async () => {
    const controller = new AbortController();
    const q = new PrefetchQueue(
      [0, 1],
      async (i: number) => {
        if (i === 0) controller.abort();
        return i;
      },
      { depth: 1, signal: controller.signal },
    );
    expect((await q.next())?.result).toEqual({ ok: true, value: 0 });
    const second = await q.next();
    expect(second?.result.ok).toBe(false);
    expect(second && !second.result.ok && (second.result.error as { code?: string }).code).toBe('cancelled');
  });

  it('rejects depths that are not small non-negative integers, with the allowed range', () => {
    expect(checkPrefetchDepth(0)).toBe(0);
    expect(() => checkPrefetchDepth(-1)).toThrow(/0 \(sequential\) to 4/);
    expect(() => checkPrefetchDepth(1.5)).toThrow(/integer/);
    expect(() => new PrefetchQueue([1], async (x) => x, { depth: 99 })).toThrow(/got 99/);
  });

  it('recognises segmenters that can encode ahead', () => {
    const base = {
      modelId: 'm',
      provider: 'cpu',
      preprocessVersion: 'v',
      segment: async () => {
        throw new Error('unused');
      },
      close: async () => {},
    };
    expect(canEncodeAhead(base as unknown as Segmenter)).toBe(false);
    expect(
      canEncodeAhead({
        ...base,
        encodeFull: async () => {
          throw new Error('unused');
        },
      } as unknown as Segmenter),
    ).toBe(true);
  });
});
