// A tiny ONNX graph builder over onnx-proto's protobufjs classes: just enough to write the test-sam
// graphs by hand (no training, no Python). Names are generated from a counter, so the same
// sequence of calls always produces the same bytes.

import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type Dim = number | string;
export type ElemType = 'float' | 'int64' | 'bool';

/** Attribute values: numbers are INT when integral, FLOAT when `{ f: x }`; arrays of integers are INTS. */
export type AttrValue = number | { f: number } | number[] | { floats: number[] } | string | onnxProto.onnx.IGraphProto;

const ELEM: Record<ElemType, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

function valueInfo(name: string, elem: ElemType, dims?: Dim[]): onnxProto.onnx.IValueInfoProto {
  const tensorType: onnxProto.onnx.TypeProto.ITensor = { elemType: ELEM[elem] };
  if (dims) {
    tensorType.shape = {
      dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name, type: { tensorType } };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: use { f: ${v} } for a float`);
    return { name, type: T.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('f' in v && typeof v.f === 'number') return { name, type: T.FLOAT, f: v.f };
  if ('floats' in v && Array.isArray(v.floats)) return { name, type: T.FLOATS, floats: v.floats };
  return { name, type: T.GRAPH, g: v as onnxProto.onnx.IGraphProto };
}

function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const f = Float32Array.from(values);
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

/**
 * Collects nodes, initializers, inputs and outputs of one graph (the main graph or a Loop body).
 * Every `op` returns the generated output name(s), so graphs read like expressions.
 */
export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;

  /** `prefix` keeps names of nested graphs (Loop bodies) distinct from the outer graph's. */
  constructor(private readonly prefix = '') {}

  private fresh(hint: string): string {
    this.counter += 1;
    return `${this.prefix}${hint}_${this.counter}`;
  }

  input(name: string, elem: ElemType, dims?: Dim[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return name;
  }

  /** Declares `value` (an existing name) as a graph output called `name` (via Identity when they differ). */
  output(value: string, name: string, elem: ElemType, dims?: Dim[]): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: this.fresh('out') });
    this.outputs.push(valueInfo(name, elem, dims));
  }

  floats(values: ArrayLike<number>, dims: number[], hint = 'const'): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== values.length) throw new Error(`initializer ${hint}: ${values.length} values for dims ${dims.join('x')}`);
    const name = this.fresh(hint);
    this.inits.push({ name, dims, dataType: ELEM.float, rawData: float32Bytes(values) });
    return name;
  }

  /**
   * A float initializer whose bytes live in a separate file beside the model (ONNX external data):
   * large weights then never sit in one protobuf buffer, and onnxruntime maps them from disk.
   */
  externalFloats(dims: number[], location: string, offset: number, length: number, hint = 'w'): string {
    const name = this.fresh(hint);
    const externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ];
    this.inits.push({ name, dims, dataType: ELEM.float, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData });
    return name;
  }

  scalar(value: number, hint = 'c'): string {
    return this.floats([value], [], hint);
  }

  ints(values: number[], dims: number[] = [values.length], hint = 'ints'): string {
    const name = this.fresh(hint);
    this.inits.push({ name, dims, dataType: ELEM.int64, int64Data: values });
    return name;
  }

  bool(value: boolean, hint = 'flag'): string {
    const name = this.fresh(hint);
    this.inits.push({ name, dims: [], dataType: ELEM.bool, int32Data: [value ? 1 : 0] });
    return name;
  }

  /**
   * Adds one node; returns its single output name. `name` names that output (e.g. a graph output,
   * which then needs no Identity copy: in a Loop body that copy would run every iteration).
   */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    return this.opN(opType, inputs, 1, attrs, name ? [name] : undefined)[0];
  }

  /** Adds one node with `nOutputs` outputs; an empty string in `inputs` skips an optional input. */
  opN(opType: string, inputs: string[], nOutputs: number, attrs: Record<string, AttrValue> = {}, names?: string[]): string[] {
    const outs = names ?? Array.from({ length: nOutputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      input: inputs,
      output: outs,
      name: this.fresh(`n_${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  // Shorthands for the arithmetic the graphs are mostly made of.
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }

  graph(name: string): onnxProto.onnx.IGraphProto {
    return { name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs };
  }
}

export const OPSET = 17;

/** Serialises a graph into ModelProto bytes (IR version 8, default-domain opset 17). */
export function encodeModel(
  graph: onnxProto.onnx.IGraphProto,
  docString: string,
  producerVersion: string,
  producerName = 'samantic-test-sam',
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName,
    producerVersion,
    docString,
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
