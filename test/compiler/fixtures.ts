/** Hand-made TF-level graphs for the secure-pipeline tests (small, each exercising a few decisions). */
import type { IrGraph } from '../../src/ir/node.js';
import { constF, constI, graph, node } from '../ir/fixtures.js';

const ramp = (n: number, scale: number, offset = 0): number[] => Array.from({ length: n }, (_, i) => ((((i * 7 + 3) % 11) - 5) / 5) * scale + offset);

/**
 * x[-1,6,6,1] -> Conv2D 3x3x1x2 VALID -> BiasAdd -> Relu -> MaxPool 2x2 -> Reshape
 * [-1,8] -> MatMul [8,3] -> BiasAdd -> Softmax (the output). Exercises the
 * relu-maxpool swap, lazy truncation after relu, and the client-side softmax.
 */
export function cnnGraph(): IrGraph {
  return graph([
    node('x', 'Placeholder', [], {}, [-1, 6, 6, 1]),
    constF('conv/w', [3, 3, 1, 2], ramp(18, 0.5)),
    node('conv', 'Conv2D', ['x', 'conv/w'], { strides: [1, 1], padding: 'VALID' }),
    constF('conv/b', [2], [0.1, -0.2]),
    node('conv/bias', 'BiasAdd', ['conv', 'conv/b']),
    node('relu', 'Relu', ['conv/bias']),
    node('pool', 'MaxPool', ['relu'], { ksize: [2, 2], strides: [2, 2], padding: 'VALID' }),
    constI('flat/shape', [-1, 8]),
    node('flat', 'Reshape', ['pool', 'flat/shape']),
    constF('fc/w', [8, 3], ramp(24, 0.7)),
    node('fc', 'MatMul', ['flat', 'fc/w'], { transpose_a: false, transpose_b: false }),
    constF('fc/b', [3], [0.05, 0, -0.05]),
    node('logits', 'BiasAdd', ['fc', 'fc/b']),
    node('probs', 'Softmax', ['logits']),
  ], ['x'], ['probs'], 'fixture:cnn');
}

/**
 * x[-1,4] -> Mul 0.5 -> Mul 3 -> Add 2 -> Relu6 -> Mean over the last axis: the two
 * constant multiplications fold into one (one product), Relu6 becomes two exact
 * comparisons, the Mean a sum times a public 1/4.
 */
export function scalarGraph(): IrGraph {
  return graph([
    node('x', 'Placeholder', [], {}, [-1, 4]),
    constF('half', [], [0.5]),
    node('m0', 'Mul', ['half', 'x']),
    constF('three', [], [3]),
    node('m1', 'Mul', ['m0', 'three']),
    constF('two', [], [2]),
    node('add', 'Add', ['m1', 'two']),
    node('r6', 'Relu6', ['add']),
    constI('axes', [-1]),
    node('mean', 'Mean', ['r6', 'axes'], { keep_dims: false }),
  ], ['x'], ['mean'], 'fixture:scalar');
}

/**
 * x[-1,4,4,2] -> AvgPool 2x2 -> Mean over H,W (global average pooling) -> MatMul
 * [2,3] -> Sigmoid -> MatMul [3,2] -> Tanh: avgpool's exact 2-bit reciprocal, the
 * global pool as one avgpool, and the piecewise polynomial activations (segments
 * chosen by exact comparisons).
 */
export function activationGraph(): IrGraph {
  return graph([
    node('x', 'Placeholder', [], {}, [-1, 4, 4, 2]),
    node('avg', 'AvgPool', ['x'], { ksize: [2, 2], strides: [2, 2], padding: 'VALID' }),
    constI('hw', [1, 2]),
    node('gap', 'Mean', ['avg', 'hw'], { keep_dims: false }),
    constF('w1', [2, 3], [1.5, -2, 0.5, 3, 1, -1]),
    node('mm1', 'MatMul', ['gap', 'w1'], { transpose_a: false, transpose_b: false }),
    node('sig', 'Sigmoid', ['mm1']),
    constF('w2', [3, 2], [2, -1, 0.5, 1.5, -2, 1]),
    node('mm2', 'MatMul', ['sig', 'w2'], { transpose_a: false, transpose_b: false }),
    node('tanh', 'Tanh', ['mm2']),
  ], ['x'], ['tanh'], 'fixture:activations');
}
