// SAM's image encoder (segment_anything/modeling/image_encoder.py: ImageEncoderViT) written as an
// ONNX graph with generated weights: patch embedding, absolute position embedding, transformer
// blocks with windowed or global attention and decomposed relative position embeddings, and the
// neck to the prompt channels. Tokens are kept channels-last (1 x H x W x C) as SAM does. The
// weights are meaningless; the shapes, operations and therefore the cost are SAM's.

import type { GraphBuilder } from '../testsam/onnx-builder';
import { GraphOps, uniform } from './graph-ops';
import type { WeightStore } from './weights';

export interface VitConfig {
  imgSize: number;
  patchSize: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  /** Window side of the windowed blocks (SAM: 14). */
  windowSize: number;
  /** Blocks with global attention (SAM ViT-B: 2, 5, 8, 11); the others use windows. */
  globalAttnIndexes: number[];
  outChans: number;
}

/** SAM ViT-B (segment_anything/build_sam.py: build_sam_vit_b). */
export const VIT_B: VitConfig = {
  imgSize: 1024,
  patchSize: 16,
  embedDim: 768,
  depth: 12,
  numHeads: 12,
  mlpRatio: 4,
  windowSize: 14,
  globalAttnIndexes: [2, 5, 8, 11],
  outChans: 256,
};

export const VIT_INPUT = 'image';
export const VIT_OUTPUT = 'image_embeddings';
/** nn.LayerNorm(eps=1e-6) in the blocks, LayerNorm2d's default 1e-6 in the neck. */
const LN_EPS = 1e-6;

export const vitGrid = (c: VitConfig): number => c.imgSize / c.patchSize;

class VitWriter extends GraphOps {
  constructor(
    g: GraphBuilder,
    w: WeightStore,
    private readonly c: VitConfig,
  ) {
    super(g, w);
  }

  /**
   * get_rel_pos for equal query and key sizes: rel_pos[q - k + size - 1], gathered in the graph
   * from the (2*size-1) x headDim parameter and laid out (size, headDim, size) for a MatMul.
   */
  relPos(hint: string, size: number, headDim: number): string {
    const table = this.w.param(hint, [2 * size - 1, headDim], uniform(headDim));
    const idx: number[] = [];
    for (let q = 0; q < size; q++) for (let k = 0; k < size; k++) idx.push(q - k + size - 1);
    const gathered = this.g.op('Gather', [table, this.g.ints(idx, [size, size], 'relidx')], { axis: 0 });
    return this.transpose(gathered, [0, 2, 1]);
  }

  /** Attention over `batch` squares of side `s` (windows or the whole grid), tokens (batch, s, s, C). */
  attention(x: string, batch: number, s: number, hint: string): string {
    const { embedDim: dim, numHeads: heads } = this.c;
    const g = this.g;
    const hd = dim / heads;
    const bn = batch * heads;
    const len = s * s;
    const qkv = this.linear(x, dim, 3 * dim, `${hint}_qkv`);
    const split = this.reshape(this.transpose(this.reshape(qkv, [batch, len, 3, heads, hd]), [2, 0, 3, 1, 4]), [3, bn, len, hd]);
    const [q3, k3, v3] = g.opN('Split', [split, g.ints([1, 1, 1])], 3, { axis: 0 });
    const axis0 = g.ints([0]);
    const q = g.op('Squeeze', [q3, axis0]);
    const k = g.op('Squeeze', [k3, axis0]);
    const v = g.op('Squeeze', [v3, axis0]);
    let attn = g.op('MatMul', [g.mul(q, g.scalar(hd ** -0.5)), this.transpose(k, [0, 2, 1])]);
    // add_decomposed_rel_pos: uses the unscaled queries.
    const rq = this.reshape(q, [bn, s, s, hd]);
    const relH = g.op('MatMul', [rq, this.relPos(`${hint}_rel_pos_h`, s, hd)]);
    const relW = this.transpose(g.op('MatMul', [this.transpose(rq, [0, 2, 1, 3]), this.relPos(`${hint}_rel_pos_w`, s, hd)]), [0, 2, 1, 3]);
    attn = this.reshape(attn, [bn, s, s, s, s]);
    attn = g.add(g.add(attn, g.op('Unsqueeze', [relH, g.ints([4])])), g.op('Unsqueeze', [relW, g.ints([3])]));
    attn = g.op('Softmax', [this.reshape(attn, [bn, len, len])], { axis: -1 });
    const out = this.reshape(this.transpose(this.reshape(g.op('MatMul', [attn, v]), [batch, heads, s, s, hd]), [0, 2, 3, 1, 4]), [
      batch,
      s,
      s,
      dim,
    ]);
    return this.linear(out, dim, dim, `${hint}_proj`);
  }

