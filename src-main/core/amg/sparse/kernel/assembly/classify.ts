// AssemblyScript (compiled to WASM with SIMD by resources/scripts/build-kernel.mjs, not by tsc):
// the per-map classification of the sparse low-res path, the same answers as blockBands +
// classifyMap + cutBox in JS (layout.ts, classify.ts, rle.ts), ~5x faster per
// map on the recorded bench maps.
//
// Differences in method, not in result:
// - The band pass compares 16 cells at a time (4 x f32x4, narrowed to byte masks) and ORs 16
//   columns at a time; one margin serves the whole map, from its largest |cell|.
// - A straddling block is evaluated brute force: every pixel's float32 estimate (the same 3x3
//   weights as estimate.ts, rounded), 4 pixels at a time, in two passes (horizontal: each
//   tap's cell swizzled out of 8 loaded cells; vertical: 3 rows of that), decided against the same
//   margin, which covers float32 arithmetic too (estimateBlock). A pixel row with an estimate within
//   the margin of a cutoff is redone with the exact float32 value (upsample.pixelValue, imported
//   from JS) for those pixels (exactRow).
// - The on/off state of each pixel row is a 64-bit mask, stored as is into the cut's bits, so a
//   block is at most 64 pixels wide (the host checks); the cut's box is found on the way.
// - V8 compiles f32x4.min / max (NaN-propagating) to several instructions each: pmin / pmax, one
//   instruction, are used where NaN is handled otherwise.
//
// Memory: the host allocates every buffer once per crop layout (alloc after reset), copies each
// map into `low`, calls classify, and reads the counts, the box and the cut (state / offset / bits).

@external("env", "dense") declare function dense(y: i32, x: i32): f64;

let bump: usize = 0;

/** Frees everything allocated so far (the host then allocates a new layout). */
export function reset(): void {
  bump = (__heap_base + 15) & ~15;
}

/** A 16-byte aligned buffer of `bytes`, growing memory as needed; 0 if memory cannot grow. */
export function alloc(bytes: i32): usize {
  if (bump == 0) reset();
  const p = bump;
  bump = (bump + <usize>bytes + 15) & ~15;
  const need = <i32>((bump + 65535) >> 16);
  const have = memory.size();
  if (need > have && memory.grow(need - have) < 0) return 0;
  return p;
}

// The layout (layout.ts TileLayout), set by setLayout.
let n: i32 = 0;
let nRows: i32 = 0;
let nCols: i32 = 0;
let nbr: i32 = 0;
let nbc: i32 = 0;
let rSupLo: usize = 0;
let rSupHi: usize = 0;
let rBlockPix: usize = 0;
let cSupLo: usize = 0;
let cSupHi: usize = 0;
let cBlockPix: usize = 0;
let RF: usize = 0;
let CF: usize = 0;
/** Per block column, the first low-res column its horizontal pass loads. */
let cBase: usize = 0;
/** Per crop column x, 3 planes (one per tap) of 4 swizzle indices into those 8 cells. */
let hIdx: usize = 0;
let hIdxPlane: usize = 0;
let RW0: usize = 0;
let RW1: usize = 0;
let RW2: usize = 0;
let CW0: usize = 0;
let CW1: usize = 0;
let CW2: usize = 0;
// Buffers.
let low: usize = 0;
let cell: usize = 0;
let colBits: usize = 0;
/** colBits[j] | colBits[j + 1] | colBits[j + 2] | colBits[j + 3]. */
let colFour: usize = 0;
let bands: usize = 0;
let state: usize = 0;
/** Per block: where a MIXED block's bits start in `bits`. */
let offset: usize = 0;
/** The cut's bits (classify.ts CutMask), rowBytes per pixel row; 8 bytes of slack at the end. */
let bits: usize = 0;
let rowBytes: i32 = 0;
let HR: usize = 0;
/** The cut's box, x0 y0 x1 y1 (i32), written by classify. */
let boxOut: usize = 0;
// Results.
let gInter: f64 = 0;
let gUnion: f64 = 0;
let bxs: i32 = 0;
let bys: i32 = 0;
let bxe: i32 = 0;
let bye: i32 = 0;

// Block states (layout.ts OFF, ON, MIXED) and band bits.
const OFF: u8 = 0;
const ON: u8 = 1;
const MIXED: u8 = 2;
const NONFINITE: i32 = 16;
/** The margin of a block is magnitude * marginPerMagnitude + absMargin (estimate.ts, set by the host). */
let marginPerMagnitude: f64 = 0;
let absMargin: f64 = 0;

