// MobileSAM's image encoder (mobile_sam/modeling/tiny_vit_sam.py: TinyViT as build_sam_vit_t
// configures it) written as an ONNX graph with generated weights: a convolutional stem to 1/4 of
// the image, MBConv blocks in stage 1, PatchMerging between stages, TinyViT blocks (windowed
// attention with learned attention biases, a depthwise "local" convolution, an MLP) in stages 2-4,
// and SAM's neck to 256 channels. The weights are meaningless; the shapes, operations and
// therefore the cost are MobileSAM's.
//
// Every Conv2d_BN (a bias-free convolution followed by BatchNorm) is written as one convolution
// with a bias: that is what Conv2d_BN.fuse() and any inference export do, and with random weights
// nothing is lost. It changes the parameter count only (BatchNorm's weight and bias, 2 per
// channel, become the convolution's bias, 1 per channel; running statistics are buffers).

import type { GraphBuilder } from '../testsam/onnx-builder';
import { GraphOps, uniform } from '../sambshape/graph-ops';
import type { WeightStore } from '../sambshape/weights';

export interface TinyVitConfig {
  imgSize: number;
  /** Channels of the four stages. */
  embedDims: number[];
  /** Blocks per stage: MBConv in the first, TinyViT blocks in the others. */
  depths: number[];
  /** Attention heads per stage (the first, convolutional, stage has none). */
  numHeads: number[];
  windowSizes: number[];
  mlpRatio: number;
  mbconvExpandRatio: number;
  /** Stride of each PatchMerging's depthwise convolution (the merging after stage i). */
  mergeStrides: number[];
  outChans: number;
}

/**
 * MobileSAM (mobile_sam/build_sam.py: build_sam_vit_t, TinyViT-5M's widths at 1024 x 1024). Its
 * PatchMerging keeps stride 1 when merging into 320 channels, so the last stage and the output stay
 * at 64 x 64, the grid SAM's decoder expects.
 */
export const MOBILE_SAM_TINYVIT: TinyVitConfig = {
  imgSize: 1024,
  embedDims: [64, 128, 160, 320],
  depths: [2, 2, 6, 2],
  numHeads: [2, 4, 5, 10],
  windowSizes: [7, 7, 14, 7],
  mlpRatio: 4,
  mbconvExpandRatio: 4,
  mergeStrides: [2, 2, 1],
  outChans: 256,
};

export const TINYVIT_INPUT = 'image';
export const TINYVIT_OUTPUT = 'image_embeddings';
/** nn.LayerNorm's default eps in the TinyViT blocks (the neck's LayerNorm2d uses 1e-6). */
const LN_EPS = 1e-5;

/** Side of stage `i`'s grid: the stem divides by 4, each merging before it by its stride. */
export function tinyVitGrid(c: TinyVitConfig, stage = c.embedDims.length - 1): number {
  return c.mergeStrides.slice(0, stage).reduce((side, s) => Math.ceil(side / s), c.imgSize / 4);
}

class TinyVitWriter extends GraphOps {
  constructor(
    g: GraphBuilder,
    w: WeightStore,
    private readonly c: TinyVitConfig,
  ) {
    super(g, w);
  }

  /** NCHW <-> channels-last (1 x H x W x C, where LayerNorm and Linear act on the last axis). */
  toNhwc(x: string): string {
    return this.transpose(x, [0, 2, 3, 1]);
  }
  toNchw(x: string): string {
    return this.transpose(x, [0, 3, 1, 2]);
  }

  /** MBConv on NCHW: 1x1 expand, depthwise 3x3, 1x1 project, residual, GELU after the sum. */
  mbconv(x: string, dim: number, hint: string): string {
    const hidden = dim * this.c.mbconvExpandRatio;
    let h = this.gelu(this.conv(x, { inChans: dim, outChans: hidden, kernel: 1 }, `${hint}_conv1`));
    h = this.gelu(this.conv(h, { inChans: hidden, outChans: hidden, kernel: 3, groups: hidden }, `${hint}_conv2`));
    h = this.conv(h, { inChans: hidden, outChans: dim, kernel: 1 }, `${hint}_conv3`);
    return this.gelu(this.g.add(h, x));
  }

