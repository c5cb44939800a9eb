// The WASM kernel of the sparse path (kernel/assembly/classify.ts): the same counts, box and cut as
// blockBands + classifyMap + cutBox (layout.ts, classify.ts, rle.ts), ~5x
// faster per map on the recorded bench maps. One instance per thread (the AMG workers
// each get theirs), holding one crop layout and one map's results at a time: a map's box and cut
// are read before the next map is classified (generation says whether they still are). Where it
// cannot answer (no WebAssembly SIMD, a block wider than 64 pixels) classify returns null and the
// caller takes the JS path, which stays the reference the tests compare both against.

import type { BoxXYXY } from '../../types';
import { KERNEL_WASM_BASE64 } from './kernel/classify-wasm';
import type { CutMask } from './classify';
import { ABS_MARGIN, MARGIN_PER_MAGNITUDE } from './estimate';
import { widestBlock, type TileLayout } from './layout';
import { trimCut } from './rle';
import { pixelValue } from '../upsample';

/** Widest block the kernel evaluates: a pixel row's on/off states are one 64-bit mask. */
export const KERNEL_MAX_BLOCK_WIDTH = 64;

/** Low-res cells the kernel's horizontal pass loads per block column and row (two 4-lane vectors). */
const HORIZONTAL_CELLS = 8;

/**
 * The kernel's horizontal pass tables: per block column, the first low-res column it loads (that of
 * its first pixel: taps only move right), and per crop column x, for each of its 3 taps, the byte
 * swizzle that picks the tap's cell out of the HORIZONTAL_CELLS loaded (plane b at b * plane bytes,
 * 4 bytes at 4x). Null when a block's taps span more cells than that.
 */
function horizontalTables(layout: TileLayout): { base: Int32Array; index: Uint8Array; plane: number } | null {
  const { cols, taps } = layout;
  const first = taps.cols.first;
  const outW = first.length;
  const base = new Int32Array(cols.blocks);
  for (let bc = 0; bc < cols.blocks; bc++) base[bc] = cols.blockPix[bc] < outW ? first[cols.blockPix[bc]] : 0;
  const plane = 4 * (outW + 4);
  const index = new Uint8Array(3 * plane);
  for (let x = 0; x < outW; x++) {
    const rel = first[x] - base[cols.blockOf[x]];
    if (rel < 0 || rel + 3 > HORIZONTAL_CELLS) return null;
    for (let b = 0; b < 3; b++) for (let k = 0; k < 4; k++) index[b * plane + 4 * x + k] = 4 * (rel + b) + k;
  }
  return { base, index, plane };
}

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
  classify(lo: number, hi: number, t: number): void;
  inter(): number;
  union(): number;
}

/** What the kernel holds for the layout it was last given. */
interface Loaded {
  layout: TileLayout;
  low: Float32Array;
  state: Uint8Array;
  offset: Int32Array;
  bits: Uint8Array;
  box: Int32Array;
}

/** A map's stability counts (classify.ts MapCuts without the cut). */
export interface KernelCounts {
  inter: number;
  union: number;
}

let module: WasmModule | null | undefined;
let instance: SparseKernel | null = null;

/** This thread's kernel (one per thread: it keeps the last map's cut), or null when this runtime cannot compile it. */
export function sparseKernel(): SparseKernel | null {
  instance ??= newSparseKernel();
  return instance;
}

/** A kernel of its own (tests), or null when this runtime cannot compile it. */
export function newSparseKernel(): SparseKernel | null {
  if (module === undefined) {
    try {
      module = new WASM.Module(Buffer.from(KERNEL_WASM_BASE64, 'base64'));
    } catch {
      // No WebAssembly SIMD here: the JS path answers alone.
      module = null;
    }
  }
  return module ? new SparseKernel(module) : null;
}

export class SparseKernel {
  private readonly x: KernelExports;
  private loaded: Loaded | null = null;
  /** Layouts the kernel cannot take (a block wider than KERNEL_MAX_BLOCK_WIDTH). */
  private readonly refused = new WeakSet<TileLayout>();
  /** The map being classified, for the exact values the kernel asks for (imported `dense`). */
  private map: Float32Array = new Float32Array(0);
  /** The cutoff of the last map classified. */
  private t = NaN;
  /** Counts every classify: the box and cut read are those of the last one. */
  generation = 0;

  constructor(module: WasmModule) {
    const inst = new WASM.Instance(module, {
      env: { dense: (y: number, x: number) => pixelValue(this.map, this.loaded!.layout.geometry, y, x) },
    });
    this.x = inst.exports as unknown as KernelExports;
  }

