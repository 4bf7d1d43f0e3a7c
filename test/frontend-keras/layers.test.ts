/**
 * Every supported Keras layer, in one synthetic Functional model written in both the Keras 2
 * and the Keras 3 config flavour: the IR (float64 forward pass) against tfjs-layers running
 * the same config and weights (through keras-artifacts), i.e. against tfjs' own layer
 * implementations. Also checks the ops each layer lowers to.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { kerasFileToTfjsArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import type { IrGraph } from '../../src/ir/node.js';
import { verifyGraph } from '../../src/ir/verify.js';
import { shapeInferencePass } from '../../compiler/passes/shape-inference.js';
import { DEFAULT_PASS_OPTIONS } from '../../compiler/passes/pass.js';
import { keras2Config, keras3Config, makeWeights, memoryFile, uniform, type ModelSpec } from './fixtures.js';
import { runIr } from './ir-forward.js';
import { loadReference, predictAll } from './tfjs-reference.js';

/** [N,8,8,3] -> ... -> [N,3]; shapes in the comments. */
const ALL_LAYERS: ModelSpec = {
  name: 'all_layers',
  input: { name: 'image', batchShape: [null, 8, 8, 3] },
  outputs: ['probs', 'cat', 'gap', 'bn2', 'r', 'd4', 'dil'],
  layers: [
    { name: 'scale', className: 'Rescaling', config: { scale: 2, offset: -0.5 }, inbound: ['image'] },
    { name: 'pad', className: 'ZeroPadding2D', config: { padding: [[1, 1], [2, 0]], data_format: 'channels_last' }, inbound: ['scale'] }, // [10,10,3]
    { name: 'dil', className: 'Conv2D', config: { filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', data_format: 'channels_last', dilation_rate: [2, 2], groups: 1, activation: 'linear', use_bias: true }, inbound: ['pad'], weights: [{ name: 'kernel', shape: [3, 3, 3, 2] }, { name: 'bias', shape: [2] }] }, // dilated, SAME: [10,10,2]
    { name: 'c1', className: 'Conv2D', config: { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'same', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'relu', use_bias: false }, inbound: ['pad'], weights: [{ name: 'kernel', shape: [3, 3, 3, 4] }] }, // [5,5,4]
    { name: 'dw', className: 'DepthwiseConv2D', config: { kernel_size: [3, 3], strides: [1, 1], padding: 'valid', depth_multiplier: 2, data_format: 'channels_last', dilation_rate: [1, 1], activation: 'relu6', use_bias: true }, inbound: ['c1'], weights: [{ name: 'depthwise_kernel', shape: [3, 3, 4, 2] }, { name: 'bias', shape: [8] }] }, // [3,3,8]
    { name: 'bn', className: 'BatchNormalization', config: { axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true }, inbound: ['dw'], weights: [{ name: 'gamma', shape: [8] }, { name: 'beta', shape: [8] }, { name: 'moving_mean', shape: [8] }, { name: 'moving_variance', shape: [8], positive: true }] },
    { name: 'pw', className: 'Conv2D', config: { filters: 8, kernel_size: [1, 1], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], groups: 1, activation: 'linear', use_bias: true }, inbound: ['dw'], weights: [{ name: 'kernel', shape: [1, 1, 8, 8] }, { name: 'bias', shape: [8] }] },
    { name: 'sum', className: 'Add', config: {}, inbound: ['bn', 'pw'] },
    { name: 'cat', className: 'Concatenate', config: { axis: -1 }, inbound: ['sum', 'dw'] }, // [3,3,16]
    { name: 'ap', className: 'AveragePooling2D', config: { pool_size: [2, 2], strides: [1, 1], padding: 'same', data_format: 'channels_last' }, inbound: ['cat'] }, // [3,3,16]
    { name: 'd4', className: 'Dense', config: { units: 5, activation: 'relu', use_bias: true }, inbound: ['ap'], weights: [{ name: 'kernel', shape: [16, 5] }, { name: 'bias', shape: [5] }] }, // Dense on rank 4: [3,3,5]
    { name: 'mp', className: 'MaxPooling2D', config: { pool_size: [2, 2], strides: [2, 2], padding: 'same', data_format: 'channels_last' }, inbound: ['ap'] }, // [2,2,16]
    { name: 'gap', className: 'GlobalAveragePooling2D', config: { data_format: 'channels_last', keepdims: false }, inbound: ['mp'] }, // [16]
    { name: 'd1', className: 'Dense', config: { units: 6, activation: 'tanh', use_bias: true }, inbound: ['gap'], weights: [{ name: 'kernel', shape: [16, 6] }, { name: 'bias', shape: [6] }] },
    { name: 'bn2', className: 'BatchNormalization', config: { axis: -1, momentum: 0.99, epsilon: 0.01, center: false, scale: true }, inbound: ['d1'], weights: [{ name: 'gamma', shape: [6] }, { name: 'moving_mean', shape: [6] }, { name: 'moving_variance', shape: [6], positive: true }] },
    { name: 'rs', className: 'Reshape', config: { target_shape: [2, 3] }, inbound: ['bn2'] }, // [2,3] (tfjs-layers cannot build a -1 here)
    { name: 'sm', className: 'Softmax', config: { axis: -1 }, inbound: ['rs'] },
    { name: 'd3', className: 'Dense', config: { units: 4, activation: 'linear', use_bias: false }, inbound: ['sm'], weights: [{ name: 'kernel', shape: [3, 4] }] }, // [2,4]
    { name: 'fl', className: 'Flatten', config: { data_format: 'channels_last' }, inbound: ['d3'] }, // [8]
    { name: 'act', className: 'Activation', config: { activation: 'sigmoid' }, inbound: ['fl'] },
    { name: 'r6', className: 'ReLU', config: { max_value: 6, negative_slope: 0, threshold: 0 }, inbound: ['act'] },
    { name: 'r', className: 'ReLU', config: { max_value: null, negative_slope: 0, threshold: 0 }, inbound: ['r6'] },
    { name: 'drop', className: 'Dropout', config: { rate: 0.5, noise_shape: null, seed: null }, inbound: ['r'] },
    { name: 'probs', className: 'Dense', config: { units: 3, activation: 'linear', use_bias: true }, inbound: ['drop'], weights: [{ name: 'kernel', shape: [8, 3] }, { name: 'bias', shape: [3] }] },
  ],
};

function nonConstOps(g: IrGraph): string[] {
  return g.nodes.filter((n) => n.op !== 'Const').map((n) => `${n.id}:${n.op}`);
}

async function compareWithTfjs(config: unknown, label: string): Promise<IrGraph> {
  const weights = makeWeights(ALL_LAYERS);
  const file = memoryFile(config, weights);
  const g = kerasFileToIr(file);
  const n = 16;
  const x = uniform(n * 8 * 8 * 3, 42, 0, 1);
  verifyGraph(g, 'loaded');
  // Shape inference (another module) must agree with the shapes our evaluator produces.
  const shaped = shapeInferencePass.run(g, DEFAULT_PASS_OPTIONS);
  verifyGraph(shaped, 'shaped');
  const ys = runIr(g, { [g.inputs[0]]: { shape: [n, 8, 8, 3], data: x } });
  const inferred = shaped.outputs.map((id) => shaped.nodes.find((m) => m.id === id)?.shape?.map((d) => (d === -1 ? n : d)));
  assert.deepEqual(inferred, ys.map((y) => y.shape), `${label}: inferred output shapes`);
  const refs = predictAll(await loadReference(kerasFileToTfjsArtifacts(file)), Float32Array.from(x), [n, 8, 8, 3]);
  assert.deepEqual(ys.map((y) => y.shape), [[n, 3], [n, 3, 3, 16], [n, 16], [n, 6], [n, 8], [n, 3, 3, 5], [n, 10, 10, 2]], label);
  refs.forEach((ref, k) => {
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ys[k].data[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
    // Values of size ~1; float32 rounding through at most ~20 layers stays far below 1e-4.
    assert.ok(worst < 1e-4, `${label}: output ${ALL_LAYERS.outputs[k]}: max relative |ir - tfjs| = ${worst}`);
    assert.ok(Math.max(...Array.from(ref)) - Math.min(...Array.from(ref)) > 0.01, `${label}: output ${ALL_LAYERS.outputs[k]} must vary`);
  });
  return g;
}

test('all supported layers, Keras 2 config: IR matches tfjs-layers within 1e-4', async () => {
  const g = await compareWithTfjs(keras2Config(ALL_LAYERS), 'keras2');
  assert.deepEqual(nonConstOps(g), [
    'image:Placeholder',
    'scale/mul:Mul', 'scale/add:Add',
    'pad/Pad:Pad',
    'dil/Conv2D:Conv2D', 'dil/BiasAdd:BiasAdd',
    'c1/Conv2D:Conv2D', 'c1/Relu:Relu', // use_bias false: no BiasAdd
    'dw/DepthwiseConv2D:DepthwiseConv2D', 'dw/BiasAdd:BiasAdd', 'dw/Relu6:Relu6',
    'bn/FusedBatchNorm:FusedBatchNorm',
    'pw/Conv2D:Conv2D', 'pw/BiasAdd:BiasAdd',
    'sum/Add:Add',
    'cat/concat:Concat',
    'ap/AvgPool:AvgPool',
    'd4/Conv2D:Conv2D', 'd4/BiasAdd:BiasAdd', 'd4/Relu:Relu', // Dense on rank 4: a 1x1 conv
    'mp/MaxPool:MaxPool',
    'gap/Mean:Mean',
    'd1/MatMul:MatMul', 'd1/BiasAdd:BiasAdd', 'd1/Tanh:Tanh',
    'bn2/mul:Mul', 'bn2/add:Add', // not 4-D: folded into Mul/Add constants
    'rs/Reshape:Reshape',
    'sm/Softmax:Softmax',
    'd3/ExpandDims:ExpandDims', 'd3/Conv2D:Conv2D', 'd3/Squeeze:Squeeze', // Dense on rank 3: a 1x1 conv
    'fl/Reshape:Reshape',
    'act/Sigmoid:Sigmoid',
    'r6/Relu6:Relu6',
    'r/Relu:Relu',
    'probs/MatMul:MatMul', 'probs/BiasAdd:BiasAdd', // linear: no activation op
  ]);
  const shapeOf = (id: string): number[] => {
    const v = g.nodes.find((n) => n.id === id)?.attrs.value;
    return v !== undefined && typeof v === 'object' && 'values' in v ? Array.from(v.values as Int32Array) : [];
  };
  assert.deepEqual(shapeOf('rs/Reshape/shape'), [-1, 2, 3]);
  assert.deepEqual(shapeOf('fl/Reshape/shape'), [-1, 8]);
  assert.deepEqual(shapeOf('pad/paddings'), [0, 0, 1, 1, 2, 0, 0, 0]);
  assert.deepEqual(shapeOf('cat/axis'), [3]);
  assert.equal(g.nodes.find((n) => n.id === 'bn/FusedBatchNorm')?.attrs.epsilon, 0.001);
  assert.deepEqual(g.outputs, ['probs/BiasAdd', 'cat/concat', 'gap/Mean', 'bn2/add', 'r/Relu', 'd4/Relu', 'dil/BiasAdd']);
  assert.deepEqual(g.nodes.find((n) => n.id === 'dil/Conv2D')?.attrs.dilations, [1, 2, 2, 1]);
});

test('all supported layers, Keras 3 config (keras_history args, dtype policies, flat input_layers): same IR as Keras 2', async () => {
  const g3 = await compareWithTfjs(keras3Config(ALL_LAYERS), 'keras3');
  const g2 = kerasFileToIr(memoryFile(keras2Config(ALL_LAYERS), makeWeights(ALL_LAYERS)));
  assert.deepEqual(g3.nodes, g2.nodes);
});

test('Reshape resolves a Keras -1 from the known input size (TF allows only the batch -1)', () => {
  const spec: ModelSpec = {
    ...ALL_LAYERS,
    layers: ALL_LAYERS.layers.map((l) => (l.name === 'rs' ? { ...l, config: { target_shape: [-1, 3] } } : l)),
  };
  const g = kerasFileToIr(memoryFile(keras2Config(spec), makeWeights(spec)));
  const v = g.nodes.find((n) => n.id === 'rs/Reshape/shape')?.attrs.value;
  assert.deepEqual(v !== undefined && typeof v === 'object' && 'values' in v ? Array.from(v.values as Int32Array) : [], [-1, 2, 3]);
});
