/** Pass-test fixtures beyond the shared ones in test/ir/fixtures.ts. */
import type { IrGraph } from '../../src/ir/node.js';
import { constF, graph, node } from '../ir/fixtures.js';

/**
 * x[-1,3] -> MatMul W[4,3] (transpose_b) -> Add b -> the batch norm tf.nn.batch_normalization
 * builds from Rsqrt: y*(gamma*rsqrt(var+eps)) + (beta - mean*gamma*rsqrt(var+eps)) -> Relu,
 * with `read` Identities on the variables and an Identity output named `out`.
 */
export function rsqrtBnGraph(): IrGraph {
  return graph([
    node('x', 'Placeholder', [], {}, [-1, 3]),
    constF('W', [4, 3], [0.5, -1, 2, 1, 0.25, -0.5, -2, 1, 0, 0.75, 0.5, 1]),
    node('W/read', 'Identity', ['W']),
    node('mm', 'MatMul', ['x', 'W/read'], { transpose_a: false, transpose_b: true }),
    constF('b', [4], [0.1, 0.2, -0.3, 0]),
    node('add', 'Add', ['mm', 'b']),
    constF('var', [4], [1, 4, 0.5, 2]),
    constF('eps', [], [0.001]),
    node('bn/add', 'Add', ['var', 'eps']),
    node('bn/Rsqrt', 'Rsqrt', ['bn/add']),
    constF('gamma', [4], [1.2, 0.8, 1, 1.5]),
    node('bn/mul', 'Mul', ['bn/Rsqrt', 'gamma']),
    node('bn/mul_1', 'Mul', ['add', 'bn/mul']),
    constF('mean', [4], [0.3, -0.1, 0.2, 0]),
    node('bn/mul_2', 'Mul', ['mean', 'bn/mul']),
    constF('beta', [4], [0, 0.5, -0.5, 1]),
    node('bn/sub', 'Sub', ['beta', 'bn/mul_2']),
    node('bn/add_1', 'Add', ['bn/mul_1', 'bn/sub']),
    node('relu', 'Relu', ['bn/add_1']),
    node('out', 'Identity', ['relu']),
  ], ['x'], ['out'], 'fixture:rsqrt-bn');
}