export function setLayout(
  n_: i32, nRows_: i32, nCols_: i32, nbr_: i32, nbc_: i32,
  rSupLo_: usize, rSupHi_: usize, rBlockPix_: usize, cSupLo_: usize, cSupHi_: usize, cBlockPix_: usize,
  rf: usize, cf: usize, rw0: usize, rw1: usize, rw2: usize, cw0: usize, cw1: usize, cw2: usize, cBase_: usize, hIdx_: usize, hIdxPlane_: usize,
  low_: usize, cell_: usize, colBits_: usize, colFour_: usize, bands_: usize, state_: usize, offset_: usize,
  bits_: usize, rowBytes_: i32, hr: usize, boxOut_: usize,
  marginPerMagnitude_: f64, absMargin_: f64,
): void {
  marginPerMagnitude = marginPerMagnitude_;
  absMargin = absMargin_;
  n = n_; nRows = nRows_; nCols = nCols_; nbr = nbr_; nbc = nbc_;
  rSupLo = rSupLo_; rSupHi = rSupHi_; rBlockPix = rBlockPix_; cSupLo = cSupLo_; cSupHi = cSupHi_; cBlockPix = cBlockPix_;
  RF = rf; CF = cf; RW0 = rw0; RW1 = rw1; RW2 = rw2; CW0 = cw0; CW1 = cw1; CW2 = cw2;
  cBase = cBase_; hIdx = hIdx_; hIdxPlane = hIdxPlane_;
  low = low_; cell = cell_; colBits = colBits_; colFour = colFour_; bands = bands_; state = state_; offset = offset_;
  bits = bits_; rowBytes = rowBytes_; HR = hr; boxOut = boxOut_;
}

