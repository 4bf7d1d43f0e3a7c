/**
 * The IR's reference kernels against tfjs-core's cpu kernels (an independent
 * implementation of TensorFlow's semantics), on random inputs: conv and pooling with
 * SAME/VALID, strides and dilations (incl. AvgPool's padding-excluded count), MatMul
 * transposes, broadcasting, reductions, and the shape ops. Tolerance 1e-4: tfjs
 * computes in float32 (relative rounding ~6e-8 per op, sums of at most ~300 terms of
 * magnitude <= 3).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { evalNode } from '../../src/ir/eval/evaluate.js';
import type { Tensor } from '../../src/ir/eval/tensor.js';
import type { Attrs } from '../../src/ir/node.js';
import type { Op } from '../../src/ir/ops.js';
import { pseudoRandom } from '../e2e-frontends/helpers.js';
import { inferShape } from '../../src/ir/shape-rules.js';
import { constF, node } from './fixtures.js';

before(async () => {
  await tf.setBackend('cpu');
});

let seed = 100;
function rand(shape: number[], lo = -1.5, hi = 1.5): Tensor {
  return { shape, data: pseudoRandom(shape.reduce((a, d) => a * d, 1), seed++, lo, hi) };
}
function ints(values: number[]): Tensor {
  return { shape: [values.length], data: Float64Array.from(values) };
}
function tfOf(t: Tensor): tf.Tensor {
  return tf.tensor(Float32Array.from(t.data), [...t.shape]);
}
/** Runs the kernel, and checks the op's shape rule (operands as constants) predicts the result's shape. */
function run(op: Op, ins: Tensor[], attrs: Attrs = {}): Tensor {
  const n = node('n', op, ins.map((_, i) => `i${i}`), attrs);
  const out = evalNode(n, ins);
  const operands = ins.map((t, i) => constF(`i${i}`, [...t.shape], Array.from(t.data)));
  assert.deepEqual(inferShape(n, operands), out.shape, `${op}: shape rule vs kernel`);
  return out;
}
function close(got: Tensor, want: tf.Tensor, what: string, tol = 1e-4): void {
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  const w = want.dataSync();
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(got.data[i] - w[i]) <= tol, `${what}: element ${i}: ${got.data[i]} vs ${w[i]}`);
}

test('Conv2D: SAME/VALID, strides, dilations, both attribute spellings', () => {
  for (const [pad, s, d, h, w] of [['SAME', 1, 1, 7, 6], ['VALID', 1, 1, 7, 6], ['SAME', 2, 1, 8, 7], ['VALID', 3, 1, 9, 9], ['SAME', 1, 2, 7, 7], ['VALID', 1, 2, 8, 6]] as const) {
    const x = rand([2, h, w, 3]);
    const f = rand([3, 2, 3, 4]);
    const want = tf.conv2d(tfOf(x) as tf.Tensor4D, tfOf(f) as tf.Tensor4D, s, pad.toLowerCase() as 'same' | 'valid', 'NHWC', d);
    close(run('Conv2D', [x, f], { strides: [s, s], padding: pad, dilations: [d, d] }), want, `conv ${pad} s${s} d${d}`);
    close(run('Conv2D', [x, f], { strides: [1, s, s, 1], padding: pad, dilations: [1, d, d, 1] }), want, `conv 4-vector ${pad}`);
  }
  // Output channels in blocks of 8 plus a remainder, on ReLU-like inputs (zeros are skipped).
  for (const [pad, s, d, m] of [['SAME', 2, 1, 11], ['VALID', 1, 2, 16], ['SAME', 1, 2, 19]] as const) {
    const x = rand([2, 8, 7, 5], -1, 1.5);
    for (let i = 0; i < x.data.length; i++) if (x.data[i] < 0) x.data[i] = 0;
    const f = rand([3, 2, 5, m]);
    const want = tf.conv2d(tfOf(x) as tf.Tensor4D, tfOf(f) as tf.Tensor4D, s, pad.toLowerCase() as 'same' | 'valid', 'NHWC', d);
    close(run('Conv2D', [x, f], { strides: [s, s], padding: pad, dilations: [d, d] }), want, `conv ${m} channels ${pad} s${s} d${d}`);
  }
});

test('DepthwiseConv2D: channel multiplier, SAME/VALID, strides', () => {
  for (const [pad, s] of [['SAME', 1], ['VALID', 2], ['SAME', 2]] as const) {
    const x = rand([2, 7, 6, 3]);
    const f = rand([3, 3, 3, 2]);
    const want = tf.depthwiseConv2d(tfOf(x) as tf.Tensor4D, tfOf(f) as tf.Tensor4D, s, pad.toLowerCase() as 'same' | 'valid');
    close(run('DepthwiseConv2D', [x, f], { strides: [s, s], padding: pad }), want, `depthwise ${pad} s${s}`);
  }
});

