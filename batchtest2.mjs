import { readFileSync, writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
const { onnx } = onnxProto;
const m = onnx.ModelProto.decode(readFileSync('/work/shared/models/sam-b-random/decoder.onnx'));
for (const inp of m.graph.input) {
  if (inp.name === 'point_coords' || inp.name === 'point_labels') {
    const d = inp.type.tensorType.shape.dim[0];
    console.log(inp.name, JSON.stringify(d));
    inp.type.tensorType.shape.dim[0] = onnx.TensorShapeProto.Dimension.create({ dimParam: 'B' });
  }
}
for (const o of m.graph.output) console.log('out', o.name, JSON.stringify(o.type.tensorType.shape.dim));
writeFileSync('/tmp/dec-b.onnx', onnx.ModelProto.encode(m).finish());
