// A native dot-product kernel for clustering: one ONNX Gemm node (C = A * B^T, transB = 1) run by
// onnxruntime-node's CPU provider (MLAS, SIMD + threads). The graph is built in memory with
// onnx-proto, so no model file ships for it. Loaded lazily: the rest of the clustering code stays
// pure TypeScript and falls back to the JavaScript kernel when onnxruntime cannot load.

import type { AsyncGemm, GemmRequest } from './gemm';
import { jsGemm, jsGemmAsync } from './gemm';

export interface OrtGemmOptions {
  /**
   * onnxruntime intra-op threads; 0 lets onnxruntime choose (one per physical core). Clustering
   * runs after segmentation, so by default it may use the whole machine.
   */
  threads?: number;
}

export interface NativeGemm {
  gemm: AsyncGemm;
  /** 'onnxruntime-cpu' or 'javascript' (fallback). */
  kernel: string;
  release(): Promise<void>;
}

// onnx TensorProto.DataType.FLOAT and AttributeProto.AttributeType.INT (onnx.proto).
const ONNX_FLOAT = 1;
const ONNX_ATTR_INT = 2;
// Gemm with transB is in every opset since 1 (onnx Operators.md); 13 is widely supported.
const OPSET = 13;
/** Blocks up to this many multiply-adds go to the JavaScript kernel (~0.1 ms, a native call's overhead). */
const SMALL_BLOCK_MACS = 1 << 16;

async function buildGemmModel(): Promise<Uint8Array> {
  const mod = (await import('onnx-proto')) as unknown as { onnx?: OnnxNs; default?: { onnx: OnnxNs } };
  const onnx = (mod.onnx ?? mod.default?.onnx) as OnnxNs;
  const dim = (v: string) => ({ dimParam: v });
  const value = (name: string, shape: string[]) => ({
    name,
    type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: shape.map(dim) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'samantic-cluster',
    graph: {
      name: 'gemm_abt',
      node: [{ opType: 'Gemm', input: ['A', 'B'], output: ['C'], attribute: [{ name: 'transB', type: ONNX_ATTR_INT, i: 1 }] }],
      input: [value('A', ['n', 'd']), value('B', ['m', 'd'])],
      output: [value('C', ['n', 'm'])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

interface OnnxNs {
  ModelProto: { create(v: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } };
}

/**
 * Creates the onnxruntime kernel. Rejects when onnxruntime-node or onnx-proto cannot load; use
 * loadNativeGemm for the version that falls back to JavaScript.
 */
export async function createOrtGemm(options: OrtGemmOptions = {}): Promise<NativeGemm> {
  const ort = await import('onnxruntime-node');
  const bytes = await buildGemmModel();
  const threads = options.threads ?? 0;
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    // Do not spin between calls: the JavaScript side works between blocks, on the same cores.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const gemm: AsyncGemm = async (req: GemmRequest) => {
    const { a, aRows, b, bRows, dim } = req;
    if (aRows === 0 || bRows === 0) return new Float32Array(0);
    // A call costs ~0.1 ms of overhead: tiny blocks are faster in JavaScript.
    if (aRows * bRows * dim <= SMALL_BLOCK_MACS) return jsGemm(req);
    const out = await session.run({
      A: new ort.Tensor('float32', a.length === aRows * dim ? a : a.subarray(0, aRows * dim), [aRows, dim]),
      B: new ort.Tensor('float32', b.length === bRows * dim ? b : b.subarray(0, bRows * dim), [bRows, dim]),
    });
    return out.C.data as Float32Array;
  };
  return { gemm, kernel: 'onnxruntime-cpu', release: () => session.release() };
}

let shared: Promise<NativeGemm> | null = null;

/**
 * The process-wide kernel: onnxruntime when it loads, else JavaScript. `onFallback` hears why
 * onnxruntime was not used (once), so the caller can tell the user clustering will be slower.
 */
export function loadNativeGemm(onFallback?: (reason: string) => void): Promise<NativeGemm> {
  if (!shared) {
    shared = createOrtGemm().catch((err: unknown) => {
      onFallback?.(
        `clustering uses the slower JavaScript kernel: onnxruntime could not start (${err instanceof Error ? err.message : String(err)})`,
      );
      return { gemm: jsGemmAsync, kernel: 'javascript', release: async () => undefined };
    });
  }
  return shared;
}