@inline function i32At(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function f32At(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** 16 cells' comparisons (4-lane masks of -1 / 0) as 16 byte masks. */
@inline function narrowMasks(a: v128, b: v128, c: v128, d: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

/** Largest |cell| the band pass read (NaN or Infinity if one was not finite). */
let magnitude: f32 = 0;

/** blockBands of layout.ts; sets `magnitude`. */
function blockBands(lo: f32, t: f32, hi: f32): void {
  const vlo = f32x4.splat(lo);
  const vt = f32x4.splat(t);
  const vhi = f32x4.splat(hi);
  // The largest |cell| read, for the margin: one map-wide bound serves every block (a block's own
  // support would give a smaller margin, but finding it per straddling block cost more than the
  // few extra exact values a larger one asks for). The extremes use pmin / pmax, single
  // instructions that may drop a NaN; a running sum catches NaN and infinities instead (NaN stays,
  // an infinity makes it infinite or NaN; a finite sum that overflows only sends the map to the
  // exact path).
  let vmin = f32x4.splat(0);
  let vmax = f32x4.splat(0);
  let vsum = f32x4.splat(0);
  let smin: f32 = 0;
  let smax: f32 = 0;
  let ssum: f32 = 0;
  const band1 = i8x16.splat(1);
  const band2 = i8x16.splat(2);
  const band4 = i8x16.splat(4);
  const band8 = i8x16.splat(8);
  for (let r = 0; r < nRows; r++) {
    const a = low + (<usize>(r * n) << 2);
    const c = cell + <usize>(r * n);
    let j = 0;
    for (; j + 16 <= nCols; j += 16) {
      const v0 = v128.load(a + (<usize>j << 2));
      const v1 = v128.load(a + (<usize>(j + 4) << 2));
      const v2 = v128.load(a + (<usize>(j + 8) << 2));
      const v3 = v128.load(a + (<usize>(j + 12) << 2));
      vmin = f32x4.pmin(f32x4.pmin(vmin, v0), f32x4.pmin(v1, f32x4.pmin(v2, v3)));
      vmax = f32x4.pmax(f32x4.pmax(vmax, v0), f32x4.pmax(v1, f32x4.pmax(v2, v3)));
      vsum = f32x4.add(vsum, f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3)));
      // Above lo, t, hi: nested (lo <= t <= hi), so the band bit is 1 below lo, 2 between lo and t,
      // 4 between t and hi, 8 above hi.
      const g1 = narrowMasks(f32x4.gt(v0, vlo), f32x4.gt(v1, vlo), f32x4.gt(v2, vlo), f32x4.gt(v3, vlo));
      const g2 = narrowMasks(f32x4.gt(v0, vt), f32x4.gt(v1, vt), f32x4.gt(v2, vt), f32x4.gt(v3, vt));
      const g3 = narrowMasks(f32x4.gt(v0, vhi), f32x4.gt(v1, vhi), f32x4.gt(v2, vhi), f32x4.gt(v3, vhi));
      const b = v128.or(
        v128.or(v128.andnot(band1, g1), v128.and(v128.xor(g1, g2), band2)),
        v128.or(v128.and(v128.xor(g2, g3), band4), v128.and(g3, band8)),
      );
      v128.store(c + <usize>j, b);
    }
    for (; j < nCols; j++) {
      const v = load<f32>(a + (<usize>j << 2));
      smin = v < smin ? v : smin;
      smax = v > smax ? v : smax;
      ssum += v;
      const k = <i32>(v > lo) + <i32>(v > t) + <i32>(v > hi);
      const bit: i32 = 1 << k;
      store<u8>(c + <usize>j, <u8>bit);
    }
  }
  for (let k = 0; k < 4; k++) {
    // extract_lane needs a constant lane: rotate instead.
    const lmin = f32x4.extract_lane(vmin, 0);
    const lmax = f32x4.extract_lane(vmax, 0);
    smin = lmin < smin ? lmin : smin;
    smax = lmax > smax ? lmax : smax;
    ssum += f32x4.extract_lane(vsum, 0);
    vmin = v128.shuffle<u32>(vmin, vmin, 1, 2, 3, 0);
    vmax = v128.shuffle<u32>(vmax, vmax, 1, 2, 3, 0);
    vsum = v128.shuffle<u32>(vsum, vsum, 1, 2, 3, 0);
  }
  // NaN or infinite (v - v is 0 for every finite v) when a cell was not finite.
  magnitude = ssum - ssum != 0 ? ssum - ssum : Mathf.max(smax, -smin);
  for (let br = 0; br < nbr; br++) {
    const r0 = i32At(rSupLo, br);
    const r1 = i32At(rSupHi, br);
    if (r0 > r1) {
      memory.fill(bands + <usize>(br * nbc), 0, <usize>nbc);
      continue;
    }
    let j = 0;
    for (; j + 16 <= nCols; j += 16) {
      let m = v128.load(cell + <usize>(r0 * n + j));
      for (let r = r0 + 1; r <= r1; r++) m = v128.or(m, v128.load(cell + <usize>(r * n + j)));
      v128.store(colBits + <usize>j, m);
    }
    for (; j < nCols; j++) {
      let m: u8 = 0;
      for (let r = r0; r <= r1; r++) m |= load<u8>(cell + <usize>(r * n + j));
      store<u8>(colBits + <usize>j, m);
    }
    // Each column ORed with the next 3 (colFour), so a block of 4 or more columns is two loads: its
    // first column's four and its last four's. Bytes past nCols are never part of those.
    for (let j = 0; j < nCols; j += 16) {
      const p = colBits + <usize>j;
      v128.store(colFour + <usize>j, v128.or(v128.or(v128.load(p), v128.load(p, 1)), v128.or(v128.load(p, 2), v128.load(p, 3))));
    }
    for (let bc = 0; bc < nbc; bc++) {
      const q0 = i32At(cSupLo, bc);
      const q1 = i32At(cSupHi, bc);
      let m: u8 = 0;
      if (q1 - q0 >= 3) m = load<u8>(colFour + <usize>q0) | load<u8>(colFour + <usize>(q1 - 3));
      else for (let q = q0; q <= q1; q++) m |= load<u8>(colBits + <usize>q);
      store<u8>(bands + <usize>(br * nbc + bc), m);
    }
  }
}

@inline function far(d: f32, lo: f32, hi: f32, t: f32, margin: f32): bool {
  return Math.abs(d - lo) > margin && Math.abs(d - hi) > margin && Math.abs(d - t) > margin;
}

/** 4 pixels' estimates from their 3 horizontal-pass values (at p0, p1, p2) and the row's weights. */
@inline function vertical(w0: v128, w1: v128, w2: v128, p0: usize, p1: usize, p2: usize): v128 {
  return f32x4.add(f32x4.add(f32x4.mul(w0, v128.load(p0)), f32x4.mul(w1, v128.load(p1))), f32x4.mul(w2, v128.load(p2)));
}

// exactRow's results.
let rowAbove = 0;
let rowBoth = 0;
let rowOn: u64 = 0;

/**
 * One pixel row of estimateBlock with the exact float32 value (upsample.pixelValue, imported) for
 * every pixel whose estimate is within the margin of a cutoff (or NaN): its pixels above lo and above
 * hi, and its bits at t.
 */
function exactRow(y: i32, x0: i32, w: i32, ws: i32, valid: u64, h0: usize, w0: v128, w1: v128, w2: v128, margin: f32, lo: f32, hi: f32, t: f32): void {
  const h1 = h0 + (<usize>ws << 2);
  const h2 = h1 + (<usize>ws << 2);
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const vt = f32x4.splat(t);
  let up: u64 = 0;
  let hiBits: u64 = 0;
  let on: u64 = 0;
  for (let x = 0; x < ws; x += 4) {
    const o = <usize>x << 2;
    let v = vertical(w0, w1, w2, h0 + o, h1 + o, h2 + o);
    let d0 = f32x4.extract_lane(v, 0);
    let d1 = f32x4.extract_lane(v, 1);
    let d2 = f32x4.extract_lane(v, 2);
    let d3 = f32x4.extract_lane(v, 3);
    if (x < w && !far(d0, lo, hi, t, margin)) d0 = <f32>dense(y, x0 + x);
    if (x + 1 < w && !far(d1, lo, hi, t, margin)) d1 = <f32>dense(y, x0 + x + 1);
    if (x + 2 < w && !far(d2, lo, hi, t, margin)) d2 = <f32>dense(y, x0 + x + 2);
    if (x + 3 < w && !far(d3, lo, hi, t, margin)) d3 = <f32>dense(y, x0 + x + 3);
    v = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(v, 0, d0), 1, d1), 2, d2), 3, d3);
    up |= <u64>i32x4.bitmask(f32x4.gt(v, vlo)) << <u64>x;
    hiBits |= <u64>i32x4.bitmask(f32x4.gt(v, vhi)) << <u64>x;
    on |= <u64>i32x4.bitmask(f32x4.gt(v, vt)) << <u64>x;
  }
  up &= valid;
  rowAbove = <i32>popcnt<u64>(up);
  rowBoth = <i32>popcnt<u64>(up & hiBits);
  rowOn = on;
}

