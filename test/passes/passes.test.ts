/** Each pass on its own: what it rewrites, what it leaves, and the errors it raises (naming the node or argument). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSupportedPass } from '../../compiler/passes/check-supported.js';
import { constFeedPass } from '../../compiler/passes/const-feed.js';
import { cutPass } from '../../compiler/passes/cut.js';
import { foldBatchNormPass } from '../../compiler/passes/fold-batchnorm.js';
import { foldConstantsPass } from '../../compiler/passes/fold-constants.js';
import { DEFAULT_PASS_OPTIONS, type PassOptions } from '../../compiler/passes/pass.js';
import { normalizeAttrsPass } from '../../compiler/passes/normalize-attrs.js';
import { prunePass } from '../../compiler/passes/prune.js';
import { removeIdentityPass } from '../../compiler/passes/remove-identity.js';
import { shapeInferencePass } from '../../compiler/passes/shape-inference.js';
import { runPipeline } from '../../compiler/pipeline.js';
import { runIr } from '../../runtime/plaintext/interpreter.js';
import { TfeError } from '../../src/errors.js';
import type { IrGraph } from '../../src/ir/node.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { pseudoRandom } from '../e2e-frontends/helpers.js';
import { constF, constI, convBnGraph, denseGraph, graph, node } from '../ir/fixtures.js';

const opts = (o: Partial<PassOptions> = {}): PassOptions => ({ ...DEFAULT_PASS_OPTIONS, ...o });
const ids = (g: IrGraph): string[] => g.nodes.map((n) => n.id);
const code = (c: string, re?: RegExp) => (e: unknown): boolean => e instanceof TfeError && e.code === c && (!re || re.test(`${e.message} ${e.hint ?? ''}`));

test('prune keeps what the requested outputs need; unknown outputs are E_ARG', () => {
  const g = prunePass.run(convBnGraph(), opts({ outputs: ['relu:0'] }));
  assert.deepEqual(g.outputs, ['relu']);
  assert.deepEqual(g.inputs, ['x']);
  assert.ok(!ids(g).includes('pool') && !ids(g).includes('keep_prob'));
  assert.throws(() => prunePass.run(convBnGraph(), opts({ outputs: ['nope'] })), code('E_ARG', /--output "nope"/));
});

test('cut makes a tensor an input and drops what only it needed; on a Placeholder it sets the shape', () => {
  const g = cutPass.run(convBnGraph(), opts({ inputs: [{ name: 'relu', shape: [-1, 4, 4, 2] }] }));
  assert.deepEqual(g.inputs, ['relu', 'keep_prob']);
  for (const gone of ['x', 'conv', 'bn', 'filter', 'r1']) assert.ok(!ids(g).includes(gone), gone);
  assert.deepEqual(g.nodes.find((n) => n.id === 'relu'), { id: 'relu', op: 'Placeholder', inputs: [], attrs: {}, dtype: 'float32', shape: [-1, 4, 4, 2] });
  const fixed = cutPass.run(denseGraph(), opts({ inputs: [{ name: 'x:0', shape: [10, 4] }] }));
  assert.deepEqual(fixed.nodes[0].shape, [10, 4]);
  assert.throws(() => cutPass.run(denseGraph(), opts({ inputs: [{ name: 'nope', shape: [1] }] })), code('E_ARG'));
  assert.throws(() => cutPass.run(denseGraph(), opts({ inputs: [{ name: 'mm', shape: [1, 2, 3] }] })), code('E_SHAPE', /rank 3/));
});

test('const-feed replaces an input by a constant; only fixed-shape Placeholders qualify', () => {
  const g = constFeedPass.run(convBnGraph(), opts({ consts: [{ name: 'keep_prob', value: 0.5 }] }));
  assert.deepEqual(g.inputs, ['x']);
  assert.equal(g.nodes.find((n) => n.id === 'keep_prob')?.op, 'Const');
  assert.throws(() => constFeedPass.run(convBnGraph(), opts({ consts: [{ name: 'relu', value: 1 }] })), code('E_ARG', /not an input/));
  assert.throws(() => constFeedPass.run(convBnGraph(), opts({ consts: [{ name: 'x', value: 1 }] })), code('E_ARG', /batch-sized/));
});

test('fold-constants evaluates constant subgraphs (Identity, Pack, Shape of a static tensor)', () => {
  const g = foldConstantsPass.run(convBnGraph(), opts());
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  assert.equal(byId.get('filter/read')?.op, 'Const');
  assert.deepEqual([...(byId.get('flat/shape')?.attrs.value as { values: Int32Array }).values], [-1, 8]);
  assert.ok(!byId.has('batch') && !byId.has('filter'), 'inputs of folded nodes are dropped');
  const s = graph([
    node('x', 'Placeholder', [], {}, [2, 3]),
    node('s', 'Shape', ['x'], {}, undefined, 'int32'),
    constI('b', [1]), constI('e', [2]), constI('st', [1]),
    node('last', 'StridedSlice', ['s', 'b', 'e', 'st'], { shrink_axis_mask: 1 }, undefined, 'int32'),
    constI('one', [-1], []),
    node('p', 'Pack', ['one', 'last'], {}, undefined, 'int32'),
    node('r', 'Reshape', ['x', 'p']),
  ], ['x'], ['r']);
  const f = foldConstantsPass.run(s, opts());
  assert.deepEqual(ids(f), ['x', 'p', 'r']);
  assert.deepEqual([...(f.nodes[1].attrs.value as { values: Int32Array }).values], [-1, 3]);
  // A batch-sized shape cannot fold: Shape stays.
  const dyn = foldConstantsPass.run({ ...s, nodes: s.nodes.map((n) => (n.id === 'x' ? { ...n, shape: [-1, 3] } : n)) }, opts());
  assert.ok(ids(dyn).includes('s'));
  assert.throws(() => shapeInferencePass.run(dyn, opts()), code('E_SHAPE', /node "r" \(Reshape\).*not a constant/));
});

test('remove-identity drops Identity, x*1 and x+0, keeping output names', () => {
  const g = graph([
    node('x', 'Placeholder', [], {}, [2, 2]),
    node('i', 'Identity', ['x']),
    constF('one', [], [1]),
    node('m', 'Mul', ['i', 'one']),
    constF('zero', [1], [0]),
    node('a', 'Add', ['m', 'zero']),
    node('r', 'Relu', ['a']),
    node('out', 'Identity', ['r']),
  ], ['x'], ['out']);
  const h = removeIdentityPass.run(g, opts());
  assert.deepEqual(ids(h), ['x', 'out']);
  assert.deepEqual(h.nodes[1], { ...g.nodes[6], id: 'out', inputs: ['x'] });
  // An Identity output of an input stays (renaming the input would change the interface).
  const keep = removeIdentityPass.run(graph([node('x', 'Placeholder', [], {}, [1]), node('y', 'Identity', ['x'])], ['x'], ['y']), opts());
  assert.deepEqual(ids(keep), ['x', 'y']);
});

test('shape-inference: batch stays -1, dtypes propagate, errors name the node', () => {
  const g = shapeInferencePass.run(foldConstantsPass.run(convBnGraph(), opts()), opts());
  verifyGraph(g, 'shaped');
  assert.deepEqual(g.nodes.find((n) => n.id === 'pool')?.shape, [-1, 2, 2, 2]);
  assert.deepEqual(g.nodes.find((n) => n.id === 'probs')?.shape, [-1, 3]);
  const noShape = graph([node('X', 'Placeholder'), node('y', 'Relu', ['X'])], ['X'], ['y']);
  assert.throws(() => shapeInferencePass.run(noShape, opts()), code('E_SHAPE', /input "X" has no known shape.*--input X=/));
  const bad = graph([node('x', 'Placeholder', [], {}, [-1, 5]), constF('w', [4, 3], new Array(12).fill(0)), node('mm', 'MatMul', ['x', 'w'])], ['x'], ['mm']);
  assert.throws(() => shapeInferencePass.run(bad, opts()), code('E_SHAPE', /node "mm" \(MatMul\): inner dimensions/));
  const ints = graph([node('x', 'Placeholder', [], {}, [2], 'int32'), node('n', 'Neg', ['x'])], ['x'], ['n']);
  assert.equal(shapeInferencePass.run(ints, opts()).nodes[1].dtype, 'int32');
});

test('fold-batchnorm: into Conv2D, DepthwiseConv2D and MatMul (transpose_b); a FusedBatchNorm it cannot fold becomes Mul + Add', () => {
  const bn = (x: string): ReturnType<typeof node>[] => [
    constF('g', [4], [1.5, 0.5, 2, 1]), constF('be', [4], [0.25, -0.5, 0, 1]), constF('mu', [4], [0.1, 0.2, -0.3, 0]), constF('va', [4], [4, 0.25, 1, 2]),
    node('bn', 'FusedBatchNorm', [x, 'g', 'be', 'mu', 'va'], { epsilon: 0.001 }),
  ];
  const cases: [string, IrGraph, number[]][] = [
    ['conv', graph([node('x', 'Placeholder', [], {}, [-1, 5, 5, 2]), constF('f', [3, 3, 2, 4], Array.from(pseudoRandom(72, 1))), node('c', 'Conv2D', ['x', 'f'], { strides: [2, 2], padding: 'SAME' }), ...bn('c')], ['x'], ['bn']), [2, 5, 5, 2]],
    ['depthwise', graph([node('x', 'Placeholder', [], {}, [-1, 5, 5, 2]), constF('f', [3, 3, 2, 2], Array.from(pseudoRandom(36, 2))), node('c', 'DepthwiseConv2D', ['x', 'f'], { strides: [1, 1], padding: 'VALID' }), constF('bb', [4], [1, 2, 3, 4]), node('ba', 'BiasAdd', ['c', 'bb']), ...bn('ba')], ['x'], ['bn']), [2, 5, 5, 2]],
    ['matmul', graph([node('x', 'Placeholder', [], {}, [-1, 3]), constF('w', [4, 3], Array.from(pseudoRandom(12, 3))), node('c', 'MatMul', ['x', 'w'], { transpose_b: true }), ...bn('c')], ['x'], ['bn']), [3, 3]],
    ['relu-first', graph([node('x', 'Placeholder', [], {}, [-1, 4]), node('r', 'Relu', ['x']), ...bn('r')], ['x'], ['bn']), [3, 4]],
  ];
  for (const [name, g0, shape] of cases) {
    const g = shapeInferencePass.run(g0, opts());
    const folded = foldBatchNormPass.run(g, opts());
    verifyGraph(folded, 'shaped', name);
    assert.ok(!folded.nodes.some((n) => n.op === 'FusedBatchNorm'), name);
    if (name === 'relu-first') assert.deepEqual(folded.nodes.map((n) => n.op).slice(-2), ['Mul', 'Add']);
    else assert.equal(folded.nodes.find((n) => n.id === 'bn')?.op, 'BiasAdd', name);
    const x = { shape, data: pseudoRandom(shape.reduce((a, d) => a * d, 1), 4, -2, 2) };
    const want = runIr(g, { x }).bn.data;
    const got = runIr(folded, { x }).bn.data;
    for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `${name} ${i}`);
  }
  // A linear op with a second consumer is not folded into.
  const shared = graph([node('x', 'Placeholder', [], {}, [-1, 3]), constF('w', [3, 4], Array.from(pseudoRandom(12, 5))), node('c', 'MatMul', ['x', 'w']), ...bn('c'), node('other', 'Relu', ['c'])], ['x'], ['bn', 'other']);
  const s = foldBatchNormPass.run(shapeInferencePass.run(shared, opts()), opts());
  assert.equal(s.nodes.find((n) => n.id === 'bn')?.op, 'Add');
});

test('check-supported lists every unsupported marker and where to cut', () => {
  const g = graph([
    node('wav', 'Placeholder', [], {}, [], 'string'),
    node('dec', 'Placeholder', [], { unsupported_op: 'DecodeWav', unsupported_inputs: ['wav'] }),
    node('feat', 'Placeholder', [], { unsupported_op: 'Mfcc', unsupported_inputs: ['dec', 'dec:1'] }),
    node('y', 'Relu', ['feat']),
  ], ['wav'], ['y']);
  const pruned = prunePass.run(g, opts());
  assert.ok(ids(pruned).includes('dec'), 'markers upstream of a marker survive pruning');
  assert.throws(() => checkSupportedPass.run(pruned, opts()), code('E_UNSUPPORTED', /2 unsupported ops: node 'dec' \(op DecodeWav\), node 'feat' \(op Mfcc\).*--input feat=SHAPE/));
  const cut = runPipeline(g, opts({ inputs: [{ name: 'feat', shape: [-1, 3] }] }));
  assert.deepEqual(ids(cut), ['feat', 'y']);
  // A marker whose shape is known: the hint names it instead of SHAPE.
  const shaped = graph(g.nodes.map((n) => (n.id === 'feat' ? { ...n, shape: [1, 7, 3] } : n)), ['wav'], ['y']);
  assert.throws(() => checkSupportedPass.run(shaped, opts()), (e: unknown) => e instanceof TfeError && /--input feat=1x7x3 \(the shape is the tensor's own/.test(e.hint ?? ''));
});

test('runPipeline: emitAfter stops after a pass; an unknown pass is E_ARG', () => {
  const g = runPipeline(convBnGraph(), opts(), { emitAfter: 'fold-constants' });
  assert.ok(g.nodes.some((n) => n.op === 'FusedBatchNorm') && g.nodes.every((n) => n.id !== 'filter'));
  assert.equal(runPipeline(convBnGraph(), opts(), { emitAfter: 'frontend' }).nodes.length, convBnGraph().nodes.length);
  assert.throws(() => runPipeline(convBnGraph(), opts(), { emitAfter: 'nope' }), code('E_ARG', /the passes are: frontend, prune/));
});

test('normalize-attrs writes [1,h,w,1] windows and TF defaults, leaving other nodes untouched', () => {
  const g = graph([
    node('x', 'Placeholder', [], {}, [-1, 4, 4, 1]),
    constF('f', [2, 2, 1, 1], [1, 1, 1, 1]),
    node('c', 'Conv2D', ['x', 'f'], { strides: [2, 1], padding: 'SAME' }),
    node('p', 'MaxPool', ['c'], { ksize: [1, 2, 2, 1], strides: [2, 2], padding: 'VALID' }),
    constI('ax', [1]),
    node('m', 'Mean', ['p', 'ax']),
    node('r', 'Relu', ['m']),
  ], ['x'], ['r']);
  const n = new Map(normalizeAttrsPass.run(g, opts()).nodes.map((q) => [q.id, q]));
  assert.deepEqual(n.get('c')?.attrs, { strides: [1, 2, 1, 1], padding: 'SAME', dilations: [1, 1, 1, 1] });
  assert.deepEqual(n.get('p')?.attrs, { ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: 'VALID' });
  assert.deepEqual(n.get('m')?.attrs, { keep_dims: false });
  assert.equal(n.get('r'), g.nodes[6]);
});

test('check-supported shows the reason a frontend gives for a marker', () => {
  const g = graph([
    node('x', 'Placeholder', [], {}, [1, 4, 4, 3]),
    node('c', 'Placeholder', [], { unsupported_op: 'Conv2D', unsupported_inputs: ['x'], unsupported_detail: 'op Conv2D, data_format NCHW; only NHWC is supported' }),
    node('y', 'Relu', ['c']),
  ], ['x'], ['y']);
  assert.throws(() => checkSupportedPass.run(g, opts()), code('E_UNSUPPORTED', /1 unsupported op: node 'c' \(op Conv2D, data_format NCHW; only NHWC is supported\)/));
});
