// The weights of a generated model: every parameter tensor is declared with its shape and how it
// is filled, and is either only counted (parameter count without materialising anything) or
// filled from a seeded generator and appended to an external-data file, one tensor at a time, so
// memory stays bounded by the largest tensor whatever the model's size.

import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mulberry32 } from '../../util/random';
import type { GraphBuilder } from '../testsam/onnx-builder';

/** How a parameter is filled: LayerNorm scales with ones, biases of norms with zeros, the rest uniform. */
export type Fill = { kind: 'ones' } | { kind: 'zeros' } | { kind: 'uniform'; scale: number };

export interface ParamRecord {
  name: string;
  dims: number[];
  count: number;
}

/**
 * External-data offsets are aligned to this many bytes (onnx's own writer aligns large tensors to
 * the page size so that they can be memory-mapped).
 */
export const EXTERNAL_ALIGN = 4096;

/** Values per generated chunk: bounds the temporary buffer for the largest tensors. */
const CHUNK = 1 << 20;

export interface WeightTarget {
  /** Open file the weights are appended to; null: count only. */
  fd: number | null;
  /** File name recorded in the graph (relative to the model file). */
  location: string;
}

/** Declares parameters on a graph builder and, when writing, streams their values to disk. */
export class WeightStore {
  readonly records: ParamRecord[] = [];
  private offset = 0;

  constructor(
    private readonly g: GraphBuilder,
    private readonly target: WeightTarget,
    private readonly seed: number,
  ) {}

  /** Declares one parameter tensor; returns its initializer name. */
  param(hint: string, dims: number[], fill: Fill): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const length = count * 4;
    const offset = this.offset;
    const name = this.g.externalFloats(dims, this.target.location, offset, length, hint);
    this.records.push({ name, dims, count });
    if (this.target.fd !== null) this.write(offset, count, fill, this.records.length);
    this.offset = Math.ceil((offset + length) / EXTERNAL_ALIGN) * EXTERNAL_ALIGN;
    return name;
  }

  get parameterCount(): number {
    return this.records.reduce((s, r) => s + r.count, 0);
  }

  /** Bytes of the external-data file (alignment padding included). */
  get bytes(): number {
    return this.offset;
  }

  private write(offset: number, count: number, fill: Fill, index: number): void {
    // One generator per tensor, seeded by the model seed and the tensor's position: any tensor's
    // values can be regenerated alone, and adding a tensor at the end changes no other one.
    const next = mulberry32((Math.imul(this.seed, 0x9e3779b1) ^ Math.imul(index, 0x85ebca6b)) >>> 0);
    const buf = new Float32Array(Math.min(CHUNK, count));
    let done = 0;
    while (done < count) {
      const n = Math.min(buf.length, count - done);
      if (fill.kind === 'uniform') {
        const s = fill.scale * 2;
        for (let i = 0; i < n; i++) buf[i] = (next() - 0.5) * s;
      } else {
        buf.fill(fill.kind === 'ones' ? 1 : 0, 0, n);
      }
      writeSync(this.target.fd as number, new Uint8Array(buf.buffer, 0, n * 4), 0, n * 4, offset + done * 4);
      done += n;
    }
  }
}

/** Opens `path` for writing weights; close it with closeWeights. */
export function openWeights(path: string): number {
  return openSync(path, 'w');
}

/** Pads the file to `bytes` (the last tensor's alignment) and closes it. */
export function closeWeights(fd: number, bytes: number): void {
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
