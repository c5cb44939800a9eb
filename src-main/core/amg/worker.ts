// An AMG worker thread: runs selectBatch (batch.ts) on the low-res maps of one batch of prompts, the
// costly part of SAM's per-batch work, and hands back the kept masks' boxes, scores and cuts (what
// their RLE is made from later, sparse.ts pendingCut). Several run at once where cores allow, while
// the main thread's decoder works on the next batch.
//
// Started by worker-pool.ts; never imported by the rest of the core.
import { parentPort } from 'node:worker_threads';
import { lowResMasks, selectBatch } from './batch';
import { sparseKernel, tileLayout, type LowResLogits, type TileLayout } from './sparse';
import { upsampleGeometry } from './upsample';
import type { CutMask } from './sparse/classify';
import type { FromAmgWorker, PackedCuts, ToAmgWorker } from './worker-pool';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const port = parentPort;
if (!port) throw new Error('amg/worker.ts must run as a worker thread (see worker-pool.ts).');

// Layouts by crop geometry: one image's batches share one, crops of an image a few.
const layouts = new Map<string, TileLayout>();
function layoutFor(lowSize: number, frameSize: number, w: number, h: number, stretch = false): TileLayout {
  const key = `${lowSize}/${frameSize}/${w}x${h}/${stretch}`;
  let layout = layouts.get(key);
  if (!layout) {
    if (layouts.size >= 8) layouts.clear();
    layout = tileLayout(upsampleGeometry(lowSize, frameSize, w, h, stretch));
    layouts.set(key, layout);
  }
  return layout;
}

function run(m: Extract<ToAmgWorker, { kind: 'batch' }>): FromAmgWorker {
  const { low, points, ctx } = m;
  const layout = layoutFor(low.lowSize, low.frameSize, m.cropW, m.cropH, low.stretch);
  const nPoints = points.length / 2;
  const selected = selectBatch(
    { m: low.m, masks: lowResMasks(low, nPoints, layout, ctx.options.sparseKernel ? sparseKernel() : null), iou: low.iou },
    points,
    ctx,
  );
  const n = selected.length;
  const boxes = new Float64Array(4 * n);
  const kept = new Float64Array(4 * n);
  const threshold = ctx.options.maskThreshold;
  const logits = selected.get('logits') as LowResLogits[];
  const iouPreds = selected.get('iouPreds');
  const pts = selected.get('points');
  const stability = selected.get('stability');
  const cuts = selected.get('boxes').map((b, i) => {
    boxes.set(b, 4 * i);
    kept[4 * i] = iouPreds[i];
    kept[4 * i + 1] = stability[i];
    kept[4 * i + 2] = pts[i][0];
    kept[4 * i + 3] = pts[i][1];
    return logits[i].pendingCut(threshold, b);
  });
  return { kind: 'done', id: m.id, boxes, kept, cuts: packCuts(cuts, layout.cutRowBytes) };
}

/**
 * The cuts of a batch in a few buffers: handing over thousands of small buffers one by one cost
 * more than the work itself (measured: 1 worker was ~20 % slower than none on the bench photos).
 */
function packCuts(cuts: (CutMask | null)[], rowBytes: number): PackedCuts {
  const n = cuts.length;
  let nState = 0;
  let nBits = 0;
  for (const c of cuts) {
    if (!c) continue;
    nState += c.state.length;
    nBits += c.bits.length;
  }
  const packed: PackedCuts = {
    t: new Float64Array(n),
    row0: new Int32Array(n),
    rowBytes,
    index: new Int32Array(2 * n + 2),
    state: new Uint8Array(nState),
    bits: new Uint8Array(nBits),
  };
  let st = 0;
  let bt = 0;
  for (let i = 0; i < n; i++) {
    const c = cuts[i];
    packed.index[2 * i] = st;
    packed.index[2 * i + 1] = bt;
    // NaN marks an empty mask (no cut).
    packed.t[i] = c ? c.t : NaN;
    if (!c) continue;
    packed.row0[i] = c.row0;
    packed.state.set(c.state, st);
    packed.bits.set(c.bits, bt);
    st += c.state.length;
    bt += c.bits.length;
  }
  packed.index[2 * n] = st;
  packed.index[2 * n + 1] = bt;
  return packed;
}

port.on('message', (m: ToAmgWorker) => {
  if (m.kind === 'stop') {
    port.close();
    return;
  }
  let reply: FromAmgWorker;
  try {
    reply = run(m);
  } catch (err) {
    reply = { kind: 'failed', id: m.id, message: message(err) };
  }
  const transfer: ArrayBufferLike[] = [];
  if (reply.kind === 'done') {
    const c = reply.cuts;
    transfer.push(reply.boxes.buffer, reply.kept.buffer, c.t.buffer, c.row0.buffer, c.index.buffer, c.state.buffer, c.bits.buffer);
  }
  port.postMessage(reply, transfer as ArrayBuffer[]);
});
port.postMessage({ kind: 'ready' } satisfies FromAmgWorker);
