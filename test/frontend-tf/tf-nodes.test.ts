/**
 * NodeDef -> IR conversion on small synthetic graphs: attribute conventions,
 * fused-op decomposition, the single all-at-once E_UNSUPPORTED report (NCHW,
 * training-mode batch norm, unknown ops, uses of a second output), PlaceholderWithDefault,
 * cutting at an interior tensor and at `name:k`, constants fed with `consts`,
 * and function inlining with nested calls and a multi-output function.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttrMsg, FunctionDefMsg, NodeDefMsg } from '../../compiler/frontend/proto/tf-proto.js';
import { inlineFunctions } from '../../compiler/frontend/tf-functions.js';
import { prepareTfGraph, type TfCutOptions, type TfGraph } from '../../compiler/frontend/tf-graph.js';
import { tfGraphToIr } from '../../compiler/frontend/tf-nodes.js';
import type { IrGraph } from '../../src/ir/node.js';
import { eval64, type T64 } from './eval64.js';
import { tfeError } from './helpers.js';

const enc = new TextEncoder();
const F: AttrMsg = { type: 1 };
const s = (v: string): AttrMsg => ({ s: enc.encode(v) });
const ints = (...v: number[]): AttrMsg => ({ list: { i: v.map(String) } });
const fconst = (name: string, shape: number[], vals: number[]): NodeDefMsg => ({
  name, op: 'Const', attr: { dtype: F, value: { tensor: { dtype: 1, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) }, floatVal: vals } } },
});
const iconst = (name: string, shape: number[], vals: number[]): NodeDefMsg => ({
  name, op: 'Const', attr: { dtype: { type: 3 }, value: { tensor: { dtype: 3, tensorShape: { dim: shape.map((d) => ({ size: String(d) })) }, intVal: vals } } },
});
const ph = (name: string, shape?: number[]): NodeDefMsg => ({
  name, op: 'Placeholder', attr: { dtype: F, shape: { shape: shape ? { dim: shape.map((d) => ({ size: String(d) })) } : { unknownRank: true } } },
});
const node = (name: string, op: string, input: string[], attr: Record<string, AttrMsg> = {}): NodeDefMsg => ({ name, op, input, attr: { T: F, ...attr } });

function convert(nodes: NodeDefMsg[], cut: TfCutOptions = {}, outputs: string[] = [], allowUnsupported = false): IrGraph {
  const g: TfGraph = { nodes, inputs: [], outputs, source: { format: 'test', path: 'test.pb' } };
  return tfGraphToIr(prepareTfGraph(g, cut), { allowUnsupported });
}

describe('tf-nodes', () => {
  it('records conv, pool, reduction and batch-norm attrs with plain names', () => {
    const g = convert([
      ph('x', [-1, 8, 8, 3]), fconst('w', [3, 3, 3, 4], [0.5]),
      node('c', 'Conv2D', ['x', 'w'], { strides: ints(1, 2, 2, 1), padding: s('SAME'), dilations: ints(1, 1, 1, 1), data_format: s('NHWC') }),
      node('p', 'MaxPool', ['c'], { ksize: ints(1, 3, 3, 1), strides: ints(1, 1, 1, 1), padding: s('VALID') }),
      fconst('sc', [4], [1]), fconst('of', [4], [0]), fconst('mu', [4], [0]), fconst('va', [4], [1]),
      node('bn', 'FusedBatchNormV3', ['p', 'sc', 'of', 'mu', 'va'], { epsilon: { f: 0.001 }, is_training: { b: false } }),
      iconst('ax', [2], [1, 2]),
      node('m', 'Mean', ['bn', 'ax'], { keep_dims: { b: true } }),
    ]);
    const by = new Map(g.nodes.map((n) => [n.id, n]));
    assert.deepEqual(by.get('c')?.attrs, { strides: [2, 2], dilations: [1, 1], padding: 'SAME' });
    assert.deepEqual(by.get('p')?.attrs, { ksize: [3, 3], strides: [1, 1], padding: 'VALID' });
    assert.equal(by.get('bn')?.op, 'FusedBatchNorm');
    assert.ok(Math.abs((by.get('bn')?.attrs.epsilon as number) - 0.001) < 1e-9);
    assert.deepEqual(by.get('m')?.attrs, { keep_dims: true });
    assert.deepEqual(by.get('m')?.inputs, ['bn', 'ax']);
    assert.deepEqual(by.get('x')?.shape, [-1, 8, 8, 3]);
    // One float value broadcast to the whole [3,3,3,4] filter (TensorProto rule).
    const w = by.get('w')?.attrs.value as { values: Float64Array };
    assert.equal(w.values.length, 108);
    assert.ok(w.values.every((v) => v === 0.5));
    assert.deepEqual(g.outputs, ['m']);
  });

  it('decomposes _FusedConv2D [FusedBatchNorm, Relu6] and _FusedMatMul [BiasAdd, Relu]; evaluates like the unfused ops', () => {
    const g = convert([
      ph('x', [1, 2, 2, 1]), fconst('w', [1, 1, 1, 2], [2, -1]),
      fconst('sc', [2], [1, 3]), fconst('of', [2], [0.5, 0]), fconst('mu', [2], [0, 1]), fconst('va', [2], [3, 0]),
      node('c', '_FusedConv2D', ['x', 'w', 'sc', 'of', 'mu', 'va'], { strides: ints(1, 1, 1, 1), padding: s('VALID'), num_args: { i: '4' },
        fused_ops: { list: { s: [enc.encode('FusedBatchNorm'), enc.encode('Relu6')] } }, epsilon: { f: 1 } }),
      iconst('shape', [2], [1, 8]),
      node('r', 'Reshape', ['c', 'shape']),
      fconst('k', [8, 1], [1, 1, 1, 1, 1, 1, 1, 1]), fconst('b', [1], [-1]),
      node('d', '_FusedMatMul', ['r', 'k', 'b'], { transpose_a: { b: false }, transpose_b: { b: false }, num_args: { i: '1' },
        fused_ops: { list: { s: [enc.encode('BiasAdd'), enc.encode('Relu')] } } }),
    ]);
    assert.deepEqual(g.nodes.filter((n) => n.id.startsWith('c') || n.id.startsWith('d')).map((n) => [n.id, n.op, n.inputs]), [
      ['c/Conv2D', 'Conv2D', ['x', 'w']],
      ['c/FusedBatchNorm', 'FusedBatchNorm', ['c/Conv2D', 'sc', 'of', 'mu', 'va']],
      ['c', 'Relu6', ['c/FusedBatchNorm']],
      ['d/MatMul', 'MatMul', ['r', 'k']],
      ['d/BiasAdd', 'BiasAdd', ['d/MatMul', 'b']],
      ['d', 'Relu', ['d/BiasAdd']],
    ]);
    // x = [1, 2, 3, 4]: channel 0 = clamp((2x)/2 + 0.5, 0, 6), channel 1 = clamp((-x - 1) * 3 / 1, 0, 6).
    const [y] = eval64(g, { x: { shape: [1, 2, 2, 1], data: Float64Array.of(1, 2, 3, 4) } });
    const expect = [1, 2, 3, 4].reduce((acc, v) => acc + Math.min(6, Math.max(0, v + 0.5)) + Math.min(6, Math.max(0, (-v - 1) * 3)), 0) - 1;
    assert.deepEqual(Array.from(y.data), [Math.max(0, expect)]);
  });

  it('reports every unsupported node in one error, with details', () => {
    const nodes = [
      ph('x', [1, 3, 4, 4]), fconst('w', [1, 1, 3, 3], [1]),
      node('nchw', 'Conv2D', ['x', 'w'], { strides: ints(1, 1, 1, 1), padding: s('VALID'), data_format: s('NCHW') }),
      fconst('sc', [3], [1]),
      node('train_bn', 'FusedBatchNorm', ['nchw', 'sc', 'sc', 'sc', 'sc'], { data_format: s('NHWC') }),
      node('weird', 'Erf', ['train_bn']),
      node('second', 'Relu', ['train_bn:1']),
      node('out', 'AddV2', ['weird', 'second']),
    ];
    assert.throws(() => convert(nodes), tfeError('E_UNSUPPORTED', /test\.pb: 3 unsupported nodes/,
      /node 'nchw' \(op Conv2D, data_format NCHW; only NHWC is supported\)/, /node 'train_bn' \(op FusedBatchNorm, is_training true/,
      /node 'weird' \(op Erf\)/));
    const ok = [ph('x', [2]), node('bn', 'FusedBatchNormV3', ['x', 'x', 'x', 'x', 'x'], { is_training: { b: false } }), node('r', 'Relu', ['bn:1'])];
    assert.throws(() => convert(ok), tfeError('E_UNSUPPORTED', /node 'r' \(op Relu, reads output 1 of 'bn' \(op FusedBatchNormV3\), which the IR does not model\)/));
  });

  it('ignores control inputs and NoOps; an unfed PlaceholderWithDefault is its default', () => {
    const g = convert([
      fconst('d', [1], [4]), { name: 'p', op: 'PlaceholderWithDefault', input: ['d'], attr: { dtype: F, shape: { shape: { dim: [{ size: '1' }] } } } },
      { name: 'init', op: 'NoOp', input: [] }, node('y', 'Neg', ['p', '^init']),
    ]);
    assert.deepEqual(g.inputs, []);
    assert.deepEqual(g.nodes.map((n) => [n.id, n.op]), [['d', 'Const'], ['p', 'Identity'], ['y', 'Neg']]);
    assert.deepEqual(Array.from(eval64(g, {})[0].data), [-4]);
  });

  it('cuts at an interior tensor and at output k of a multi-output node; feeds constants', () => {
    const nodes = [
      { name: 'wav', op: 'Placeholder', attr: { dtype: { type: 7 } } },
      { name: 'dec', op: 'DecodeWav', input: ['wav'], attr: {} },
      node('a', 'Relu', ['dec']), node('b', 'Neg', ['dec:1']), node('out', 'Sub', ['a', 'b']),
    ];
    const g = convert(nodes, { inputs: [{ name: 'dec', shape: [2] }, { name: 'dec:1', shape: [2] }] });
    assert.deepEqual(g.inputs, ['dec', 'dec:1']);
    assert.ok(!g.nodes.some((n) => n.id === 'wav'));
    const [y] = eval64(g, { dec: { shape: [2], data: Float64Array.of(-1, 2) }, 'dec:1': { shape: [2], data: Float64Array.of(3, 4) } });
    assert.deepEqual(Array.from(y.data), [3, 6]);
    const c = convert(nodes, { inputs: [{ name: 'dec', shape: [2] }], consts: [{ name: 'dec:1', value: { dtype: 'float32', shape: [2], values: Float64Array.of(1, 1) } }] });
    assert.deepEqual(Array.from(eval64(c, { dec: { shape: [2], data: Float64Array.of(-1, 2) } })[0].data), [1, 3]);
  });

  it('ArgMax, Shape and Cast take their dtype from output_type / out_type / DstT', () => {
    const g = convert([ph('x', [2, 3]), iconst('ax', [], [1]),
      { name: 'am', op: 'ArgMax', input: ['x', 'ax'], attr: { T: F, output_type: { type: 3 } } },
      { name: 'sh', op: 'Shape', input: ['x'], attr: { T: F } },
      { name: 'ca', op: 'Cast', input: ['am'], attr: { SrcT: { type: 3 }, DstT: F } },
      node('o1', 'Identity', ['sh']), node('o2', 'Identity', ['ca'])], {}, ['o1', 'o2', 'am']);
    const by = new Map(g.nodes.map((n) => [n.id, n]));
    assert.equal(by.get('am')?.dtype, 'int32');
    assert.deepEqual(by.get('am')?.attrs, { output_type: 'int32' });
    assert.equal(by.get('sh')?.dtype, 'int32');
    assert.equal(by.get('ca')?.dtype, 'float32');
    assert.deepEqual(g.outputs, ['o1', 'o2', 'am']);
  });
});

describe('tf-functions', () => {
  const fn = (name: string, ins: string[], outs: string[], body: NodeDefMsg[], ret: Record<string, string>): FunctionDefMsg => ({
    signature: { name, inputArg: ins.map((n) => ({ name: n, type: 1 })), outputArg: outs.map((n) => ({ name: n, type: 1 })) }, nodeDef: body, ret,
  });

  it('inlines nested calls and maps function outputs through ret', () => {
    const inner = fn('inner', ['u', 'v'], ['sum', 'diff'], [
      node('s', 'AddV2', ['u', 'v']), node('d', 'Sub', ['u', 'v']), node('id', 'Identity', ['d:z:0', '^s']),
    ], { sum: 's:z:0', diff: 'id:output:0' });
    const outer = fn('outer', ['a'], ['r'], [
      fconst('two', [], [2]),
      { name: 'call', op: 'PartitionedCall', input: ['a', 'two:output:0'], attr: { f: { func: { name: 'inner' } } } },
      node('m', 'Mul', ['call:output:0', 'call:output:1']),
    ], { r: 'm:z:0' });
    const g: TfGraph = { nodes: [ph('x', [1]), { name: 'top', op: 'StatefulPartitionedCall', input: ['x'], attr: { f: { func: { name: 'outer' } } } }, node('y', 'Neg', ['top'])],
      inputs: [], outputs: ['y'], source: { format: 'test', path: 'fn.pb' } };
    const ir = tfGraphToIr(prepareTfGraph(inlineFunctions(g, [inner, outer])));
    assert.ok(ir.nodes.some((n) => n.id === 'top/call/s'), 'nested call expanded under its caller');
    const x: T64 = { shape: [1], data: Float64Array.of(5) };
    assert.deepEqual(Array.from(eval64(ir, { x })[0].data), [-((5 + 2) * (5 - 2))]);
  });

  it('reports a call to a missing function', () => {
    const g: TfGraph = { nodes: [ph('x', [1]), { name: 'c', op: 'PartitionedCall', input: ['x'], attr: { f: { func: { name: 'gone' } } } }],
      inputs: [], outputs: ['c'], source: { format: 'test', path: 'fn.pb' } };
    assert.throws(() => inlineFunctions(g, []), tfeError('E_FORMAT', /node 'c'/, /'gone'/));
  });
});
