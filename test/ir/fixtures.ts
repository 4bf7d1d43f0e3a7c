/** Hand-made IR graphs for the IR, pass and CLI tests (small, with known semantics). */
import type { Attrs, DType, IrGraph, IrNode, Shape } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';

export function node(id: string, op: Op, inputs: string[] = [], attrs: Attrs = {}, shape?: Shape, dtype: DType = 'float32'): IrNode {
  return { id, op, inputs, attrs, dtype, shape };
}

export function constF(id: string, shape: number[], values: number[]): IrNode {
  return { id, op: 'Const', inputs: [], attrs: { value: { dtype: 'float32', shape, values: Float64Array.from(values) } }, dtype: 'float32', shape };
}

export function constI(id: string, values: number[], shape: number[] = [values.length]): IrNode {
  return { id, op: 'Const', inputs: [], attrs: { value: { dtype: 'int32', shape, values: Int32Array.from(values) } }, dtype: 'int32', shape };
}

export function graph(nodes: IrNode[], inputs: string[], outputs: string[], path = 'fixture'): IrGraph {
  return { nodes, inputs, outputs, source: { format: 'fixture', path } };
}

/** x[-1,4] -> MatMul w[4,3] -> BiasAdd b[3] -> Relu, fully shaped. */
export function denseGraph(): IrGraph {
  return graph([
    node('x', 'Placeholder', [], {}, [-1, 4]),
    constF('w', [4, 3], [1, 0, -1, 2, 1, 0, 0, 1, 1, -1, 0.5, 2]),
    node('mm', 'MatMul', ['x', 'w'], { transpose_a: false, transpose_b: false }, [-1, 3]),
    constF('b', [3], [0.5, -1, 0]),
    node('ba', 'BiasAdd', ['mm', 'b'], {}, [-1, 3]),
    node('y', 'Relu', ['ba'], {}, [-1, 3]),
  ], ['x'], ['y']);
}

/**
 * A TF1-style conv block: x[-1,16] -> Reshape [-1,4,4,1] -> Conv2D 3x3x1x2 SAME ->
 * Add bias -> FusedBatchNorm -> Relu -> AvgPool 2x2 SAME stride 2 -> Reshape [-1, 8]
 * (target from Pack(-1, 8)) -> Identity -> MatMul -> Mul by keep_prob -> Softmax.
 * Unshaped apart from sources, as a frontend returns it; keep_prob is a second input.
 */
export function convBnGraph(): IrGraph {
  const f = Array.from({ length: 18 }, (_, i) => ((i * 7) % 5) / 5 - 0.4);
  return graph([
    node('x', 'Placeholder', [], {}, [-1, 16]),
    node('keep_prob', 'Placeholder', [], {}, []),
    constI('r1/shape', [-1, 4, 4, 1]),
    node('r1', 'Reshape', ['x', 'r1/shape']),
    constF('filter', [3, 3, 1, 2], f),
    node('filter/read', 'Identity', ['filter']),
    node('conv', 'Conv2D', ['r1', 'filter/read'], { strides: [1, 1], padding: 'SAME', dilations: [1, 1] }),
    constF('bias', [2], [0.1, -0.2]),
    node('add', 'Add', ['conv', 'bias']),
    constF('gamma', [2], [1.5, 0.5]),
    constF('beta', [2], [0.25, -0.5]),
    constF('mean', [2], [0.1, 0.2]),
    constF('var', [2], [4, 0.25]),
    node('bn', 'FusedBatchNorm', ['add', 'gamma', 'beta', 'mean', 'var'], { epsilon: 0.001 }),
    node('relu', 'Relu', ['bn']),
    node('pool', 'AvgPool', ['relu'], { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'SAME' }),
    constI('batch', [-1], []),
    constI('width', [8], []),
    node('flat/shape', 'Pack', ['batch', 'width'], { axis: 0 }, undefined, 'int32'),
    node('flat', 'Reshape', ['pool', 'flat/shape']),
    node('flat/id', 'Identity', ['flat']),
    constF('fc', [8, 3], Array.from({ length: 24 }, (_, i) => ((i * 5) % 7) / 7 - 0.5)),
    node('logits', 'MatMul', ['flat/id', 'fc']),
    node('drop', 'Mul', ['logits', 'keep_prob']),
    node('probs', 'Softmax', ['drop']),
  ], ['x', 'keep_prob'], ['probs'], 'fixture:conv-bn');
}
