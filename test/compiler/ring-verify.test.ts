/** The ring IR verifier: each rule fails on a graph that breaks it, naming the node and the rule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verifyRing } from '../../compiler/ring/verify.js';
import type { RingGraph, RingNode } from '../../src/ir/ring-ops.js';

const src = { format: 'fixture', path: 'fixture' };
const x: RingNode = { id: 'x', op: 'input', inputs: [], attrs: {}, shape: [-1, 2], source: 'x', vis: 'secret', scale: 16, bound: 1 };
const w: RingNode = { id: 'w', op: 'const', inputs: [], attrs: { param: true }, shape: [2, 2], source: 'w', value: Float64Array.of(1, 2, 3, 4), vis: 'secret', scale: 16, bound: 4 };
const mm: RingNode = { id: 'mm', op: 'matmul', inputs: ['x', 'w'], attrs: {}, shape: [-1, 2], source: 'mm', vis: 'secret', scale: 32, bound: 7 };
const out: RingNode = { id: 'out', op: 'output', inputs: ['mm'], attrs: { name: 'mm' }, shape: [-1, 2], source: 'mm', vis: 'secret', scale: 32, bound: 7 };
const g = (nodes: RingNode[]): RingGraph => ({ nodes, fracBits: 16, source: src });

test('a well-formed scaled graph passes every stage', () => {
  for (const stage of ['ring', 'visible', 'scaled'] as const) verifyRing(g([x, w, mm, out]), stage, 'test');
});

const cases: [string, RingNode[], 'ring' | 'visible' | 'scaled', RegExp][] = [
  ['unique-id', [x, x, w, mm], 'ring', /unique-id/],
  ['operand-order', [x, mm, w], 'ring', /"mm".*operand-order/],
  ['arity', [x, w, { ...mm, inputs: ['x'] }], 'ring', /arity/],
  ['const-value', [x, { ...w, value: Float64Array.of(1) }, mm], 'ring', /const-value/],
  ['visible: missing', [x, w, { ...mm, vis: undefined }], 'visible', /visible/],
  ['visible: public result of a secret', [x, w, { ...mm, vis: 'public' }], 'visible', /public result/],
  ['scaled: product scale', [x, w, { ...mm, scale: 16 }], 'scaled', /product scale/],
  ['scaled: add scales', [x, w, mm, { ...mm, id: 'a', op: 'add', inputs: ['x', 'mm'], scale: 16 }], 'scaled', /operand scales/],
  ['scaled: trunc bits', [x, { id: 't', op: 'trunc', inputs: ['x'], attrs: { bits: 4 }, shape: [-1, 2], source: 'x', vis: 'secret', scale: 16, bound: 1 }], 'scaled', /trunc by 4/],
  ['scaled: headroom', [x, w, { ...mm, bound: 2 ** 31 }], 'scaled', /reaches 2\^62/],
];

for (const [name, nodes, stage, re] of cases) {
  test(`verifier rejects: ${name}`, () => {
    assert.throws(() => verifyRing(g(nodes), stage, 'test'), (e: Error) => re.test(e.message) && /E_IR|ring IR check failed/.test(`${(e as { code?: string }).code} ${e.message}`));
  });
}