test('MaxPool and AvgPool (padding excluded from the average)', () => {
  for (const [pad, k, s] of [['SAME', 2, 2], ['VALID', 2, 2], ['SAME', 3, 2], ['VALID', 3, 1], ['SAME', 2, 1]] as const) {
    const x = rand([2, 7, 5, 3]);
    const p = pad.toLowerCase() as 'same' | 'valid';
    const attrs = { ksize: [k, k], strides: [s, s], padding: pad };
    close(run('MaxPool', [x], attrs), tf.maxPool(tfOf(x) as tf.Tensor4D, k, s, p), `maxpool ${pad} k${k} s${s}`);
    close(run('AvgPool', [x], attrs), tf.avgPool(tfOf(x) as tf.Tensor4D, k, s, p), `avgpool ${pad} k${k} s${s}`);
  }
});

test('MatMul with every transpose combination; BiasAdd; broadcasting binary ops', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    const a = rand(ta ? [5, 3] : [3, 5]);
    const b = rand(tb ? [4, 5] : [5, 4]);
    close(run('MatMul', [a, b], { transpose_a: ta, transpose_b: tb }), tf.matMul(tfOf(a) as tf.Tensor2D, tfOf(b) as tf.Tensor2D, ta, tb), `matmul ${ta} ${tb}`);
  }
  const x = rand([2, 3, 4]);
  const bias = rand([4]);
  close(run('BiasAdd', [x, bias]), tf.add(tfOf(x), tfOf(bias)), 'biasadd');
  for (const [sa, sb] of [[[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[1], [2, 3]], [[3, 1], [1, 4]]]) {
    const a = rand(sa);
    const b = rand(sb, 0.5, 2);
    close(run('Add', [a, b]), tf.add(tfOf(a), tfOf(b)), `add ${sa} ${sb}`);
    close(run('Sub', [a, b]), tf.sub(tfOf(a), tfOf(b)), `sub ${sa} ${sb}`);
    close(run('Mul', [a, b]), tf.mul(tfOf(a), tfOf(b)), `mul ${sa} ${sb}`);
    close(run('RealDiv', [a, b]), tf.div(tfOf(a), tfOf(b)), `div ${sa} ${sb}`);
    close(run('Maximum', [a, b]), tf.maximum(tfOf(a), tfOf(b)), `max ${sa} ${sb}`);
  }
});

test('activations and unary math', () => {
  const x = rand([3, 5], -8, 8);
  const pos = rand([3, 5], 0.1, 4);
  close(run('Relu', [x]), tf.relu(tfOf(x)), 'relu');
  close(run('Relu6', [x]), tf.relu6(tfOf(x)), 'relu6');
  close(run('Sigmoid', [x]), tf.sigmoid(tfOf(x)), 'sigmoid');
  close(run('Tanh', [x]), tf.tanh(tfOf(x)), 'tanh');
  close(run('Softmax', [x]), tf.softmax(tfOf(x)), 'softmax');
  close(run('Rsqrt', [pos]), tf.rsqrt(tfOf(pos)), 'rsqrt');
  close(run('Exp', [x]), tf.exp(tfOf(x)), 'exp', 1e-4 * 3000);
  close(run('Log', [pos]), tf.log(tfOf(pos)), 'log');
  close(run('Floor', [x]), tf.floor(tfOf(x)), 'floor');
});

test('reductions: Mean, Sum, Prod with keep_dims and negative axes; ArgMax', () => {
  const x = rand([2, 3, 4]);
  for (const [axes, keep] of [[[1], false], [[0, 2], true], [[-1], false], [[], false]] as const) {
    close(run('Mean', [x, ints([...axes])], { keep_dims: keep }), tf.mean(tfOf(x), [...axes], keep), `mean ${axes}`);
    close(run('Sum', [x, ints([...axes])], { keep_dims: keep }), tf.sum(tfOf(x), [...axes], keep), `sum ${axes}`);
    close(run('Prod', [x, ints([...axes])], { keep_dims: keep }), tf.prod(tfOf(x), [...axes], keep), `prod ${axes}`);
  }
  for (const axis of [0, 1, 2, -1]) close(run('ArgMax', [x, ints([axis])]), tf.argMax(tfOf(x), axis), `argmax ${axis}`);
});

