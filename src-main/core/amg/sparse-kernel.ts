// The WASM kernel of the sparse path (kernel/assembly/classify.ts): the same MapCuts as blockBands +
// classifyMap (sparse-layout.ts, sparse-classify.ts), ~2.5x faster per map at 800x534 on the
// recorded bench maps. One instance per thread (the AMG workers each get theirs), holding one crop
// layout at a time. Where it cannot answer (no WebAssembly SIMD, a block wider than 64 pixels, an
// edge buffer overflow) it returns null and the caller takes the JS path, which stays the reference
// the tests compare both against.

import { KERNEL_WASM_BASE64 } from './kernel/classify-wasm';
import type { MapCuts } from './sparse-classify';
import { ABS_MARGIN, MARGIN_PER_MAGNITUDE } from './sparse-estimate';
import type { TileLayout } from './sparse-layout';
import { pixelValue } from './upsample';

/** Widest block the kernel evaluates: a pixel row's on/off states are one 64-bit mask. */
export const KERNEL_MAX_BLOCK_WIDTH = 64;

/** The part of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
type WasmModule = { readonly __wasmModule?: never };
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  reset(): void;
  alloc(bytes: number): number;
  setLayout(...args: number[]): void;
  classify(lo: number, hi: number, t: number): number;
  inter(): number;
  union(): number;
  edgeCount(): number;
}

/** What the kernel holds for the layout it was last given. */
interface Loaded {
  layout: TileLayout;
  blocks: number;
  low: Float32Array;
  state: Uint8Array;
  offset: Int32Array;
  colEdge: Int32Array;
  edges: Int32Array;
}

let module: WasmModule | null | undefined;
let enabled = process.env.SAMANTIC_SPARSE_KERNEL !== '0';
let instance: SparseKernel | null = null;

/** Turns the kernel off (or on again) in this thread: tests and A/B runs compare both paths. */
export function setSparseKernelEnabled(on: boolean): void {
  enabled = on;
}

/** This thread's kernel, or null when it is off or this runtime cannot compile it. */
export function sparseKernel(): SparseKernel | null {
  if (!enabled) return null;
  instance ??= newSparseKernel();
  return instance;
}

export interface SparseKernelOptions {
  /** Most cut edges per map (default: 8 per block column, at least 65,536, at most one per pixel). */
  maxEdges?: number;
}

/** A kernel of its own (tests), or null when this runtime cannot compile it. */
export function newSparseKernel(options: SparseKernelOptions = {}): SparseKernel | null {
  if (module === undefined) {
    try {
      module = new WASM.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64'));
    } catch {
      // No WebAssembly SIMD here: the JS path answers alone.
      module = null;
    }
  }
  return module ? new SparseKernel(module, options) : null;
}

export class SparseKernel {
  private readonly x: KernelExports;
  private loaded: Loaded | null = null;
  /** Layouts the kernel cannot take (a block wider than KERNEL_MAX_BLOCK_WIDTH). */
  private readonly refused = new WeakSet<TileLayout>();
  /** The map being classified, for the exact values the kernel asks for (imported `dense`). */
  private map: Float32Array = new Float32Array(0);

  constructor(
    module: WasmModule,
    private readonly options: SparseKernelOptions = {},
  ) {
    const inst = new WASM.Instance(module, {
      env: { dense: (y: number, x: number) => pixelValue(this.map, this.loaded!.layout.geometry, y, x) },
    });
    this.x = inst.exports as unknown as KernelExports;
  }

  /** classifyMap's answer for `low` on `layout`, or null where the JS path must answer. */
  classify(low: Float32Array, layout: TileLayout, lo: number, hi: number, t: number): MapCuts | null {
    const k = this.loaded?.layout === layout ? this.loaded : this.load(layout);
    if (!k) return null;
    const n = layout.geometry.lowSize;
    k.low.set(low.subarray(0, layout.rows.cells * n));
    this.map = low;
    const nCut = this.x.classify(lo, hi, t);
    if (nCut < 0) return null;
    return {
      inter: this.x.inter(),
      union: this.x.union(),
      cut: {
        t,
        state: k.state.slice(0, k.blocks),
        offset: k.offset.slice(0, k.blocks),
        colEdge: k.colEdge.slice(0, nCut + 1),
        edges: k.edges.slice(0, this.x.edgeCount()),
      },
    };
  }

