// Compact binary encodings for what the project store keeps in BLOB columns:
// - IEEE 754 binary16 ("half") for embeddings: a 256x64x64 image embedding is 4 MiB as float32 and
//   2 MiB as float16, and the rounding error (relative <= 2^-11) is far below what clustering or the
//   mask decoder can notice (measured in codec.test.ts).
// - Unsigned LEB128 varints for RLE run lengths: most runs of a mask are short, so they take one or
//   two bytes instead of four.
// All multi-byte values are little-endian, whatever the host, so project files move between machines.

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** Rounds one float32 value to binary16, round-to-nearest, ties-to-even; returns the 16 bits. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = f32Bits[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;

  if (exp === 0xff) {
    // Infinity keeps its sign; every NaN becomes the canonical quiet NaN (payloads carry nothing here).
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00;
  }
  // Re-bias the exponent from float32 (127) to float16 (15).
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Result is subnormal (or zero): shift the full 24-bit significand down to units of 2^-24.
    const shift = 14 - e;
    if (shift > 24) return sign; // below half of the smallest subnormal 2^-24: rounds to zero
    const m = mant | 0x800000;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half; // a carry into bit 10 correctly yields the smallest normal number
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // carry may reach Infinity: correct
  return sign | half;
}

function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// Every binary16 value is exactly representable in float32, so decoding is one table lookup.
let decodeTable: Float32Array | null = null;
function table(): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) decodeTable[h] = float16BitsToNumber(h);
  }
  return decodeTable;
}

/** The float32 value of 16 binary16 bits (exact). */
export function float16BitsToFloat32(h: number): number {
  return table()[h & 0xffff];
}

export function float32ArrayToFloat16(src: ArrayLike<number>, dst = new Uint16Array(src.length)): Uint16Array {
  if (dst.length !== src.length) throw new RangeError(`float16 output has length ${dst.length}, expected ${src.length}`);
  for (let i = 0; i < src.length; i++) dst[i] = float32ToFloat16Bits(src[i]);
  return dst;
}

/** Float32 values -> little-endian binary16 bytes (2 per value), ready for a BLOB column. */
export function encodeFloat16Blob(values: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const h = float32ToFloat16Bits(values[i]);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian binary16 bytes -> float32 values (into dst, e.g. a row of a larger matrix, if given). */
export function decodeFloat16Blob(bytes: Uint8Array, dst: Float32Array = new Float32Array(bytes.length >>> 1)): Float32Array {
  if (bytes.length % 2 !== 0) throw new RangeError(`a float16 blob must have an even length, got ${bytes.length} bytes`);
  if (dst.length !== bytes.length / 2) throw new RangeError(`float32 output has length ${dst.length}, expected ${bytes.length / 2}`);
  // Normal numbers by bit arithmetic (sign, exponent rebased from 15 to 127, mantissa widened), the
  // rest (zeros, subnormals, infinities, NaN) from the table: a lookup per value misses the cache
  // (the table is 256 KB), ~2 against ~16 ms of CPU for a 256x64x64 embedding into a buffer at hand,
  // and a click that switches images waits for it.
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 2 === 0) widenHalves(new Uint16Array(bytes.buffer, bytes.byteOffset, dst.length), bits, dst);
  else
    widenHalves(
      Uint16Array.from({ length: dst.length }, (_, i) => bytes[2 * i] | (bytes[2 * i + 1] << 8)),
      bits,
      dst,
    );
  return dst;
}

/** halves -> float32 (bits and dst view the same memory). One tight loop, so V8 keeps it monomorphic. */
function widenHalves(halves: Uint16Array, bits: Uint32Array, dst: Float32Array): void {
  const t = table();
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i];
    const e = h & 0x7c00;
    if (e !== 0 && e !== 0x7c00) bits[i] = ((h & 0x8000) << 16) | ((e + 0x1c000) << 13) | ((h & 0x3ff) << 13);
    else dst[i] = t[h];
  }
}

/** Largest run length a varint may hold: RLE counts never exceed height*width of one image. */
const MAX_COUNT = 2 ** 32 - 1;

/** Non-negative integers -> unsigned LEB128 bytes (7 bits per byte, high bit = more follows). */
export function encodeVarints(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(values.length * 5);
  let p = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    if (!Number.isInteger(v) || v < 0 || v > MAX_COUNT) {
      throw new RangeError(`varint value #${i} is ${v}; expected an integer between 0 and ${MAX_COUNT}`);
    }
    while (v >= 0x80) {
      out[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[p++] = v;
  }
  return out.subarray(0, p);
}

export function decodeVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let value = 0;
  let scale = 1;
  for (let p = 0; p < bytes.length; p++) {
    const b = bytes[p];
    value += (b & 0x7f) * scale;
    if (b & 0x80) {
      scale *= 0x80;
      if (scale >= 2 ** 35) throw new RangeError(`varint at byte ${p} is longer than 5 bytes: the data is corrupt`);
    } else {
      out.push(value);
      value = 0;
      scale = 1;
    }
  }
  if (scale !== 1) throw new RangeError('varint data ends in the middle of a value: the data is truncated');
  return out;
}
