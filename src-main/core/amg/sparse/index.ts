// The sparse low-resolution path: answers the generator's per-mask questions (stability, box, RLE)
// from SAM's 256x256 low-res logits without upsampling whole maps. An upsampled value never leaves
// the [min, max] of the low-res cells it reads (its support, upsample.ts), so a block of pixels
// whose support's cells all lie between the same two cutoffs is decided at once (layout.ts);
// only blocks that straddle a cutoff are evaluated, from a float64 estimate whose distance to the
// dense float32 value is bounded, taking the dense value (upsample.pixelValue) where the estimate is
// within that bound of a cutoff (estimate.ts), in one pass that also keeps the mask at the
// threshold for box() and rleInFrame() (classify.ts, rle.ts). The answers are
// therefore identical to upsampling the map (upsampleLowRes) and running the dense path (logits.ts).
// The per-map classification runs in a WASM kernel where the runtime has one (kernel-host.ts),
// with the same answers as the JS path, which remains the fallback and the reference.

import type { BoxXYXY, MaskPredictor, Rle } from '../../types';
import { RunBuilder } from '../../mask/rle';
import type { MaskLogits } from '../logits';
import { classifyMap, type CutMask } from './classify';
import { sparseKernel, type KernelCounts, type SparseKernel } from './kernel-host';
import { blockBands, type TileLayout } from './layout';
import { cutBox, cutRleInFrame } from './rle';
import { pixelValue } from '../upsample';

export { tileLayout, type TileLayout } from './layout';
export { sparseKernel, type SparseKernel } from './kernel-host';

const f32 = Math.fround;

/** A decoder's low-res output for n prompts, m masks each (SAM's low_res_masks). */
export interface LowResPredictionBatch {
  n: number;
  m: number;
  /** Side of the square low-res maps (256 for SAM). */
  lowSize: number;
  /** Side of the square model frame the maps cover (1024 for SAM). */
  frameSize: number;
  /** True when the image was stretched onto the whole frame (SAM 2) instead of its longest side. */
  stretch?: boolean;
  /** n*m maps of lowSize x lowSize logits, row-major. */
  lowRes: Float32Array;
  /** n*m predicted IoUs. */
  iou: Float32Array;
}

/**
 * A predictor that can also return low-res logits for the same prompts (points in the current
 * image's pixel coordinates, as predict). The generator then never asks for full-resolution maps.
 */
export interface LowResMaskPredictor extends MaskPredictor {
  predictLowRes(points: Float64Array): Promise<LowResPredictionBatch>;
}

export function hasLowRes(p: MaskPredictor): p is LowResMaskPredictor {
  return typeof (p as Partial<LowResMaskPredictor>).predictLowRes === 'function';
}

export class LowResLogits implements MaskLogits {
  /** The map's cut at cut.t: built by the JS path, or copied out of the kernel by box(). */
  private cut: CutMask | null = null;
  /** cut's box, once asked for. */
  private cutBox: BoxXYXY | null = null;
  /** The kernel's generation when it last classified this map, and at which cutoff. */
  private kernelGen = -1;
  private kernelT = NaN;

  /** `kernel`: where the map is classified (null: the JS path); the thread's kernel unless told otherwise. */
  constructor(
    readonly low: Float32Array,
    readonly layout: TileLayout,
    private readonly kernel: SparseKernel | null = sparseKernel(),
  ) {}

  private classify(lo: number, hi: number, t: number): KernelCounts {
    this.cut = null;
    this.cutBox = null;
    const kernel = this.kernel;
    const counts = kernel?.classify(this.low, this.layout, lo, hi, t);
    if (kernel && counts) {
      this.kernelGen = kernel.generation;
      this.kernelT = t;
      return counts;
    }
    this.kernelGen = -1;
    // Block band sets in the layout's scratch: a map is classified once in the generator's use
    // (stability, then box and RLE from the kept cut), so nothing is lost by not keeping them.
    const bands = this.layout.bands;
    blockBands(this.low, this.layout, lo, t, hi, bands);
    const cuts = classifyMap(this.low, this.layout, bands, lo, hi, t);
    this.cut = cuts.cut;
    return cuts;
  }