/**
 * Pixels y0..y1-1 x x0..x1-1 at the cutoffs (estimate.ts estimateBlock): adds the pixels
 * above lo to gUnion and those above lo and hi to gInter; with `sink`, stores each pixel row's bits
 * of (value > t) from bits[at] (CutMask's layout) and widens the cut's box by the block's on pixels.
 *
 * The estimate is float32, 4 pixels at a time, and still decides against estimate.ts's
 * margin (64 * 2^-24 * M plus 2^-140, M the largest |cell| read). Bound, with u = 2^-24 and all
 * weights >= 0 summing to 1 per axis: the float32 weights are the float64 ones rounded (each within
 * u relative: <= 2u * M on the value); the horizontal pass (3 products, 2 sums) and the vertical one
 * (the same, on values <= M) each add <= 5u * M; the dense float32 value is within 2u * M of the
 * exact one. So |estimate - dense| <= 14u * M (plus ~24 subnormal roundings of 2^-149), under a
 * quarter of the margin, and the rounding of |estimate - cutoff| itself costs another u relative.
 */
function estimateBlock(bc: i32, y0: i32, y1: i32, x0: i32, x1: i32, margin: f32, lo: f32, hi: f32, t: f32, count: bool, sink: bool, at: i32): void {
  const ra = i32At(RF, y0);
  const nr = i32At(RF, y1 - 1) + 3 - ra;
  const w = x1 - x0;
  const ws = (w + 3) & ~3;
  // Horizontal pass, row-major: HR[a * ws + x - x0] for the block's low-res rows a, 4 pixels at a
  // time: the block column's cells of a row are two vectors from `base` (the host checks that 8
  // cells cover every tap), and each pixel's 3 taps are picked from them by byte swizzles (hIdx).
  // Lanes past the block's width hold values of no pixel; the vertical pass masks them.
  const base = low + (<usize>i32At(cBase, bc) << 2);
  const sixteen = i8x16.splat(16);
  for (let q = 0; q < ws; q += 4) {
    const x = <usize>(x0 + q) << 2;
    const i0 = v128.load(hIdx + x);
    const i1 = v128.load(hIdx + hIdxPlane + x);
    const i2 = v128.load(hIdx + 2 * hIdxPlane + x);
    const j0 = i8x16.sub(i0, sixteen);
    const j1 = i8x16.sub(i1, sixteen);
    const j2 = i8x16.sub(i2, sixteen);
    const c0 = v128.load(CW0 + x);
    const c1 = v128.load(CW1 + x);
    const c2 = v128.load(CW2 + x);
    for (let a = 0; a < nr; a++) {
      const row = base + (<usize>((ra + a) * n) << 2);
      const A = v128.load(row);
      const B = v128.load(row, 16);
      const t0 = v128.or(i8x16.swizzle(A, i0), i8x16.swizzle(B, j0));
      const t1 = v128.or(i8x16.swizzle(A, i1), i8x16.swizzle(B, j1));
      const t2 = v128.or(i8x16.swizzle(A, i2), i8x16.swizzle(B, j2));
      // The scalar order: (c0 * t0 + c1 * t1) + c2 * t2.
      v128.store(HR + (<usize>(a * ws + q) << 2), f32x4.add(f32x4.add(f32x4.mul(t0, c0), f32x4.mul(t1, c1)), f32x4.mul(t2, c2)));
    }
  }
  const vlo = f32x4.splat(lo);
  const vhi = f32x4.splat(hi);
  const vt = f32x4.splat(t);
  const vm = f32x4.splat(margin);
  const ones = i32x4.splat(-1);
  // The last 4-pixel group's lanes inside the block.
  const tail = w - (ws - 4);
  const lastMask = i32x4.gt_s(i32x4.splat(tail), i32x4(0, 1, 2, 3));
  const valid: u64 = w == 64 ? ~(<u64>0) : (<u64>1 << <u64>w) - 1;
  let accUp = i32x4.splat(0);
  let accHi = i32x4.splat(0);
  let above = 0;
  let both = 0;
  let columns: u64 = 0;
  let firstOn = -1;
  let lastOn = -1;
  for (let y = y0; y < y1; y++) {
    const w0 = f32x4.splat(f32At(RW0, y));
    const w1 = f32x4.splat(f32At(RW1, y));
    const w2 = f32x4.splat(f32At(RW2, y));
    const h0 = HR + (<usize>((i32At(RF, y) - ra) * ws) << 2);
    const h1 = h0 + (<usize>ws << 2);
    const h2 = h1 + (<usize>ws << 2);
    let unsure = i32x4.splat(0);
    let rowUp = i32x4.splat(0);
    let rowHi = i32x4.splat(0);
    let on: u64 = 0;
    for (let x = 0; x < ws; x += 4) {
      const o = <usize>x << 2;
      const mq = x + 4 <= w ? ones : lastMask;
      const v = vertical(w0, w1, w2, h0 + o, h1 + o, h2 + o);
      // Distance to the nearest cutoff. A NaN v makes all three NaN, and pmin keeps its first operand
      // when that is NaN: d is then NaN, which is unsure too.
      const d = f32x4.pmin(f32x4.pmin(f32x4.abs(f32x4.sub(v, vlo)), f32x4.abs(f32x4.sub(v, vt))), f32x4.abs(f32x4.sub(v, vhi)));
      unsure = v128.or(unsure, v128.andnot(mq, f32x4.gt(d, vm)));
      if (count) {
        rowUp = i32x4.sub(rowUp, v128.and(f32x4.gt(v, vlo), mq));
        // hi >= lo (the host nests them), so above hi is above both.
        rowHi = i32x4.sub(rowHi, v128.and(f32x4.gt(v, vhi), mq));
      }
      if (sink) on |= <u64>i32x4.bitmask(f32x4.gt(v, vt)) << <u64>x;
    }
    if (v128.any_true(unsure)) {
      // Within the margin of a cutoff: this row again, with the exact values where needed.
      exactRow(y, x0, w, ws, valid, h0, w0, w1, w2, margin, lo, hi, t);
      above += rowAbove;
      both += rowBoth;
      on = rowOn;
    } else {
      accUp = i32x4.add(accUp, rowUp);
      accHi = i32x4.add(accHi, rowHi);
    }
    if (!sink) continue;
    on &= valid;
    // 8 bytes stored, rowBytes kept: the bytes past the row are 0 and the next row or block
    // overwrites them; `bits` has 8 bytes of slack for the last one.
    store<u64>(bits + <usize>at + <usize>((y - y0) * rowBytes), on);
    if (on == 0) continue;
    columns |= on;
    if (firstOn < 0) firstOn = y;
    lastOn = y;
  }
  if (count) {
    above += i32x4.extract_lane(accUp, 0) + i32x4.extract_lane(accUp, 1) + i32x4.extract_lane(accUp, 2) + i32x4.extract_lane(accUp, 3);
    both += i32x4.extract_lane(accHi, 0) + i32x4.extract_lane(accHi, 1) + i32x4.extract_lane(accHi, 2) + i32x4.extract_lane(accHi, 3);
  }
  gUnion += <f64>above;
  gInter += <f64>both;
  if (firstOn < 0) return;
  bxs = min(bxs, x0 + <i32>ctz<u64>(columns));
  bxe = max(bxe, x0 + 63 - <i32>clz<u64>(columns));
  bys = min(bys, firstOn);
  bye = max(bye, lastOn);
}

