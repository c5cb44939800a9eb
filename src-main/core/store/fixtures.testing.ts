// Helpers for the store and actions tests: temporary project files and small, exactly known
// segments. Not used by the application.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SamanticError } from '../errors';
import { maskToRle } from '../mask';
import { mulberry32 } from '../util/random';
import { ProjectStore } from './project-store';
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

/**
 * The SamanticError that `fn` throws. Anything else (no error, or another kind of error, which is
 * rethrown) fails the calling test, so assertions on code and message see a real SamanticError.
 */
export function caughtSamanticError(fn: () => unknown): SamanticError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SamanticError) return err;
    throw err;
  }
  throw new Error('expected a SamanticError, but nothing was thrown');
}

/** Deterministic pseudo-random vector (mulberry32), values in [-1, 1). */
export function vector(dim: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = next() * 2 - 1;
  return out;
}

/** A segment whose mask is the rectangle [x0, x1) x [y0, y1) of an h x w image. */
export function rectSegment(h: number, w: number, x0: number, y0: number, x1: number, y1: number, seed = 1, dim = 256): NewSegment {
  const mask = new Uint8Array(h * w);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * w + x] = 1;
  const area = (x1 - x0) * (y1 - y0);
  return {
    rle: maskToRle({ width: w, height: h, data: mask }),
    bbox: area > 0 ? [x0, y0, x1 - x0, y1 - y0] : [0, 0, 0, 0],
    area,
    predictedIou: 0.9 + seed / 1000,
    stabilityScore: 0.95,
    point: [(x0 + x1) / 2, (y0 + y1) / 2],
    cropBox: [0, 0, w, h],
    embedding: vector(dim, seed),
  };
}

/**
 * Opens a new project at `file` with one 8x6 image per entry of `strips`, image i holding that
 * many strips (strip k: columns [0, k), rows [0, i + 1), vector seed 10 i + k); returns the store
 * and every segment id, image by image.
 */
export function projectWithStrips(file: string, strips: readonly number[]): { store: ProjectStore; segmentIds: number[] } {
  const store = ProjectStore.open(file, { create: true });
  const segmentIds: number[] = [];
  strips.forEach((n, i) => {
    const name = String.fromCharCode(97 + i);
    const id = store.upsertImage({ relPath: `${name}.jpg`, size: 1, mtimeMs: 1, contentHash: `h${name}`, width: 8, height: 6 }).id;
    const segs = Array.from({ length: n }, (_, j) => rectSegment(6, 8, 0, 0, j + 1, i + 1, 10 * i + j + 1, 8));
    segmentIds.push(...store.commitImageResult(id, segs).segmentIds);
  });
  return { store, segmentIds };
}