test('shape ops: Reshape, Transpose, Concat, Pad, Pack, Squeeze, ExpandDims, Tile, Slice, GatherV2', () => {
  const x = rand([2, 3, 4]);
  close(run('Reshape', [x, ints([4, -1])]), tf.reshape(tfOf(x), [4, -1]), 'reshape');
  close(run('Transpose', [x, ints([2, 0, 1])]), tf.transpose(tfOf(x), [2, 0, 1]), 'transpose');
  const y = rand([2, 5, 4]);
  close(run('Concat', [x, y, ints([1])]), tf.concat([tfOf(x), tfOf(y)], 1), 'concat');
  close(run('Pad', [x, { shape: [3, 2], data: Float64Array.of(1, 0, 0, 2, 1, 1) }]), tf.pad(tfOf(x), [[1, 0], [0, 2], [1, 1]]), 'pad');
  close(run('Pack', [x, x, x], { axis: 1 }), tf.stack([tfOf(x), tfOf(x), tfOf(x)], 1), 'pack');
  const z = rand([2, 1, 3, 1]);
  close(run('Squeeze', [z]), tf.squeeze(tfOf(z)), 'squeeze all');
  close(run('Squeeze', [z], { squeeze_dims: [1] }), tf.squeeze(tfOf(z), [1]), 'squeeze 1');
  close(run('ExpandDims', [x, ints([-1])]), tf.expandDims(tfOf(x), -1), 'expand');
  close(run('Tile', [x, ints([2, 1, 3])]), tf.tile(tfOf(x), [2, 1, 3]), 'tile');
  close(run('Slice', [x, ints([1, 0, 1]), ints([1, -1, 2])]), tf.slice(tfOf(x), [1, 0, 1], [1, -1, 2]), 'slice');
  close(run('GatherV2', [x, ints([2, 0, 2]), ints([1])]), tf.gather(tfOf(x), tf.tensor1d([2, 0, 2], 'int32'), 1), 'gather');
});

test('StridedSlice with begin/end/shrink/new-axis/ellipsis masks and negative strides', () => {
  const x = rand([4, 5, 6]);
  const cases: [number[], number[], number[], Record<string, number>][] = [
    [[1, 0, 2], [3, 5, 6], [1, 2, 2], {}],
    [[0, 0, 0], [0, 0, 0], [1, 1, 1], { begin_mask: 7, end_mask: 7 }],
    [[1, 0, 0], [2, 0, 0], [1, 1, 1], { shrink_axis_mask: 1, begin_mask: 6, end_mask: 6 }],
    [[-1, 4, 0], [0, 0, 6], [-1, -2, 3], { end_mask: 2 }],
    [[0, 2], [0, 4], [1, 1], { ellipsis_mask: 1 }],
    [[0, 0, 1], [0, 0, 3], [1, 1, 1], { new_axis_mask: 2, begin_mask: 1, end_mask: 1 }],
    [[-2, -4, 5], [10, -1, -10], [1, 1, -2], {}],
  ];
  for (const [b, e, s, m] of cases) {
    const want = tf.stridedSlice(tfOf(x), b, e, s, m.begin_mask ?? 0, m.end_mask ?? 0, m.ellipsis_mask ?? 0, m.new_axis_mask ?? 0, m.shrink_axis_mask ?? 0);
    close(run('StridedSlice', [x, ints(b), ints(e), ints(s)], m), want, `strided ${JSON.stringify([b, e, s, m])}`);
  }
});

test('FusedBatchNorm equals tf.batchNorm; Shape, Fill, Range, Cast', () => {
  const x = rand([2, 3, 3, 4]);
  const [scale, offset, mean] = [rand([4]), rand([4]), rand([4])];
  const variance = rand([4], 0.2, 3);
  const want = tf.batchNorm(tfOf(x), tfOf(mean), tfOf(variance), tfOf(offset), tfOf(scale), 0.001);
  close(run('FusedBatchNorm', [x, scale, offset, mean, variance], { epsilon: 0.001 }), want, 'batchnorm');
  assert.deepEqual([...run('Shape', [x]).data], [2, 3, 3, 4]);
  assert.deepEqual([...run('Fill', [ints([2, 2]), { shape: [], data: Float64Array.of(7) }]).data], [7, 7, 7, 7]);
  assert.deepEqual([...run('Range', [ints([1]), ints([10]), ints([3])]).data], [1, 4, 7]);
  const c = evalNode(node('c', 'Cast', ['a'], {}, undefined, 'int32'), [{ shape: [3], data: Float64Array.of(-1.7, 0.2, 2.9) }]);
  assert.deepEqual([...c.data], [-1, 0, 2]);
});
