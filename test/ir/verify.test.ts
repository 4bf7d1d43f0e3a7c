/** The IR verifier: a valid graph passes, and each rule fails on a graph that breaks it, naming the node and the rule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfeError } from '../../src/errors.js';
import type { IrGraph, IrNode } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import { verifyGraph, type VerifyStage } from '../../src/ir/verify.js';
import { constF, constI, denseGraph, graph, node } from './fixtures.js';

function edit(g: IrGraph, id: string, change: Partial<IrNode>): IrGraph {
  return { ...g, nodes: g.nodes.map((n) => (n.id === id ? { ...n, ...change } : n)) };
}

function breaks(g: IrGraph, rule: string, nodeId: string | undefined, stage: VerifyStage = 'shaped'): void {
  assert.throws(() => verifyGraph(g, stage), (e: unknown) => {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, 'E_IR');
    assert.match(e.message, new RegExp(`rule ${rule}\\b`));
    if (nodeId) assert.ok(e.message.includes(`node "${nodeId}"`), e.message);
    return true;
  });
}

test('a valid graph verifies at both stages', () => {
  verifyGraph(denseGraph(), 'loaded');
  verifyGraph(denseGraph(), 'shaped');
});

test('unique-id, operand-exists, operand-order, known-op, arity', () => {
  const g = denseGraph();
  breaks({ ...g, nodes: [...g.nodes, node('mm', 'Relu', ['x'], {}, [-1, 4])] }, 'unique-id', 'mm');
  breaks(edit(g, 'y', { inputs: ['nope'] }), 'operand-exists', 'y');
  breaks({ ...g, nodes: [g.nodes[0], g.nodes[2], g.nodes[1], ...g.nodes.slice(3)] }, 'operand-order', 'mm');
  breaks(edit(g, 'y', { op: 'Frobnicate' as Op }), 'known-op', 'y');
  breaks(edit(g, 'mm', { inputs: ['x'] }), 'arity', 'mm');
  breaks(edit(g, 'y', { inputs: ['ba', 'ba'] }), 'arity', 'y');
});

test('attrs: required, kinds, padding, window vectors, data_format', () => {
  const conv = (attrs: Record<string, unknown>): IrGraph => graph([
    node('x', 'Placeholder', [], {}, [1, 4, 4, 1]),
    constF('f', [2, 2, 1, 1], [1, 1, 1, 1]),
    node('c', 'Conv2D', ['x', 'f'], attrs as IrNode['attrs'], [1, 4, 4, 1]),
  ], ['x'], ['c']);
  verifyGraph(conv({ strides: [1, 1], padding: 'SAME' }), 'shaped');
  verifyGraph(conv({ strides: [1, 1, 1, 1], padding: 'SAME', data_format: 'NHWC' }), 'shaped');
  breaks(conv({ strides: [1, 1] }), 'attrs', 'c');
  breaks(conv({ strides: [1, 1], padding: 'FULL' }), 'attrs', 'c');
  breaks(conv({ strides: [2, 1, 1, 1], padding: 'SAME' }), 'attrs', 'c');
  breaks(conv({ strides: [1, 1], padding: 'SAME', data_format: 'NCHW' }), 'attrs', 'c');
  breaks(edit(denseGraph(), 'mm', { attrs: { transpose_a: 'yes' } }), 'attrs', 'mm');
  breaks(edit(denseGraph(), 'w', { attrs: {} }), 'attrs', 'w');
});

test('dtype: const value agreement, operand agreement, index outputs', () => {
  const g = denseGraph();
  breaks(edit(g, 'w', { dtype: 'int32' }), 'dtype', 'w', 'loaded');
  breaks(edit(g, 'b', { attrs: { value: { dtype: 'float32', shape: [3], values: Float64Array.of(1, 2) } } }), 'dtype', 'b', 'loaded');
  breaks(edit(g, 'x', { dtype: 'int32' }), 'dtype', 'mm', 'loaded');
  const shape = graph([node('x', 'Placeholder', [], {}, [2, 3]), node('s', 'Shape', ['x'], {}, [2], 'float32')], ['x'], ['s']);
  breaks(shape, 'dtype', 's', 'loaded');
});

test('graph-io: inputs are Placeholders, outputs exist, at least one output', () => {
  const g = denseGraph();
  breaks({ ...g, inputs: ['w'] }, 'graph-io', 'w');
  breaks({ ...g, outputs: ['gone'] }, 'graph-io', undefined);
  breaks({ ...g, outputs: [] }, 'graph-io', undefined);
});

test('shape-present, shape-consistent and const-operand hold only from the shaped stage', () => {
  const g = denseGraph();
  const unshaped = edit(g, 'ba', { shape: undefined });
  verifyGraph(unshaped, 'loaded');
  breaks(unshaped, 'shape-present', 'ba');
  breaks(edit(g, 'ba', { shape: [-1, 4] }), 'shape-consistent', 'ba');
  breaks(edit(g, 'b', { attrs: { value: { dtype: 'float32', shape: [4], values: new Float64Array(4) } }, shape: [4] }), 'shape-consistent', 'ba');
  const dyn = graph([
    node('x', 'Placeholder', [], {}, [2, 3]),
    node('s', 'Shape', ['x'], {}, [2], 'int32'),
    node('r', 'Reshape', ['x', 's'], {}, [2, 3]),
  ], ['x'], ['r']);
  verifyGraph(dyn, 'loaded');
  breaks(dyn, 'const-operand', 'r');
  const fixed = graph([node('x', 'Placeholder', [], {}, [2, 3]), constI('s', [3, 2]), node('r', 'Reshape', ['x', 's'], {}, [3, 2])], ['x'], ['r']);
  verifyGraph(fixed, 'shaped');
});