  /** PatchMerging on NCHW: 1x1, GELU, depthwise 3x3 with the stride, GELU, 1x1 (no activation after). */
  patchMerging(x: string, dim: number, outDim: number, stride: number, hint: string): string {
    let h = this.gelu(this.conv(x, { inChans: dim, outChans: outDim, kernel: 1 }, `${hint}_conv1`));
    h = this.gelu(this.conv(h, { inChans: outDim, outChans: outDim, kernel: 3, stride, groups: outDim }, `${hint}_conv2`));
    return this.conv(h, { inChans: outDim, outChans: outDim, kernel: 1 }, `${hint}_conv3`);
  }

  /**
   * Attention over `batch` windows of `ws * ws` tokens (batch, N, C): its own LayerNorm, q, k and v
   * interleaved per head in the qkv projection (view(B, N, heads, -1).split), and a learned bias per
   * head and (|dy|, |dx|) offset added to the scaled scores. The bias table is gathered to
   * (heads, N, N) from constants, which onnxruntime folds at load as TinyViT's eval mode caches it.
   */
  attention(x: string, batch: number, ws: number, dim: number, heads: number, hint: string): string {
    const g = this.g;
    const hd = dim / heads;
    const n = ws * ws;
    const h = this.layerNorm(x, dim, `${hint}_norm`, LN_EPS);
    const qkv = this.reshape(this.linear(h, dim, 3 * dim, `${hint}_qkv`), [batch, n, heads, 3 * hd]);
    const [q, k, v] = g.opN('Split', [qkv, g.ints([hd, hd, hd])], 3, { axis: 3 }).map((t) => this.transpose(t, [0, 2, 1, 3]));
    const offsets = ws * ws;
    const table = this.w.param(`${hint}_attention_biases`, [heads, offsets], uniform(offsets));
    const idx: number[] = [];
    for (let p = 0; p < n; p++) {
      for (let r = 0; r < n; r++) idx.push(Math.abs(Math.floor(p / ws) - Math.floor(r / ws)) * ws + Math.abs((p % ws) - (r % ws)));
    }
    const bias = g.op('Gather', [table, g.ints(idx, [n, n], 'biasidx')], { axis: 1 });
    const scores = g.mul(g.op('MatMul', [q, this.transpose(k, [0, 1, 3, 2])]), g.scalar(hd ** -0.5));
    const attn = g.op('Softmax', [g.add(scores, bias)], { axis: -1 });
    const out = this.reshape(this.transpose(g.op('MatMul', [attn, v]), [0, 2, 1, 3]), [batch, n, dim]);
    return this.linear(out, dim, dim, `${hint}_proj`);
  }

  /** Windowed attention on 1 x H x W x C: zero-pad to a multiple of the window, partition, attend, reverse, crop. */
  windowAttention(x: string, grid: number, stage: number, hint: string): string {
    const c = this.c;
    const g = this.g;
    const dim = c.embedDims[stage];
    const ws = c.windowSizes[stage];
    const heads = c.numHeads[stage];
    // A grid exactly one window wide is attended whole, without partitioning (as TinyViTBlock does).
    if (grid === ws) return this.reshape(this.attention(this.reshape(x, [1, ws * ws, dim]), 1, ws, dim, heads, hint), [1, ws, ws, dim]);
    const n = Math.ceil(grid / ws);
    const padded = n * ws;
    const pad = padded - grid;
    let h = pad > 0 ? g.op('Pad', [x, g.ints([0, 0, 0, 0, 0, pad, pad, 0])]) : x;
    h = this.reshape(this.transpose(this.reshape(h, [1, n, ws, n, ws, dim]), [0, 1, 3, 2, 4, 5]), [n * n, ws * ws, dim]);
    h = this.attention(h, n * n, ws, dim, heads, hint);
    h = this.reshape(this.transpose(this.reshape(h, [1, n, n, ws, ws, dim]), [0, 1, 3, 2, 4, 5]), [1, padded, padded, dim]);
    return pad > 0 ? g.op('Slice', [h, g.ints([0, 0]), g.ints([grid, grid]), g.ints([1, 2])]) : h;
  }