  /** Whether the cut at t is at hand: kept here, or still the kernel's latest. */
  private holds(t: number): boolean {
    if (this.cut) return Object.is(this.cut.t, t);
    return Object.is(this.kernelT, t) && this.kernel?.generation === this.kernelGen;
  }

  /**
   * The box of the cut at t, keeping the cut: stability()'s when it used t and the kernel has not
   * classified another map since (the generator asks for a map's box right after its stability,
   * batch.ts), else the map is classified again.
   */
  private boxAt(t: number): BoxXYXY {
    if (!this.holds(t)) this.classify(t, t, t);
    if (this.cutBox) return this.cutBox;
    if (this.cut) {
      this.cutBox = cutBox(this.cut, this.layout);
    } else {
      const kernel = this.kernel as SparseKernel;
      this.cutBox = kernel.box();
      this.cut = kernel.takeCut(this.cutBox);
    }
    return this.cutBox;
  }

  stability(maskThreshold: number, offset: number): number {
    const lo = f32(maskThreshold - offset);
    // The dense count nests the cutoffs (a pixel counts in the intersection only if it is also in
    // the union), i.e. the intersection is above max(lo, hi).
    const hi = Math.max(lo, f32(maskThreshold + offset));
    const t = f32(maskThreshold);
    if (!(lo <= t && t <= hi)) {
      // A negative offset (the generator's options refuse one): the cutoffs then do not nest around
      // t, so count at lo alone and cut at t when asked.
      const { inter, union } = this.classify(lo, hi, lo);
      this.cut = null;
      this.kernelGen = -1;
      return f32(inter / union);
    }
    const { inter, union } = this.classify(lo, hi, t);
    return f32(inter / union);
  }

  box(maskThreshold: number): BoxXYXY {
    return this.boxAt(f32(maskThreshold));
  }

  rleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): Rle {
    return this.deferRleInFrame(maskThreshold, box, x0, y0, frameW, frameH)();
  }

  deferRleInFrame(maskThreshold: number, box: BoxXYXY, x0: number, y0: number, frameW: number, frameH: number): () => Rle {
    const cut = this.pendingCut(maskThreshold, box);
    const layout = this.layout;
    return () => encodeCut(cut, layout, box, x0, y0, frameW, frameH);
  }

  /**
   * What encodeCut needs to encode this map's mask at maskThreshold later, without the map: its cut,
   * or null for an empty mask. `box` is what box() returned.
   */
  pendingCut(maskThreshold: number, box: BoxXYXY): CutMask | null {
    const t = f32(maskThreshold);
    const [bx0, by0, bx1, by1] = box;
    // box() gives [0, 0, 0, 0] for an empty mask, as for a mask of pixel (0, 0) alone.
    if (bx0 === 0 && by0 === 0 && bx1 === 0 && by1 === 0 && !(pixelValue(this.low, this.layout.geometry, 0, 0) > t)) return null;
    this.boxAt(t);
    const cut = this.cut as CutMask;
    // The generator asks nothing more of a map once it is encoded: let its bits go.
    this.cut = null;
    this.cutBox = null;
    return cut;
  }
}

/** The RLE in the image frame of a mask kept by pendingCut (null: empty) on a crop of `layout`. */
export function encodeCut(
  cut: CutMask | null,
  layout: TileLayout,
  box: BoxXYXY,
  x0: number,
  y0: number,
  frameW: number,
  frameH: number,
): Rle {
  if (cut === null) {
    const b = new RunBuilder();
    b.zeros(frameW * frameH);
    return b.finish(frameH, frameW);
  }
  return cutRleInFrame(cut, layout, box, x0, y0, frameW, frameH);
}
