// An 8-bit palette PNG (colour type 3) whose pixel values are exactly the given indices, with the
// palette the caller gives: what mask exports need (the class index per pixel, the class colour in
// any viewer). Written here because sharp's palette mode quantises colours and chooses its own
// indices; the PNG container itself is small: signature, IHDR, PLTE, IDAT (zlib), IEND.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** IHDR colour type of an indexed image. */
export const PNG_COLOUR_INDEXED = 3;

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * Encodes `indices` (row-major, width x height, one byte a pixel) with `palette` (one '#rrggbb' per
 * index used; index i gets palette[i]). Rows use PNG filter 0 (none): class-index images are long
 * runs that zlib compresses well on their own.
 */
export function encodePalettePng(width: number, height: number, indices: Uint8Array, palette: readonly string[]): Buffer {
  if (indices.length !== width * height) throw new RangeError(`palette PNG: ${indices.length} pixels for ${width}x${height}`);
  if (palette.length < 1 || palette.length > 256) throw new RangeError(`palette PNG: ${palette.length} colours (1 to 256)`);
  let max = 0;
  for (const v of indices) if (v > max) max = v;
  if (max >= palette.length) throw new RangeError(`palette PNG: index ${max} has no colour (${palette.length} in the palette)`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = PNG_COLOUR_INDEXED;
  const plte = Buffer.alloc(palette.length * 3);
  palette.forEach((hex, i) => {
    const m = /^#([0-9a-f]{6})$/i.exec(hex);
    if (!m) throw new RangeError(`palette PNG: colour ${JSON.stringify(hex)} is not #rrggbb`);
    plte.writeUIntBE(parseInt(m[1], 16), i * 3, 3);
  });
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('PLTE', plte),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
