/**
 * The shared Keras-family models load through their frontends, and the IR is structurally
 * right: ops in order, Placeholder shape, weight shapes (from each PROVENANCE.md), graph
 * invariants (unique ids, topological order, every node typed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IrGraph, TensorData } from '../../src/ir/node.js';
import { loadKerasH5 } from '../../compiler/frontend/keras-h5.js';
import { loadKeras3 } from '../../compiler/frontend/keras3.js';
import { loadTfjsLayersModel } from '../../compiler/frontend/tfjs-layers.js';
import { detectKerasFormat, readKerasModelFile } from '../../compiler/frontend/keras-detect.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { shapeInferencePass } from '../../compiler/passes/shape-inference.js';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { sharedModel } from '../support/paths.js';

/** Our own checks, then the shared verifier (src/ir/verify.ts) and, after shape inference, its 'shaped' stage. */
function checkInvariants(g: IrGraph): void {
  verifyGraph(g, 'loaded');
  verifyGraph(shapeInferencePass.run(g, DEFAULT_PASS_OPTIONS), 'shaped');
  const seen = new Set<string>();
  for (const n of g.nodes) {
    assert.ok(!seen.has(n.id), `duplicate id ${n.id}`);
    for (const i of n.inputs) assert.ok(seen.has(i), `${n.id} uses ${i} before it is defined`);
    assert.ok(n.dtype.length > 0, `${n.id} has no dtype`);
    seen.add(n.id);
  }
  for (const id of [...g.inputs, ...g.outputs]) assert.ok(seen.has(id), `graph input/output ${id} is not a node`);
  for (const id of g.inputs) assert.equal(g.nodes.find((n) => n.id === id)?.op, 'Placeholder');
}

const ops = (g: IrGraph): string[] => g.nodes.filter((n) => n.op !== 'Const').map((n) => n.op);
const weightShapes = (g: IrGraph): Record<string, readonly number[] | undefined> =>
  Object.fromEntries(g.nodes.filter((n) => n.op === 'Const' && /\/(kernel|bias)$/.test(n.id)).map((n) => [n.id, n.shape]));
const params = (g: IrGraph): number =>
  g.nodes.filter((n) => n.op === 'Const' && /\/(kernel|bias)$/.test(n.id)).reduce((a, n) => a + (n.shape ?? []).reduce((p, d) => p * d, 1), 0);

const moonflowerOps = ['Placeholder', 'Conv2D', 'BiasAdd', 'Relu', 'MaxPool', 'Conv2D', 'BiasAdd', 'Relu', 'MaxPool', 'Reshape', 'MatMul', 'BiasAdd', 'Softmax'];
const moonflowerWeights = {
  'conv2d/kernel': [3, 3, 1, 32], 'conv2d/bias': [32],
  'conv2d_1/kernel': [3, 3, 32, 64], 'conv2d_1/bias': [64],
  'dense/kernel': [1600, 10], 'dense/bias': [10],
};

test('moonflower .h5 (Keras 3.1 legacy h5): conv net IR, 34,826 params, Dropout dropped', async () => {
  const g = await loadKerasH5(sharedModel('moonflower_mnist_convnet_h5', 'mnist_model.h5'));
  checkInvariants(g);
  assert.deepEqual(ops(g), moonflowerOps);
  assert.deepEqual(weightShapes(g), moonflowerWeights);
  assert.equal(params(g), 34826);
  assert.deepEqual(g.inputs, ['input_layer']);
  assert.deepEqual(g.nodes[0].shape, [-1, 28, 28, 1]);
  assert.deepEqual(g.nodes[0].attrs.shape, [-1, 28, 28, 1]);
  assert.deepEqual(g.outputs, ['dense/Softmax']);
  assert.deepEqual(g.source, { format: 'keras-h5', path: sharedModel('moonflower_mnist_convnet_h5', 'mnist_model.h5') });
  const flat = g.nodes.find((n) => n.id === 'flatten/Reshape/shape')?.attrs.value as TensorData | undefined;
  assert.deepEqual([flat?.dtype, Array.from(flat?.values as Int32Array)], ['int32', [-1, 1600]]);
  const conv = g.nodes.find((n) => n.id === 'conv2d/Conv2D');
  assert.deepEqual(conv?.attrs, { strides: [1, 1, 1, 1], padding: 'VALID', dilations: [1, 1, 1, 1], data_format: 'NHWC' });
  const pool = g.nodes.find((n) => n.id === 'max_pooling2d/MaxPool');
  assert.deepEqual([pool?.attrs.ksize, pool?.attrs.strides, pool?.attrs.padding], [[1, 2, 2, 1], [1, 2, 2, 1], 'VALID']);
});