  /** TinyViTBlock: attention + residual, depthwise 3x3 local conv (no residual), MLP + residual. */
  block(x: string, grid: number, stage: number, hint: string): string {
    const g = this.g;
    const dim = this.c.embedDims[stage];
    x = g.add(x, this.windowAttention(x, grid, stage, `${hint}_attn`));
    x = this.toNhwc(this.conv(this.toNchw(x), { inChans: dim, outChans: dim, kernel: 3, groups: dim }, `${hint}_local_conv`));
    const hidden = dim * this.c.mlpRatio;
    let m = this.layerNorm(x, dim, `${hint}_mlp_norm`, LN_EPS);
    m = this.linear(this.gelu(this.linear(m, dim, hidden, `${hint}_mlp_fc1`)), hidden, dim, `${hint}_mlp_fc2`);
    return g.add(x, m);
  }

  encoder(): void {
    const c = this.c;
    const g = this.g;
    const image = g.input(TINYVIT_INPUT, 'float', [1, 3, c.imgSize, c.imgSize]);
    const d0 = c.embedDims[0];
    // PatchEmbed: two stride-2 3x3 Conv2d_BN with a GELU between them.
    let x = this.gelu(this.conv(image, { inChans: 3, outChans: d0 / 2, kernel: 3, stride: 2 }, 'patch_embed_0'));
    x = this.conv(x, { inChans: d0 / 2, outChans: d0, kernel: 3, stride: 2 }, 'patch_embed_1');
    for (let i = 0; i < c.depths[0]; i++) x = this.mbconv(x, d0, `layers_0_blocks_${i}`);
    // x is NCHW here (stage 1 and every merging are convolutional), channels-last inside stages 2-4.
    for (let stage = 1; stage < c.embedDims.length; stage++) {
      x = this.patchMerging(x, c.embedDims[stage - 1], c.embedDims[stage], c.mergeStrides[stage - 1], `layers_${stage - 1}_downsample`);
      const grid = tinyVitGrid(c, stage);
      x = this.toNhwc(x);
      for (let i = 0; i < c.depths[stage]; i++) x = this.block(x, grid, stage, `layers_${stage}_blocks_${i}`);
      x = this.toNchw(x);
    }
    const last = c.embedDims[c.embedDims.length - 1];
    let y = this.conv(x, { inChans: last, outChans: c.outChans, kernel: 1, bias: false }, 'neck_0');
    y = this.layerNorm2d(y, c.outChans, 'neck_1');
    y = this.conv(y, { inChans: c.outChans, outChans: c.outChans, kernel: 3, bias: false }, 'neck_2');
    y = this.layerNorm2d(y, c.outChans, 'neck_3');
    const grid = tinyVitGrid(c);
    g.output(y, TINYVIT_OUTPUT, 'float', [1, c.outChans, grid, grid]);
  }
}

/**
 * Builds the encoder graph on `g`, declaring every parameter on `weights` (which counts them, and
 * writes them when it has a file).
 */
export function buildTinyVitEncoder(g: GraphBuilder, weights: WeightStore, config: TinyVitConfig): void {
  const stages = config.embedDims.length;
  const lists = [config.depths, config.numHeads, config.windowSizes];
  if (config.imgSize % 4 !== 0 || lists.some((l) => l.length !== stages) || config.mergeStrides.length !== stages - 1) {
    throw new RangeError('the image size must be a multiple of 4, with one depth, head count and window per stage');
  }
  if (config.embedDims.some((d, i) => i > 0 && d % config.numHeads[i] !== 0) || config.embedDims[0] % 2 !== 0) {
    throw new RangeError("each attention stage's width must be a multiple of its number of heads");
  }
  new TinyVitWriter(g, weights, config).encoder();
}
