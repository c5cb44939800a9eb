// Running a SAM-interface decoder on point prompts: frame conversion, SAM's padding point, batching
// (a batched decoder takes chunks of prompts, an official one a prompt per call), token selection
// and the exact upsampling of the chosen tokens to the original image size. Also pruneOutputs(),
// which strips the decoder's own full-size `masks` output before the session is created.

import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { SamanticError } from '../errors';
import type { FrameTransform, ImageEmbedding } from '../types';
import type { DecoderSpec, ModelDescriptor } from './descriptor';
import { decoderContract } from './decoder-contract';
import { MaskUpsampler } from './postprocess';
import { toFrameCoords } from './preprocess';

/**
 * One prompt: points in ORIGINAL image pixels; labels 1 (positive, default) or 0 (negative); an
 * optional box [x0, y0, x1, y1] (original pixels, sent as SAM's corner points labelled 2 and 3);
 * an optional previous mask as lowResSize^2 logits for mask_input (has_mask_input = 1), ignored by
 * a decoder that takes none (DecoderSpec.inputs.maskInput null).
 */
export interface PointPrompt {
  points: ReadonlyArray<readonly [number, number]>;
  labels?: readonly number[];
  box?: readonly [number, number, number, number];
  maskInput?: Float32Array;
}

/** SAM's point labels (segment_anything/utils/onnx.py). */
export const LABEL_PAD = -1;
export const LABEL_BOX_TOP_LEFT = 2;
export const LABEL_BOX_BOTTOM_RIGHT = 3;

export interface DecodeOptions {
  /** 'all' tokens (default), the 'multimask' outputs (what the AMG uses), or the 'single' one. */
  tokens?: 'all' | 'multimask' | 'single';
  /** Prompts per decoder call when the decoder is batched (default 16). Bounds memory per call. */
  chunkSize?: number;
  /** Also build logits at the original image size (default true); low-res logits are always returned. */
  fullResolution?: boolean;
}

export interface DecodeResult {
  /** Number of prompts. */
  n: number;
  /**
   * Which decoder tokens were kept, in order; m = tokens.length masks per prompt. [-1]: 'single'
   * on a decoder without a single-mask output (SAM 2): per prompt its best-scored output.
   */
  tokens: number[];
  m: number;
  width: number;
  height: number;
  /** n*m logit maps of height*width (row-major), or null when fullResolution was false. Mask = logit > 0. */
  masks: Float32Array | null;
  /** n*m predicted IoUs. */
  iou: Float32Array;
  lowResSize: number;
  /** n*m low-res logit maps of lowResSize^2 (the decoder's low_res_masks for the kept tokens). */
  lowRes: Float32Array;
}

export const DEFAULT_CHUNK_SIZE = 16;

/** Token placeholder: the best-scored of the decoder's outputs, per prompt. */
const BEST_SCORED = -1;

export class DecoderRunner {
  private zeros = new Float32Array(0);
  private lastUpsampler: { key: string; up: MaskUpsampler } | null = null;

