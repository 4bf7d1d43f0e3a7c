/** The text printer and the graph helpers (consumers, topological sort, replace/remove, tensor names). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfeError } from '../../src/errors.js';
import { consumers, removeDeadNodes, removeNode, replaceNode, resolveTensorName, rewireUses, topoSort } from '../../src/ir/graph.js';
import { printGraph, printNode } from '../../src/ir/print.js';
import { constF, denseGraph, node } from './fixtures.js';

test('printNode: operands, sorted attrs, dtype and shape; constants abbreviated beyond 8 values', () => {
  const g = denseGraph();
  assert.equal(printNode(g.nodes[2]), '%mm = MatMul(%x, %w) {transpose_a=false, transpose_b=false} : float32[-1,3]');
  assert.equal(printNode(g.nodes[3]), '%b = Const() {value=float32[3] [0.5, -1, 0]} : float32[3]');
  assert.equal(printNode(g.nodes[1]), '%w = Const() {value=float32[4,3] <12 values in [-1, 2]>} : float32[4,3]');
  assert.equal(printNode(node('c', 'Conv2D', ['x', 'f'], { padding: 'SAME', strides: [1, 2] })), '%c = Conv2D(%x, %f) {padding="SAME", strides=[1,2]} : float32[?]');
  assert.equal(printNode(constF('pi', [], [Math.PI])), '%pi = Const() {value=float32[] [3.14159]} : float32[]');
  const text = printGraph(g);
  assert.equal(text.split('\n').length, 3 + g.nodes.length + 1);
  assert.ok(text.startsWith('# fixture: fixture\ninputs: %x\noutputs: %y\n'));
});

test('consumers, topoSort (stable, cycle and missing-operand errors)', () => {
  const g = denseGraph();
  assert.deepEqual(consumers(g).get('x'), ['mm']);
  assert.deepEqual(consumers(g).get('y'), []);
  const shuffled = [g.nodes[5], g.nodes[4], g.nodes[3], g.nodes[2], g.nodes[1], g.nodes[0]];
  const sorted = topoSort(shuffled).map((n) => n.id);
  for (const n of g.nodes) for (const i of n.inputs) assert.ok(sorted.indexOf(i) < sorted.indexOf(n.id));
  assert.deepEqual(topoSort(g.nodes).map((n) => n.id), g.nodes.map((n) => n.id));
  const cyc = [node('a', 'Relu', ['b']), node('b', 'Relu', ['a'])];
  assert.throws(() => topoSort(cyc), (e: unknown) => e instanceof TfeError && e.code === 'E_IR' && /cycle/.test(e.message));
  assert.throws(() => topoSort([node('a', 'Relu', ['zz'])]), (e: unknown) => e instanceof TfeError && /"zz"/.test(e.message));
});

test('replaceNode, rewireUses, removeNode, removeDeadNodes', () => {
  const g = denseGraph();
  const r = replaceNode(g, 'y', node('y2', 'Sigmoid', ['ba'], {}, [-1, 3]));
  assert.deepEqual(r.outputs, ['y2']);
  assert.ok(!r.nodes.some((n) => n.id === 'y'));
  const skip = rewireUses(g, 'ba', 'mm');
  assert.deepEqual(skip.nodes.find((n) => n.id === 'y')?.inputs, ['mm']);
  assert.throws(() => removeNode(g, 'mm'), /still uses it/);
  const dead = removeDeadNodes(skip);
  assert.ok(!dead.nodes.some((n) => n.id === 'ba' || n.id === 'b'));
  assert.deepEqual(removeNode(skip, 'ba').nodes.length, g.nodes.length - 1);
});

test('resolveTensorName: node ids, x:0, and a helpful E_ARG', () => {
  const g = denseGraph();
  assert.equal(resolveTensorName(g, 'mm'), 'mm');
  assert.equal(resolveTensorName(g, 'mm:0'), 'mm');
  assert.throws(() => resolveTensorName(g, 'mm:1'), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG');
  assert.throws(() => resolveTensorName(g, 'MM'), (e: unknown) => e instanceof TfeError && /did you mean "mm"/.test(e.hint ?? ''));
  const keyed = { ...g, nodes: g.nodes.map((n) => (n.id === 'x' ? { ...n, id: 'serving_default_x', attrs: { signature_key: 'inp' } } : n)) };
  assert.equal(resolveTensorName(keyed, 'inp'), 'serving_default_x');
});
