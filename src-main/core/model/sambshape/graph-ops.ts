// The layers the generated encoders (sam-b-shape's ViT, mobile-sam-shape's TinyViT) are built
// from, as PyTorch defines them: Linear, LayerNorm, exact GELU, Conv2d, reshapes. Shared so that
// both encoders write the same ONNX pattern for the same layer, which onnxruntime then fuses alike.

import type { GraphBuilder } from '../testsam/onnx-builder';
import type { WeightStore } from './weights';

/** Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)): keeps activations finite through many random blocks. */
export const uniform = (fanIn: number) => ({ kind: 'uniform' as const, scale: 1 / Math.sqrt(fanIn) });

export interface ConvSpec {
  inChans: number;
  outChans: number;
  kernel: number;
  stride?: number;
  /** Depthwise when equal to inChans (PyTorch's groups). */
  groups?: number;
  /** False for the necks' bias-free convolutions. */
  bias?: boolean;
}

export class GraphOps {
  constructor(
    protected readonly g: GraphBuilder,
    protected readonly w: WeightStore,
  ) {}

  private shape(values: number[]): string {
    return this.g.ints(values, [values.length], 'shape');
  }

  reshape(x: string, dims: number[]): string {
    return this.g.op('Reshape', [x, this.shape(dims)]);
  }

  transpose(x: string, perm: number[]): string {
    return this.g.op('Transpose', [x], { perm });
  }

  /** nn.LayerNorm over the last axis; `eps` differs between models (SAM's ViT 1e-6, PyTorch's default 1e-5). */
  layerNorm(x: string, dim: number, hint: string, eps: number): string {
    const scale = this.w.param(`${hint}_weight`, [dim], { kind: 'ones' });
    const bias = this.w.param(`${hint}_bias`, [dim], { kind: 'zeros' });
    return this.g.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { f: eps } });
  }

  /** LayerNorm2d on NCHW (SAM's neck, eps 1e-6): normalise over channels. */
  layerNorm2d(x: string, dim: number, hint: string): string {
    return this.transpose(this.layerNorm(this.transpose(x, [0, 2, 3, 1]), dim, hint, 1e-6), [0, 3, 1, 2]);
  }

  linear(x: string, inDim: number, outDim: number, hint: string): string {
    const weight = this.w.param(`${hint}_weight`, [inDim, outDim], uniform(inDim));
    const bias = this.w.param(`${hint}_bias`, [outDim], uniform(inDim));
    return this.g.add(this.g.op('MatMul', [x, weight]), bias);
  }

  /** nn.GELU (exact, erf form); onnxruntime fuses this pattern. */
  gelu(x: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.mul(x, g.scalar(Math.SQRT1_2))]);
    return g.mul(g.mul(x, g.scalar(0.5)), g.add(erf, g.scalar(1)));
  }

  /** nn.Conv2d on NCHW with "same" padding (kernel // 2), as every convolution of both encoders pads. */
  conv(x: string, s: ConvSpec, hint: string): string {
    const groups = s.groups ?? 1;
    const stride = s.stride ?? 1;
    const fanIn = (s.inChans / groups) * s.kernel * s.kernel;
    const inputs = [x, this.w.param(`${hint}_weight`, [s.outChans, s.inChans / groups, s.kernel, s.kernel], uniform(fanIn))];
    if (s.bias !== false) inputs.push(this.w.param(`${hint}_bias`, [s.outChans], uniform(fanIn)));
    const p = Math.floor(s.kernel / 2);
    return this.g.op('Conv', inputs, {
      kernel_shape: [s.kernel, s.kernel],
      ...(stride !== 1 ? { strides: [stride, stride] } : {}),
      ...(p > 0 ? { pads: [p, p, p, p] } : {}),
      ...(groups !== 1 ? { group: groups } : {}),
    });
  }
}
