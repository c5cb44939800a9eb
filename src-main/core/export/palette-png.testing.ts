// Reads an 8-bit indexed PNG back with code of its own (no image library): the chunks, the palette
// and the pixel indices, undoing each row's PNG filter. For tests of the mask export.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

export interface IndexedPng {
  width: number;
  height: number;
  colourType: number;
  palette: string[];
  indices: Uint8Array;
}

export function readIndexedPng(file: string): IndexedPng {
  const buf = readFileSync(file);
  let p = 8;
  let width = 0;
  let height = 0;
  let colourType = -1;
  const palette: string[] = [];
  const idat: Buffer[] = [];
  while (p < buf.length) {
    const len = buf.readUInt32BE(p);
    const type = buf.toString('ascii', p + 4, p + 8);
    const data = buf.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      colourType = data[9];
    } else if (type === 'PLTE') {
      for (let i = 0; i < data.length; i += 3) palette.push('#' + data.subarray(i, i + 3).toString('hex'));
    } else if (type === 'IDAT') idat.push(data);
    p += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const indices = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const left = x > 0 ? indices[y * width + x - 1] : 0;
      const up = y > 0 ? indices[(y - 1) * width + x] : 0;
      const upLeft = x > 0 && y > 0 ? indices[(y - 1) * width + x - 1] : 0;
      const paeth = () => {
        const q = left + up - upLeft;
        const [a, b, c] = [Math.abs(q - left), Math.abs(q - up), Math.abs(q - upLeft)];
        return a <= b && a <= c ? left : b <= c ? up : upLeft;
      };
      const pred = [0, left, up, (left + up) >> 1, 0][filter] ?? 0;
      indices[y * width + x] = (v + (filter === 4 ? paeth() : pred)) & 0xff;
    }
  }
  return { width, height, colourType, palette, indices };
}
