// Train/val/test assignment by image: reproducible from a seed, and stratified so that every class
// present in the dataset has at least one image in train (when it has any image at all).
import { SamanticError } from '../errors';
import { SPLIT_NAMES, type SplitName } from './types';
import { mulberry32 } from '../util/random';

/** Ratios must add up to 1 within this tolerance ("0.8,0.1,0.1" in floating point). */
export const SPLIT_SUM_TOLERANCE = 1e-6;

/** Parses "0.8,0.1,0.1" (or "0.8,0.2", test 0) into three ratios adding up to 1. */
export function parseSplitRatios(text: string): [number, number, number] {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length < 2 || parts.length > 3 || nums.some((n, i) => parts[i] === '' || !Number.isFinite(n) || n < 0)) {
    throw new SamanticError(
      'invalid-argument',
      `--split '${text}' must be two or three non-negative numbers (train,val[,test]), e.g. 0.8,0.1,0.1.`,
    );
  }
  const [train, val, test = 0] = nums;
  checkSplitRatios([train, val, test], text);
  return [train, val, test];
}

export function checkSplitRatios(r: readonly number[], what = r.join(',')): void {
  if (r.length !== 3 || r.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new SamanticError('invalid-argument', `Split '${what}' must be three non-negative ratios (train, val, test).`);
  }
  const sum = r[0] + r[1] + r[2];
  if (Math.abs(sum - 1) > SPLIT_SUM_TOLERANCE) {
    throw new SamanticError('invalid-argument', `Split '${what}' adds up to ${sum}; the ratios must add up to 1 (e.g. 0.8,0.1,0.1).`);
  }
  if (r[0] === 0) throw new SamanticError('invalid-argument', `Split '${what}' puts nothing in train; give train a ratio above 0.`);
}

/** A seeded generator, enough for shuffling and reproducible everywhere. */
const rng = mulberry32;

export interface SplitItem {
  /** Sort key that makes the result independent of input order (the image's relPath). */
  key: string;
  /** Class ids present in the image. */
  classIds: readonly number[];
}

/**
 * Assigns each item a split. Counts: train = round(n * r_train), val = round(n * r_val), test the
 * rest; then, rarest class first, any class without an image in train moves one of its images
 * there (which can make train larger than its share). The result depends only on the keys, the
 * class sets, the ratios and the seed.
 */
export function assignSplits(items: readonly SplitItem[], ratios: readonly [number, number, number], seed: number): SplitName[] {
  checkSplitRatios(ratios);
  if (!Number.isSafeInteger(seed)) throw new SamanticError('invalid-argument', `--seed must be a whole number, got ${seed}.`);
  const n = items.length;
  const order = items.map((_, i) => i).sort((a, b) => (items[a].key < items[b].key ? -1 : items[a].key > items[b].key ? 1 : a - b));
  const random = rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nVal = Math.round(n * ratios[1]);
  const nTest = ratios[2] > 0 ? Math.min(n - nVal, Math.round(n * ratios[2])) : 0;
  const nTrain = n - nVal - nTest;
  const out = new Array<SplitName>(n);
  order.forEach((idx, k) => (out[idx] = k < nTrain ? 'train' : k < nTrain + nVal ? 'val' : 'test'));

  // Classes by how many images hold them, rarest first, ties by id, so the moves are deterministic.
  const imagesOf = new Map<number, number[]>();
  for (const idx of order) for (const c of new Set(items[idx].classIds)) (imagesOf.get(c) ?? imagesOf.set(c, []).get(c)!).push(idx);
  const classes = [...imagesOf.keys()].sort((a, b) => imagesOf.get(a)!.length - imagesOf.get(b)!.length || a - b);
  for (const c of classes) {
    const imgs = imagesOf.get(c)!;
    if (imgs.some((i) => out[i] === 'train')) continue;
    // Move the image from the larger of val/test, so neither empties needlessly.
    const count = (s: SplitName) => out.filter((x) => x === s).length;
    const from: SplitName = count('val') >= count('test') ? 'val' : 'test';
    const pick = imgs.find((i) => out[i] === from) ?? imgs[0];
    out[pick] = 'train';
  }
  return out;
}

export function splitCounts(splits: readonly (SplitName | null)[]): Partial<Record<SplitName, number>> {
  const counts: Partial<Record<SplitName, number>> = {};
  for (const s of SPLIT_NAMES) {
    const k = splits.filter((x) => x === s).length;
    if (k > 0) counts[s] = k;
  }
  return counts;
}
