// Point grids, crop boxes and the crop <-> image coordinate changes of SAM's AMG
// (segment_anything/utils/amg.py: build_point_grid, build_all_layer_point_grids,
// generate_crop_boxes, uncrop_boxes_xyxy, uncrop_points, uncrop_masks), with the same arithmetic so
// that points and crops come out bit-identical.

import { SamanticError } from '../errors';
import type { BinaryMask, BoxXYXY, RgbImage } from '../types';

/** numpy.linspace(start, stop, num) as numpy computes it: i * step + start, last = stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const out: number[] = [];
  const div = num - 1;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out.push(div > 0 ? i * step + start : start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * n x n points in [0, 1]^2 as flat (x, y) pairs, offset 1/(2n) from the borders, rows (y) outer
 * and columns (x) inner, as build_point_grid.
 */
export function buildPointGrid(n: number): Float64Array {
  const offset = 1 / (2 * n);
  const side = linspace(offset, 1 - offset, n);
  const out = new Float64Array(2 * n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      out[2 * (r * n + c)] = side[c];
      out[2 * (r * n + c) + 1] = side[r];
    }
  }
  return out;
}

/** One grid per layer 0..nLayers with floor(nPerSide / scalePerLayer^i) points per side. */
export function buildAllLayerPointGrids(nPerSide: number, nLayers: number, scalePerLayer: number): Float64Array[] {
  const grids: Float64Array[] = [];
  for (let i = 0; i <= nLayers; i++) grids.push(buildPointGrid(Math.floor(nPerSide / scalePerLayer ** i)));
  return grids;
}

/** Flattens explicit (x, y) grids to the Float64Array form buildPointGrid returns. */
export function flattenPointGrid(points: ReadonlyArray<readonly [number, number]>): Float64Array {
  const out = new Float64Array(points.length * 2);
  points.forEach(([x, y], i) => {
    out[2 * i] = x;
    out[2 * i + 1] = y;
  });
  return out;
}

/** Normalised grid points scaled to a crop's pixel size (points_for_image in _process_crop). */
export function scalePoints(grid: Float64Array, width: number, height: number): Float64Array {
  const out = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i += 2) {
    out[i] = grid[i] * width;
    out[i + 1] = grid[i + 1] * height;
  }
  return out;
}

export interface CropBoxes {
  /** [x0, y0, x1, y1], x1/y1 exclusive; the first is the whole image. */
  boxes: BoxXYXY[];
  /** Layer index of each box (0 for the whole image). */
  layers: number[];
}

/**
 * SAM's generate_crop_boxes: layer i (1-based) has k = 2^i crops per side overlapping by
 * overlap = int(ratio * shortSide * (2 / k)) pixels, each ceil((overlap * (k - 1) + len) / k) long,
 * starting at int((cropLen - overlap) * j); boxes run x-outer, y-inner (itertools.product).
 */
export function generateCropBoxes(width: number, height: number, nLayers: number, overlapRatio: number): CropBoxes {
  const boxes: BoxXYXY[] = [[0, 0, width, height]];
  const layers = [0];
  const shortSide = Math.min(height, width);
  const cropLen = (len: number, n: number, overlap: number) => Math.ceil((overlap * (n - 1) + len) / n);
  for (let layer = 0; layer < nLayers; layer++) {
    const k = 2 ** (layer + 1);
    const overlap = Math.trunc(overlapRatio * shortSide * (2 / k));
    const cw = cropLen(width, k, overlap);
    const ch = cropLen(height, k, overlap);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let j = 0; j < k; j++) {
      xs.push(Math.trunc((cw - overlap) * j));
      ys.push(Math.trunc((ch - overlap) * j));
    }
    for (const x0 of xs) {
      for (const y0 of ys) {
        boxes.push([x0, y0, Math.min(x0 + cw, width), Math.min(y0 + ch, height)]);
        layers.push(layer + 1);
      }
    }
  }
  return { boxes, layers };
}

/** Shifts a box from crop to image coordinates (uncrop_boxes_xyxy). */
export function uncropBox(box: BoxXYXY, cropBox: BoxXYXY): BoxXYXY {
  const [x0, y0] = cropBox;
  return [box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0];
}

/** Shifts a point from crop to image coordinates (uncrop_points). */
export function uncropPoint(point: readonly [number, number], cropBox: BoxXYXY): [number, number] {
  return [point[0] + cropBox[0], point[1] + cropBox[1]];
}

/** Pastes a crop-sized mask into a zero mask of the image's size (uncrop_masks). */
export function uncropMask(mask: BinaryMask, cropBox: BoxXYXY, origW: number, origH: number): BinaryMask {
  const [x0, y0, x1, y1] = cropBox;
  if (x1 - x0 !== mask.width || y1 - y0 !== mask.height || x1 > origW || y1 > origH || x0 < 0 || y0 < 0) {
    throw new SamanticError(
      'invalid-argument',
      `a ${mask.width}x${mask.height} mask does not match crop box [${cropBox.join(', ')}] in a ${origW}x${origH} image.`,
    );
  }
  if (x0 === 0 && y0 === 0 && x1 === origW && y1 === origH) return mask;
  const data = new Uint8Array(origW * origH);
  for (let y = 0; y < mask.height; y++) {
    data.set(mask.data.subarray(y * mask.width, (y + 1) * mask.width), (y + y0) * origW + x0);
  }
  return { width: origW, height: origH, data };
}

/** The pixels of `image` inside cropBox (image[y0:y1, x0:x1]); the image itself for a full crop. */
export function cropImage(image: RgbImage, cropBox: BoxXYXY): RgbImage {
  const [x0, y0, x1, y1] = cropBox;
  if (x0 === 0 && y0 === 0 && x1 === image.width && y1 === image.height) return image;
  const w = x1 - x0;
  const h = y1 - y0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y + y0) * image.width + x0) * 3;
    data.set(image.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { width: w, height: h, data };
}

/**
 * True when the box (crop coordinates, inclusive xyxy) lies within `atol` pixels of an edge of its
 * crop that is not also within `atol` of the image's edge (is_box_near_crop_edge, atol 20.0):
 * such a mask was probably cut by the crop.
 */
export function isBoxNearCropEdge(box: BoxXYXY, cropBox: BoxXYXY, origBox: BoxXYXY, atol: number): boolean {
  const b = uncropBox(box, cropBox);
  for (let i = 0; i < 4; i++) {
    const nearCrop = Math.abs(b[i] - cropBox[i]) <= atol;
    const nearImage = Math.abs(b[i] - origBox[i]) <= atol;
    if (nearCrop && !nearImage) return true;
  }
  return false;
}