/**
 * classifyMap of classify.ts on the map in `low`: the counts (inter(), union()), the cut at t
 * in state / offset / bits, and its box (cutBox of rle.ts) in boxOut.
 */
export function classify(lo: f32, hi: f32, t: f32): void {
  blockBands(lo, t, hi);
  // v - v is 0 for every finite v: one NaN or infinite cell sends every block to the exact values.
  const bad = magnitude - magnitude != 0;
  // Rounded to float32 (within u relative, which the bound of estimateBlock allows for).
  const margin = <f32>(bad ? Infinity : <f64>magnitude * marginPerMagnitude + absMargin);
  const nb = nbr * nbc;
  if (bad) memory.fill(bands, <u8>(15 | NONFINITE), <usize>nb);
  gInter = 0;
  gUnion = 0;
  bxs = i32.MAX_VALUE;
  bys = i32.MAX_VALUE;
  bxe = -1;
  bye = -1;
  let nBytes = 0;
  for (let i = 0; i < nb; i++) {
    const m = <i32>load<u8>(bands + <usize>i);
    // Bands 0, 1 are at or below t; 2, 3 above it.
    const s: u8 = m & NONFINITE ? MIXED : (m & 12) == 0 ? OFF : (m & 3) == 0 ? ON : MIXED;
    store<u8>(state + <usize>i, s);
    if (s != MIXED) continue;
    store<i32>(offset + (<usize>i << 2), nBytes);
    const br = i / nbc;
    nBytes += (i32At(rBlockPix, br + 1) - i32At(rBlockPix, br)) * rowBytes;
  }
  for (let br = 0; br < nbr; br++) {
    const y0 = i32At(rBlockPix, br);
    const y1 = i32At(rBlockPix, br + 1);
    if (y1 == y0) continue;
    for (let bc = 0; bc < nbc; bc++) {
      const i = br * nbc + bc;
      const m = <i32>load<u8>(bands + <usize>i);
      const straddlesLo = (m & 1) != 0 && (m & 14) != 0;
      const straddlesHi = (m & 8) != 0 && (m & 7) != 0;
      const count = (m & NONFINITE) != 0 || straddlesLo || straddlesHi;
      const s = load<u8>(state + <usize>i);
      const cut = s == MIXED;
      const x0 = i32At(cBlockPix, bc);
      const x1 = i32At(cBlockPix, bc + 1);
      if (s == ON && x1 > x0) {
        bxs = min(bxs, x0);
        bys = min(bys, y0);
        bxe = max(bxe, x1 - 1);
        bye = max(bye, y1 - 1);
      }
      const area = <f64>(y1 - y0) * <f64>(x1 - x0);
      if (!count) {
        if (m & 8) {
          gInter += area;
          gUnion += area;
        } else if (m & 6) gUnion += area;
        if (!cut) continue;
      }
      if (area == 0) {
        // Only a map with a non-finite cell makes a block without pixels MIXED: its rows are off.
        if (cut) memory.fill(bits + <usize>i32At(offset, i), 0, <usize>((y1 - y0) * rowBytes));
        continue;
      }
      const keepInter = gInter;
      const keepUnion = gUnion;
      estimateBlock(bc, y0, y1, x0, x1, margin, lo, hi, t, count, cut, cut ? i32At(offset, i) : 0);
      // A block estimated only for its cut adds nothing more to the counts.
      if (!count) {
        gInter = keepInter;
        gUnion = keepUnion;
      }
    }
  }
  const empty = bxe < 0;
  store<i32>(boxOut, empty ? 0 : bxs);
  store<i32>(boxOut, empty ? 0 : bys, 4);
  store<i32>(boxOut, empty ? 0 : bxe, 8);
  store<i32>(boxOut, empty ? 0 : bye, 12);
}

export function inter(): f64 {
  return gInter;
}

export function union(): f64 {
  return gUnion;
}

