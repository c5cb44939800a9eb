// Helpers for the store and actions tests: temporary project files and small, exactly known
// segments. Not used by the application.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rle } from '../types';
import type { NewSegment } from './segments';

export interface TempDir {
  dir: string;
  /** A project file path inside dir (not created). */
  file: string;
  cleanup(): void;
}

export function tempDir(prefix = 'samantic-store-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: join(dir, '.samantic', 'project.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Column-major uncompressed RLE (starting with a zero run) of a row-major 0/1 mask. */
export function rleOf(mask: Uint8Array, h: number, w: number): Rle {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x];
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [h, w], counts };
}

/** Deterministic pseudo-random vector (mulberry32), values in [-1, 1). */
export function vector(dim: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** A segment whose mask is the rectangle [x0, x1) x [y0, y1) of an h x w image. */
export function rectSegment(h: number, w: number, x0: number, y0: number, x1: number, y1: number, seed = 1, dim = 256): NewSegment {
  const mask = new Uint8Array(h * w);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 1;
  const area = (x1 - x0) * (y1 - y0);
  return {
    rle: rleOf(mask, h, w),
    bbox: area > 0 ? [x0, y0, x1 - x0, y1 - y0] : [0, 0, 0, 0],
    area,
    predictedIou: 0.9 + seed / 1000,
    stabilityScore: 0.95,
    point: [(x0 + x1) / 2, (y0 + y1) / 2],
    cropBox: [0, 0, w, h],
    embedding: vector(dim, seed),
  };
}