  /** One Block: (windowed) attention and MLP, each behind a LayerNorm and a residual. */
  block(x: string, index: number): string {
    const c = this.c;
    const g = this.g;
    const grid = vitGrid(c);
    const hint = `blocks_${index}`;
    let h = this.layerNorm(x, c.embedDim, `${hint}_norm1`, LN_EPS);
    if (c.globalAttnIndexes.includes(index)) {
      h = this.attention(h, 1, grid, `${hint}_attn`);
    } else {
      // window_partition: zero-pad to a multiple of the window, cut into windows, and back.
      const ws = c.windowSize;
      const n = Math.ceil(grid / ws);
      const padded = n * ws;
      const pad = padded - grid;
      if (pad > 0) h = g.op('Pad', [h, g.ints([0, 0, 0, 0, 0, pad, pad, 0])]);
      h = this.reshape(this.transpose(this.reshape(h, [1, n, ws, n, ws, c.embedDim]), [0, 1, 3, 2, 4, 5]), [n * n, ws, ws, c.embedDim]);
      h = this.attention(h, n * n, ws, `${hint}_attn`);
      h = this.reshape(this.transpose(this.reshape(h, [1, n, n, ws, ws, c.embedDim]), [0, 1, 3, 2, 4, 5]), [1, padded, padded, c.embedDim]);
      if (pad > 0) h = g.op('Slice', [h, g.ints([0, 0]), g.ints([grid, grid]), g.ints([1, 2])]);
    }
    x = g.add(x, h);
    const hidden = c.embedDim * c.mlpRatio;
    let m = this.layerNorm(x, c.embedDim, `${hint}_norm2`, LN_EPS);
    m = this.linear(this.gelu(this.linear(m, c.embedDim, hidden, `${hint}_mlp_lin1`)), hidden, c.embedDim, `${hint}_mlp_lin2`);
    return g.add(x, m);
  }

  encoder(): void {
    const c = this.c;
    const g = this.g;
    const grid = vitGrid(c);
    const image = g.input(VIT_INPUT, 'float', [1, 3, c.imgSize, c.imgSize]);
    const fanIn = 3 * c.patchSize * c.patchSize;
    const pw = this.w.param('patch_embed_weight', [c.embedDim, 3, c.patchSize, c.patchSize], uniform(fanIn));
    const pb = this.w.param('patch_embed_bias', [c.embedDim], uniform(fanIn));
    const patches = g.op('Conv', [image, pw, pb], { kernel_shape: [c.patchSize, c.patchSize], strides: [c.patchSize, c.patchSize] });
    let x = this.transpose(patches, [0, 2, 3, 1]);
    x = g.add(x, this.w.param('pos_embed', [1, grid, grid, c.embedDim], uniform(c.embedDim)));
    for (let i = 0; i < c.depth; i++) x = this.block(x, i);
    let y = this.transpose(x, [0, 3, 1, 2]);
    y = this.conv(y, { inChans: c.embedDim, outChans: c.outChans, kernel: 1, bias: false }, 'neck_0');
    y = this.layerNorm2d(y, c.outChans, 'neck_1');
    y = this.conv(y, { inChans: c.outChans, outChans: c.outChans, kernel: 3, bias: false }, 'neck_2');
    y = this.layerNorm2d(y, c.outChans, 'neck_3');
    g.output(y, VIT_OUTPUT, 'float', [1, c.outChans, grid, grid]);
  }
}

/**
 * Builds the encoder graph on `g`, declaring every parameter on `weights` (which counts them, and
 * writes them when it has a file).
 */
export function buildVitEncoder(g: GraphBuilder, weights: WeightStore, config: VitConfig): void {
  if (config.imgSize % config.patchSize !== 0 || config.embedDim % config.numHeads !== 0) {
    throw new RangeError('image size must be a multiple of the patch size, and the width of the number of heads');
  }
  new VitWriter(g, weights, config).encoder();
}