  /**
   * classifyMap's counts for `low` on `layout`, or null where the JS path must answer. The box and
   * cut at t are then the kernel's until the next call (box(), takeCut()).
   */
  classify(low: Float32Array, layout: TileLayout, lo: number, hi: number, t: number): KernelCounts | null {
    const k = this.loaded?.layout === layout ? this.loaded : this.load(layout);
    if (!k) return null;
    const n = layout.geometry.lowSize;
    k.low.set(low.subarray(0, layout.rows.cells * n));
    this.map = low;
    this.t = t;
    this.generation++;
    this.x.classify(lo, hi, t);
    return { inter: this.x.inter(), union: this.x.union() };
  }

  /** cutBox of the last map's cut. */
  box(): BoxXYXY {
    const b = this.loaded!.box;
    return [b[0], b[1], b[2], b[3]];
  }

  /** The last map's cut, copied out for the block rows `box` (its box, non-empty) touches. */
  takeCut(box: BoxXYXY): CutMask {
    const k = this.loaded!;
    return trimCut({ t: this.t, state: k.state, at: k.offset, bits: k.bits }, k.layout, box);
  }

  /** Copies the layout's tables into the kernel and sizes its buffers; null if it cannot take it. */
  private load(layout: TileLayout): Loaded | null {
    if (this.refused.has(layout)) return null;
    const { rows, cols, taps, geometry: g } = layout;
    let rowsRead = 0;
    for (let b = 0; b < rows.blocks; b++) {
      const y0 = rows.blockPix[b];
      const y1 = rows.blockPix[b + 1];
      if (y1 > y0) rowsRead = Math.max(rowsRead, taps.rows.first[y1 - 1] + 3 - taps.rows.first[y0]);
    }
    const swizzle = horizontalTables(layout);
    if (widestBlock(cols) > KERNEL_MAX_BLOCK_WIDTH || !swizzle) {
      this.refused.add(layout);
      return null;
    }
    const x = this.x;
    x.reset();
    this.loaded = null;
    const n = g.lowSize;
    const blocks = rows.blocks * cols.blocks;
    // Every block MIXED: each block column's pixel rows.
    const bitBytes = g.outH * cols.blocks * layout.cutRowBytes;
    const ptr: number[] = [];
    const room = (bytes: number) => {
      const p = x.alloc(bytes);
      ptr.push(p);
      return p;
    };
    // The kernel's estimate is float32 (kernel/assembly/classify.ts says why the margin still holds).
    const f32 = (w: Float64Array) => Float32Array.from(w);
    const tables = [
      rows.supLo,
      rows.supHi,
      rows.blockPix,
      cols.supLo,
      cols.supHi,
      cols.blockPix,
      taps.rows.first,
      taps.cols.first,
      f32(taps.rows.w0),
      f32(taps.rows.w1),
      f32(taps.rows.w2),
      f32(taps.cols.w0),
      f32(taps.cols.w1),
      f32(taps.cols.w2),
      swizzle.base,
      swizzle.index,
    ];
    // 16 bytes of slack: the kernel reads 4 columns' entries at a time.
    const tablePtr = tables.map((table) => room(table.byteLength + 16));
    // Padded by 16 so that 4-lane and 16-lane loads and stores past the last column stay inside.
    const pLow = room(4 * n * n + 64);
    const pCell = room(n * n + 16);
    // colFour reads 3 bytes past colBits' 16-column groups.
    const pColBits = room(n + 32);
    const pColFour = room(n + 32);
    const pBands = room(blocks + 16);
    const pState = room(blocks + 16);
    const pOffset = room(4 * blocks);
    // 8 bytes of slack: the kernel stores a pixel row's 8 bytes and keeps rowBytes of them.
    const pBits = room(bitBytes + 8);
    const pHr = room(4 * Math.max(1, rowsRead) * (KERNEL_MAX_BLOCK_WIDTH + 4));
    const pBox = room(16);
    if (ptr.some((p) => p === 0)) {
      // Memory could not grow: the JS path answers.
      this.refused.add(layout);
      return null;
    }
    // Copied once every buffer is allocated: growing memory replaces its ArrayBuffer.
    tables.forEach((table, i) =>
      new Uint8Array(x.memory.buffer, tablePtr[i], table.byteLength + 16)
        .fill(0)
        .set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength)),
    );
    x.setLayout(
      n,
      rows.cells,
      cols.cells,
      rows.blocks,
      cols.blocks,
      ...tablePtr,
      swizzle.plane,
      pLow,
      pCell,
      pColBits,
      pColFour,
      pBands,
      pState,
      pOffset,
      pBits,
      layout.cutRowBytes,
      pHr,
      pBox,
      MARGIN_PER_MAGNITUDE,
      ABS_MARGIN,
    );
    const buf = x.memory.buffer;
    this.loaded = {
      layout,
      low: new Float32Array(buf, pLow, n * n),
      state: new Uint8Array(buf, pState, blocks),
      offset: new Int32Array(buf, pOffset, blocks),
      bits: new Uint8Array(buf, pBits, bitBytes),
      box: new Int32Array(buf, pBox, 4),
    };
    return this.loaded;
  }
}
