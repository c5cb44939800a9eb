// SAM's image preprocessing: resize the longest side to the frame (1024), then either normalise and
// zero-pad into a 1x3xFxF tensor (official encoder) or hand the resized HxWx3 0-255 pixels to an
// encoder that normalises and pads inside its graph (samexporter --use-preprocess).

import sharp from 'sharp';
import type { FrameTransform, RgbImage } from '../types';
import type { EncoderFlavour, EncoderResize } from './descriptor';

/** segment_anything/modeling/sam.py: pixel_mean / pixel_std on 0-255 RGB. */
export const SAM_PIXEL_MEAN: readonly [number, number, number] = [123.675, 116.28, 103.53];
export const SAM_PIXEL_STD: readonly [number, number, number] = [58.395, 57.12, 57.375];
export const SAM_FRAME_SIZE = 1024;

/**
 * SAM's ResizeLongestSide.get_preprocess_shape: s = frame / max(w, h); newW = int(w*s + 0.5),
 * newH = int(h*s + 0.5).
 */
export function computeFrameTransform(width: number, height: number, frameSize = SAM_FRAME_SIZE): FrameTransform {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
    ['frameSize', frameSize],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`computeFrameTransform: ${name} must be a positive integer, got ${v}`);
  }
  const scale = frameSize / Math.max(width, height);
  return {
    origWidth: width,
    origHeight: height,
    scale,
    resizedWidth: Math.floor(width * scale + 0.5),
    resizedHeight: Math.floor(height * scale + 0.5),
    frameSize,
  };
}

/** SAM 2's resize: both sides onto the whole frame (aspect not kept, no padding). */
export function stretchFrameTransform(width: number, height: number, frameSize = SAM_FRAME_SIZE): FrameTransform {
  const t = computeFrameTransform(width, height, frameSize);
  return { ...t, resizedWidth: frameSize, resizedHeight: frameSize };
}

/** Original pixel coordinates -> model frame, as SAM's ResizeLongestSide.apply_coords. */
export function toFrameCoords(t: FrameTransform, x: number, y: number): [number, number] {
  return [x * (t.resizedWidth / t.origWidth), y * (t.resizedHeight / t.origHeight)];
}

function checkImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(`image data has ${data.length} bytes, expected ${width * height * 3} for ${width}x${height} RGB`);
  }
}

/**
 * Resizes with sharp's linear kernel: bilinear interpolation that, like PIL's BILINEAR which SAM's
 * torchvision resize uses on PIL images, widens its support when shrinking (antialiased).
 */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  checkImage(image);
  if (width === image.width && height === image.height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { kernel: 'linear', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`resize produced ${info.channels} channels, expected 3`);
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export interface EncoderInput {
  data: Float32Array;
  dims: number[];
}

/**
 * Builds the encoder's input from an image already resized to the transform's resized size.
 * 'nchw-normalized': 1x3xFxF, (x - mean) / std, zeros bottom/right (SAM's Sam.preprocess).
 * 'hwc-raw': HxWx3 float 0-255, unpadded; the graph normalises and pads.
 */
export function encoderInput(
  resized: RgbImage,
  flavour: EncoderFlavour,
  frameSize = SAM_FRAME_SIZE,
  mean: readonly number[] = SAM_PIXEL_MEAN,
  std: readonly number[] = SAM_PIXEL_STD,
): EncoderInput {
  checkImage(resized);
  const { width: w, height: h, data: px } = resized;
  if (w > frameSize || h > frameSize) throw new RangeError(`resized image ${w}x${h} is larger than the ${frameSize} frame`);
  if (flavour === 'hwc-raw') {
    const data = new Float32Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = px[i];
    return { data, dims: [h, w, 3] };
  }
  const plane = frameSize * frameSize;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const m = mean[c];
    const inv = 1 / std[c];
    const base = c * plane;
    for (let y = 0; y < h; y++) {
      const row = base + y * frameSize;
      let src = y * w * 3 + c;
      for (let x = 0; x < w; x++, src += 3) data[row + x] = (px[src] - m) * inv;
    }
  }
  return { data, dims: [1, 3, frameSize, frameSize] };
}

/** How an encoder takes its pixels (from the model's descriptor); every field has SAM's default. */
export interface PreprocessOptions {
  /** The square frame prompts and masks live in (SAM: 1024). */
  frameSize?: number;
  mean?: readonly number[];
  std?: readonly number[];
  resize?: EncoderResize;
  /** The square the encoder takes its pixels in; default: the frame. */
  inputSize?: number;
}

/**
 * Resize + encoder input in one call; returns the transform prompts and masks use, in the
 * `frameSize` frame. `inputSize` (default: the frame) is the square the encoder takes its pixels
 * in: a smaller one (EfficientViT-SAM-L: 512 in a 1024 frame) gets the image resized into it the
 * same way, while the transform stays the frame's, as its publisher's predictor does.
 */
export async function preprocess(
  image: RgbImage,
  flavour: EncoderFlavour,
  options: PreprocessOptions = {},
): Promise<{ input: EncoderInput; transform: FrameTransform }> {
  const { frameSize = SAM_FRAME_SIZE, mean = SAM_PIXEL_MEAN, std = SAM_PIXEL_STD, resize = 'longest-side' } = options;
  const inputSize = options.inputSize ?? frameSize;
  checkImage(image);
  const inFrame = resize === 'stretch' ? stretchFrameTransform : computeFrameTransform;
  const transform = inFrame(image.width, image.height, frameSize);
  const pixels = inputSize === frameSize ? transform : inFrame(image.width, image.height, inputSize);
  const resized = await resizeRgb(image, pixels.resizedWidth, pixels.resizedHeight);
  return { input: encoderInput(resized, flavour, inputSize, mean, std), transform };
}