  /**
   * @param promptBatch prompts per call on a decoder declared for one whose prompt dimension the
   *   loader freed (prompt-batch.ts); 1 sends one prompt a call.
   * @param onWarning told when such a batch fails and the runner goes back to one prompt a call.
   */
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly spec: DecoderSpec,
    private readonly embedding: ModelDescriptor['embedding'],
    private promptBatch = 1,
    private readonly onWarning: (message: string) => void = () => {},
  ) {}

  /** Prompts per call on this decoder just now: 1 unless batched or the loader freed its prompt dimension. */
  get promptsPerCall(): number {
    return this.promptBatch;
  }

  private tokens(which: DecodeOptions['tokens']): number[] {
    if (which === 'single') return [this.spec.singleMaskIndex ?? BEST_SCORED];
    if (which === 'multimask') {
      if (this.spec.multimaskIndices.length === 0) {
        throw new SamanticError(
          'model-invalid',
          `decoder ${this.spec.file} has no multimask outputs (exported with --return-single-mask?). The automatic mask ` +
            "generator needs SAM's 3 multimask outputs: export the decoder without --return-single-mask and list them in model.json.",
        );
      }
      return [...this.spec.multimaskIndices];
    }
    return Array.from({ length: this.spec.maskCount }, (_, i) => i);
  }

  /** The AMG decodes many batches per image: keep the upsampler (taps, buffer) of the last transform. */
  private upsampler(t: FrameTransform, lowResSize: number): MaskUpsampler {
    const key = `${t.origWidth}x${t.origHeight}/${t.resizedWidth}x${t.resizedHeight}/${t.frameSize}/${lowResSize}`;
    if (this.lastUpsampler?.key !== key) this.lastUpsampler = { key, up: new MaskUpsampler(t, lowResSize) };
    return this.lastUpsampler.up;
  }

  private zeroBuffer(length: number): Float32Array {
    if (this.zeros.length < length) this.zeros = new Float32Array(length);
    return this.zeros.subarray(0, length);
  }

  async decode(embedding: ImageEmbedding, prompts: readonly PointPrompt[], options: DecodeOptions = {}): Promise<DecodeResult> {
    const { channels, gridH, gridW } = this.embedding;
    if (embedding.channels !== channels || embedding.gridH !== gridH || embedding.gridW !== gridW) {
      throw new SamanticError(
        'invalid-argument',
        `embedding is ${embedding.channels}x${embedding.gridH}x${embedding.gridW} but this model's decoder takes ${channels}x${gridH}x${gridW}: encode the image with the same model.`,
      );
    }
    const chunk = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunk) || chunk < 1)
      throw new SamanticError('invalid-argument', `chunkSize must be a positive integer, got ${chunk}.`);
    prompts.forEach((p, i) => {
      if (p.points.length === 0 && !p.box) throw new SamanticError('invalid-argument', `prompt ${i} has no points and no box.`);
      if (p.box && !p.box.every((v) => Number.isFinite(v)))
        throw new SamanticError('invalid-argument', `prompt ${i} has a non-finite box.`);
      if (p.maskInput && p.maskInput.length !== this.spec.lowResSize ** 2) {
        throw new SamanticError(
          'invalid-argument',
          `prompt ${i}: mask input has ${p.maskInput.length} values, the decoder takes ${this.spec.lowResSize}^2.`,
        );
      }
      if (p.labels && p.labels.length !== p.points.length) {
        throw new SamanticError('invalid-argument', `prompt ${i} has ${p.points.length} points but ${p.labels.length} labels.`);
      }
      for (const [x, y] of p.points) {
        if (!Number.isFinite(x) || !Number.isFinite(y))
          throw new SamanticError('invalid-argument', `prompt ${i} has a non-finite point (${x}, ${y}).`);
      }
    });

    const tokens = this.tokens(options.tokens);
    const n = prompts.length;
    // A one-prompt export batches only prompts alike in length (its padding points would change
    // the result) and without mask_input; it is then fed one mask_input for all.
    const freed =
      !this.spec.batched &&
      this.promptBatch > 1 &&
      prompts.every((p) => !p.maskInput && p.points.length === prompts[0].points.length && !!p.box === !!prompts[0].box);
    const perCall = this.spec.batched ? chunk : freed ? this.promptBatch : 1;
    if (freed && n > 1) {
      try {
        return await this.run(embedding, prompts, tokens, perCall, true, options);
      } catch (err) {
        this.promptBatch = 1;
        this.onWarning(
          `decoder ${this.spec.file} refused ${perCall} prompts a call (${(err as Error).message.split('\n')[0]}); ` +
            'it now gets one prompt a call, which is slower but gives the same masks.',
        );
      }
    }
    return this.run(embedding, prompts, tokens, this.spec.batched ? chunk : 1, false, options);
  }

  private async run(
    embedding: ImageEmbedding,
    prompts: readonly PointPrompt[],
    tokens: number[],
    perCall: number,
    sharedMaskInput: boolean,
    options: DecodeOptions,
  ): Promise<DecodeResult> {
    const { channels, gridH, gridW } = this.embedding;
    const t = embedding.transform;
    const m = tokens.length;
    const n = prompts.length;
    const L = this.spec.lowResSize;
    const lowRes = new Float32Array(n * m * L * L);
    const iou = new Float32Array(n * m);
    const io = this.spec.inputs;
    const embTensor = new ort.Tensor('float32', embedding.data, [1, channels, gridH, gridW]);
    const contract = decoderContract(this.spec.io);
    const encodingFeeds = contract.encodingFeeds(this.spec, embedding);
    const takesMask = io.maskInput !== null;

    for (let start = 0; start < n; start += perCall) {
      const B = Math.min(perCall, n - start);
      // SAM appends a padding point (0, 0) labelled -1 when there is no box (the caller, or the
      // graph itself: decoder-contract.ts), and the box's two corners (labels 2, 3) after the points
      // when there is one; shorter prompts of a batch are padded with -1 points.
      const slice = prompts.slice(start, start + B);
      const N = Math.max(...slice.map((p) => p.points.length + (p.box ? 2 : contract.callerPads ? 1 : 0)), 1);
      const coords = new Float32Array(B * N * 2);
      const labels = new Float32Array(B * N).fill(LABEL_PAD);
      // A decoder without mask_input ('sam-points') re-decodes from the points alone: a previous mask is not sent.
      const withMask = takesMask && slice.some((p) => p.maskInput);
      const maskCount = sharedMaskInput ? 1 : B;
      const maskInput = withMask ? new Float32Array(B * L * L) : this.zeroBuffer(maskCount * L * L);
      const hasMaskInput = withMask ? new Float32Array(B) : this.zeroBuffer(maskCount);
      for (let b = 0; b < B; b++) {
        const p = slice[b];
        const put = (j: number, x: number, y: number, label: number) => {
          const [fx, fy] = toFrameCoords(t, x, y);
          coords[(b * N + j) * 2] = fx;
          coords[(b * N + j) * 2 + 1] = fy;
          labels[b * N + j] = label;
        };
        p.points.forEach(([x, y], j) => put(j, x, y, p.labels ? p.labels[j] : 1));
        if (p.box) {
          put(p.points.length, p.box[0], p.box[1], LABEL_BOX_TOP_LEFT);
          put(p.points.length + 1, p.box[2], p.box[3], LABEL_BOX_BOTTOM_RIGHT);
        }
        if (withMask && p.maskInput) {
          maskInput.set(p.maskInput, b * L * L);
          hasMaskInput[b] = 1;
        }
      }
      const feeds: Record<string, ort.Tensor> = {
        ...encodingFeeds,
        [io.imageEmbeddings]: embTensor,
        [io.pointCoords]: new ort.Tensor('float32', coords, [B, N, 2]),
        [io.pointLabels]: new ort.Tensor('float32', labels, [B, N]),
      };
      if (io.maskInput !== null && io.hasMaskInput !== null) {
        feeds[io.maskInput] = new ort.Tensor('float32', maskInput, [maskCount, 1, L, L]);
        feeds[io.hasMaskInput] = new ort.Tensor('float32', hasMaskInput, [maskCount]);
      }
      if (io.origImSize !== null && this.session.inputNames.includes(io.origImSize)) {
        feeds[io.origImSize] = new ort.Tensor('float32', new Float32Array([t.origHeight, t.origWidth]), [2]);
      }
      const out = await this.session.run(feeds);
      const low = out[this.spec.outputs.lowResMasks];
      const scores = out[this.spec.outputs.iouPredictions];
      const M = low.dims[1];
      if (low.dims.length !== 4 || low.dims[0] !== B || M !== this.spec.maskCount || low.dims[2] !== L || low.dims[3] !== L) {
        throw new SamanticError(
          'model-invalid',
          `decoder ${this.spec.file} returned low_res_masks of shape [${low.dims.join(', ')}], but model.json says ` +
            `[${B}, ${this.spec.maskCount}, ${L}, ${L}] (maskCount ${this.spec.maskCount}). A decoder exported with ` +
            '--return-single-mask returns 1 mask: re-export it without that flag, or fix maskCount in model.json.',
        );
      }
      const lowData = low.data as Float32Array;
      const iouData = scores.data as Float32Array;
      for (let b = 0; b < B; b++) {
        tokens.forEach((token, j) => {
          let k = token;
          if (k === BEST_SCORED) {
            k = 0;
            for (let q = 1; q < M; q++) if (iouData[b * M + q] > iouData[b * M + k]) k = q;
          }
          const dst = ((start + b) * m + j) * L * L;
          lowRes.set(lowData.subarray((b * M + k) * L * L, (b * M + k + 1) * L * L), dst);
          iou[(start + b) * m + j] = iouData[b * M + k];
        });
      }
    }

    let masks: Float32Array | null = null;
    if (options.fullResolution ?? true) {
      const up = this.upsampler(t, L);
      const plane = t.origWidth * t.origHeight;
      masks = new Float32Array(n * m * plane);
      for (let i = 0; i < n * m; i++) up.upsample(lowRes, i * L * L, masks, i * plane);
    }
    return { n, tokens, m, width: t.origWidth, height: t.origHeight, masks, iou, lowResSize: L, lowRes };
  }
}