  /** Copies the layout's tables into the kernel and sizes its buffers; null if it cannot take it. */
  private load(layout: TileLayout): Loaded | null {
    if (this.refused.has(layout)) return null;
    const { rows, cols, taps, geometry: g } = layout;
    let widest = 0;
    for (let b = 0; b < cols.blocks; b++) widest = Math.max(widest, cols.blockPix[b + 1] - cols.blockPix[b]);
    let tallest = 0;
    let rowsRead = 0;
    for (let b = 0; b < rows.blocks; b++) {
      const y0 = rows.blockPix[b];
      const y1 = rows.blockPix[b + 1];
      tallest = Math.max(tallest, y1 - y0);
      if (y1 > y0) rowsRead = Math.max(rowsRead, taps.rows.first[y1 - 1] + 3 - taps.rows.first[y0]);
    }
    if (widest > KERNEL_MAX_BLOCK_WIDTH) {
      this.refused.add(layout);
      return null;
    }
    const x = this.x;
    x.reset();
    this.loaded = null;
    const n = g.lowSize;
    const blocks = rows.blocks * cols.blocks;
    const cutColumns = g.outW * rows.blocks;
    // Realistic cuts have a few edges per column; a map that needs more takes the JS path.
    const edgeCap = this.options.maxEdges ?? Math.min(g.outW * g.outH, Math.max(1 << 16, 8 * cutColumns));
    const ptr: number[] = [];
    const room = (bytes: number) => {
      const p = x.alloc(bytes);
      ptr.push(p);
      return p;
    };
    // The kernel's estimate is float32 (kernel/assembly/classify.ts says why the margin still holds).
    const f32 = (w: Float64Array) => Float32Array.from(w);
    const tables = [
      rows.supLo, rows.supHi, rows.blockPix, cols.supLo, cols.supHi, cols.blockPix, taps.rows.first, taps.cols.first,
      f32(taps.rows.w0), f32(taps.rows.w1), f32(taps.rows.w2), f32(taps.cols.w0), f32(taps.cols.w1), f32(taps.cols.w2),
    ];
    const tablePtr = tables.map((table) => room(table.byteLength));
    // Padded by 16 so that 4-lane and 16-lane loads and stores past the last column stay inside.
    const pLow = room(4 * n * n + 64);
    const pCell = room(n * n + 16);
    const pColBits = room(n + 16);
    const pBands = room(blocks + 16);
    const pState = room(blocks + 16);
    const pOffset = room(4 * blocks);
    const pColEdge = room(4 * (cutColumns + 1));
    const pEdges = room(4 * edgeCap);
    const pHr = room(4 * Math.max(1, rowsRead) * (KERNEL_MAX_BLOCK_WIDTH + 4));
    const pRowOn = room(8 * Math.max(1, tallest));
    const pColCount = room(4 * KERNEL_MAX_BLOCK_WIDTH);
    if (ptr.some((p) => p === 0)) {
      // Memory could not grow: the JS path answers.
      this.refused.add(layout);
      return null;
    }
    // Copied once every buffer is allocated: growing memory replaces its ArrayBuffer.
    tables.forEach((table, i) => new Uint8Array(x.memory.buffer, tablePtr[i], table.byteLength).set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength)));
    x.setLayout(
      n, rows.cells, cols.cells, rows.blocks, cols.blocks,
      ...tablePtr,
      pLow, pCell, pColBits, pBands, pState, pOffset, pColEdge, pEdges, edgeCap, pHr, pRowOn, pColCount,
      MARGIN_PER_MAGNITUDE, ABS_MARGIN,
    );
    const buf = x.memory.buffer;
    this.loaded = {
      layout,
      blocks,
      low: new Float32Array(buf, pLow, n * n),
      state: new Uint8Array(buf, pState, blocks),
      offset: new Int32Array(buf, pOffset, blocks),
      colEdge: new Int32Array(buf, pColEdge, cutColumns + 1),
      edges: new Int32Array(buf, pEdges, edgeCap),
    };
    return this.loaded;
  }
}
