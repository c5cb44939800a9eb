// Removes graph outputs a caller does not need, and every node that only fed them. onnxruntime runs
// every node of a session whatever outputs are fetched, and SAM's decoder spends most of its time
// on `masks` (bilinear 256 -> 1024, crop, bilinear to the image size, for all 4 tokens). The runtime
// loads the decoder without it, keeps low_res_masks, and repeats the same upsampling itself for
// just the tokens it needs (postprocess.ts).

import onnxProto from 'onnx-proto';

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
