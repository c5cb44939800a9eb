// A batch of masks as named parallel columns, like segment-anything's MaskData (utils/amg.py):
// every column holds one entry per mask, and filter / select / cat act on all of them at once, so a
// mask never gets separated from its score, box or point.

import { SamanticError } from '../errors';

export type TypedColumn = Float32Array | Float64Array | Int32Array | Uint8Array;
export type Column = unknown[] | TypedColumn;
export type Columns = { [key: string]: Column };

function columnLength(c: Column): number {
  return c.length;
}

function pickColumn<C extends Column>(c: C, indices: ArrayLike<number>): C {
  if (Array.isArray(c)) {
    const out = new Array(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = c[indices[i]];
    return out as C;
  }
  const typed = c as TypedColumn;
  const ctor = typed.constructor as new (n: number) => TypedColumn;
  const out = new ctor(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = typed[indices[i]];
  return out as C;
}

function concatColumn<C extends Column>(a: C, b: C): C {
  if (Array.isArray(a)) return (a as unknown[]).concat(b as unknown[]) as C;
  const ta = a as TypedColumn;
  const tb = b as TypedColumn;
  const ctor = ta.constructor as new (n: number) => TypedColumn;
  if (tb.constructor !== ctor) {
    throw new SamanticError('internal', 'MaskData.cat: a column changed its element type between batches.');
  }
  const out = new ctor(ta.length + tb.length);
  out.set(ta as never, 0);
  out.set(tb as never, ta.length);
  return out as C;
}

export class MaskData<T extends Columns> {
  private cols: T;

  constructor(columns: T) {
    this.cols = { ...columns };
    void this.length; // throws unless the columns are parallel
  }

  /** Number of masks; every column must have this many entries. */
  get length(): number {
    const keys = Object.keys(this.cols);
    if (keys.length === 0) return 0;
    const n = columnLength(this.cols[keys[0]]);
    for (const k of keys) {
      if (columnLength(this.cols[k]) !== n) {
        throw new SamanticError(
          'internal',
          `MaskData: column '${k}' has ${columnLength(this.cols[k])} entries but '${keys[0]}' has ${n}; columns must stay parallel.`,
        );
      }
    }
    return n;
  }

  get<K extends keyof T>(key: K): T[K] {
    return this.cols[key];
  }

  keys(): (keyof T & string)[] {
    return Object.keys(this.cols) as (keyof T & string)[];
  }

  /** Replaces or adds a column (same length); returns a MaskData typed with it. */
  with<K extends string, C extends Column>(key: K, column: C): MaskData<Omit<T, K> & { [P in K]: C }> {
    return new MaskData({ ...this.cols, [key]: column } as Omit<T, K> & { [P in K]: C });
  }

  /** Drops a column (e.g. the logits once masks are encoded), returning the narrower MaskData. */
  without<K extends keyof T>(key: K): MaskData<Omit<T, K>> {
    const rest = { ...this.cols };
    delete rest[key];
    return new MaskData(rest as Omit<T, K>);
  }

  /** Keeps the masks where keep[i] is true/non-zero, in order (MaskData.filter with a bool mask). */
  filter(keep: ArrayLike<boolean | number>): this {
    const n = this.length;
    if (keep.length !== n) {
      throw new SamanticError('internal', `MaskData.filter: keep has ${keep.length} entries for ${n} masks.`);
    }
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if (keep[i]) idx.push(i);
    if (idx.length === n) return this;
    return this.select(idx);
  }

  /** Keeps the masks at `indices`, in that order (MaskData.filter with an index tensor). */
  select(indices: ArrayLike<number>): this {
    const n = this.length;
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i];
      if (!Number.isInteger(j) || j < 0 || j >= n) {
        throw new SamanticError('internal', `MaskData.select: index ${j} is outside 0..${n - 1}.`);
      }
    }
    const next = {} as T;
    for (const k of Object.keys(this.cols) as (keyof T)[]) next[k] = pickColumn(this.cols[k], indices);
    this.cols = next;
    return this;
  }

  /** Appends another batch with the same columns (MaskData.cat). */
  cat(other: MaskData<T>): this {
    const mine = Object.keys(this.cols).sort();
    const theirs = other.keys().sort();
    if (mine.join(',') !== theirs.join(',')) {
      throw new SamanticError('internal', `MaskData.cat: columns differ (${mine.join(', ')} vs ${theirs.join(', ')}).`);
    }
    const next = {} as T;
    for (const k of mine as (keyof T)[]) next[k] = concatColumn(this.cols[k], other.get(k));
    this.cols = next;
    void this.length;
    return this;
  }

  /** Concatenates batches; `empty` supplies the columns when there are none. */
  static concat<T extends Columns>(parts: readonly MaskData<T>[], empty: () => T): MaskData<T> {
    const out = new MaskData(empty());
    for (const p of parts) out.cat(p);
    return out;
  }
}