test('moonflower .keras (Keras 3 zip): same architecture, weights found under layers/<class>/vars', async () => {
  const g = await loadKeras3(sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras'));
  checkInvariants(g);
  assert.deepEqual(ops(g), moonflowerOps);
  assert.deepEqual(weightShapes(g), moonflowerWeights);
  assert.equal(g.source.format, 'keras3');
});

test('short-dnn .h5 (tf.keras 2.9): SAME/VALID strided convs, stride-1 average pools, 26,010 params', async () => {
  const g = await loadKerasH5(sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'));
  checkInvariants(g);
  assert.deepEqual(ops(g), ['Placeholder', 'Conv2D', 'BiasAdd', 'Relu', 'AvgPool', 'Conv2D', 'BiasAdd', 'Relu', 'AvgPool', 'Reshape', 'MatMul', 'BiasAdd', 'Relu', 'MatMul', 'BiasAdd', 'Softmax']);
  assert.deepEqual(weightShapes(g), {
    'conv2d/kernel': [8, 8, 1, 16], 'conv2d/bias': [16],
    'conv2d_1/kernel': [4, 4, 16, 32], 'conv2d_1/bias': [32],
    'dense/kernel': [512, 32], 'dense/bias': [32],
    'dense_1/kernel': [32, 10], 'dense_1/bias': [10],
  });
  assert.equal(params(g), 26010);
  assert.deepEqual(g.inputs, ['conv2d_input']);
  const c0 = g.nodes.find((n) => n.id === 'conv2d/Conv2D');
  const c1 = g.nodes.find((n) => n.id === 'conv2d_1/Conv2D');
  assert.deepEqual([c0?.attrs.strides, c0?.attrs.padding], [[1, 2, 2, 1], 'SAME']);
  assert.deepEqual([c1?.attrs.strides, c1?.attrs.padding], [[1, 2, 2, 1], 'VALID']);
  const p0 = g.nodes.find((n) => n.id === 'average_pooling2d/AvgPool');
  assert.deepEqual([p0?.attrs.ksize, p0?.attrs.strides], [[1, 2, 2, 1], [1, 1, 1, 1]]);
});

test('abalone tfjs layers model: Dense 8->50 sigmoid ->50 sigmoid ->1 linear, Sequential without InputLayer', async () => {
  const g = await loadTfjsLayersModel(sharedModel('tfjs_examples_abalone_layers', 'model.json'));
  checkInvariants(g);
  assert.deepEqual(ops(g), ['Placeholder', 'MatMul', 'BiasAdd', 'Sigmoid', 'MatMul', 'BiasAdd', 'Sigmoid', 'MatMul', 'BiasAdd']);
  assert.deepEqual(weightShapes(g), {
    'dense_Dense1/kernel': [8, 50], 'dense_Dense1/bias': [50],
    'dense_Dense2/kernel': [50, 50], 'dense_Dense2/bias': [50],
    'dense_Dense3/kernel': [50, 1], 'dense_Dense3/bias': [1],
  });
  assert.deepEqual(g.inputs, ['dense_Dense1_input']);
  assert.deepEqual(g.nodes[0].shape, [-1, 8]);
  assert.deepEqual(g.outputs, ['dense_Dense3/BiasAdd']);
});

test('the format is detected from the file content, and keras_version is read', async () => {
  assert.equal(detectKerasFormat(sharedModel('moonflower_mnist_convnet_h5', 'mnist_model.h5')), 'keras-h5');
  assert.equal(detectKerasFormat(sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras')), 'keras3');
  assert.equal(detectKerasFormat(sharedModel('tfjs_examples_abalone_layers', 'model.json')), 'tfjs-layers');
  assert.equal(detectKerasFormat(sharedModel('tfe_2lfc', '2lfc.pb')), undefined);
  assert.equal((await readKerasModelFile(sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'))).kerasVersion, '2.9.0');
  assert.equal((await readKerasModelFile(sharedModel('moonflower_mnist_convnet_h5', 'mnist_model.h5'))).kerasVersion, '3.1.1');
  assert.equal((await readKerasModelFile(sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras'))).kerasVersion, '3.1.1');
  assert.equal((await readKerasModelFile(sharedModel('tfjs_examples_abalone_layers', 'model.json'))).kerasVersion, 'tfjs-layers 1.3.2');
});