// pruneOutputs: removes graph outputs a caller does not need, and every node that only fed them. onnxruntime runs
// every node of a session whatever outputs are fetched, and SAM's decoder spends most of its time
// on `masks` (bilinear 256 -> 1024, crop, bilinear to the image size, for all 4 tokens). The runtime
// loads the decoder without it, keeps low_res_masks, and repeats the same upsampling itself for
// just the tokens it needs (postprocess.ts).

const { onnx } = onnxProto;

type Graph = onnxProto.onnx.IGraphProto;

/** Every tensor name a subgraph (Loop/If body) reads, including names from the enclosing scope. */
function subgraphReads(graph: Graph, into: Set<string>): void {
  for (const node of graph.node ?? []) {
    for (const name of node.input ?? []) if (name) into.add(name);
    for (const attr of node.attribute ?? []) {
      if (attr.g) subgraphReads(attr.g, into);
      for (const g of attr.graphs ?? []) subgraphReads(g, into);
    }
  }
}

/**
 * Keeps only `keep` among the graph outputs and drops nodes, initializers and graph inputs nothing
 * kept depends on. Throws when a requested output does not exist.
 */
export function pruneOutputs(modelBytes: Uint8Array, keep: readonly string[]): { bytes: Uint8Array; removedInputs: string[] } {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph) throw new Error('ONNX model has no graph');
  const outputs = graph.output ?? [];
  for (const name of keep) {
    if (!outputs.some((o) => o.name === name)) {
      throw new Error(`ONNX model has no output "${name}" (it has ${outputs.map((o) => o.name).join(', ')})`);
    }
  }
  const needed = new Set<string>(keep);
  const nodes = graph.node ?? [];
  const kept: boolean[] = new Array(nodes.length).fill(false);
  // ONNX requires nodes in topological order, so one backward sweep finds all producers.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!(node.output ?? []).some((o) => needed.has(o))) continue;
    kept[i] = true;
    for (const name of node.input ?? []) if (name) needed.add(name);
    const reads = new Set<string>();
    for (const attr of node.attribute ?? []) {
      if (attr.g) subgraphReads(attr.g, reads);
      for (const g of attr.graphs ?? []) subgraphReads(g, reads);
    }
    for (const name of reads) needed.add(name);
  }
  const inputs = graph.input ?? [];
  const removedInputs = inputs.filter((v) => !needed.has(v.name ?? '')).map((v) => v.name ?? '');
  graph.node = nodes.filter((_, i) => kept[i]);
  graph.output = outputs.filter((o) => keep.includes(o.name ?? ''));
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name ?? ''));
  graph.input = inputs.filter((v) => needed.has(v.name ?? ''));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => needed.has(v.name ?? ''));
  return { bytes: onnx.ModelProto.encode(model).finish(), removedInputs };
}
