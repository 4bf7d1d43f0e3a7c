/**
 * Config flavours the normaliser (keras-model.ts) must read: Keras <= 2.2 Sequential as a
 * bare layer list, a tfjs `model_config` wrapper, Keras 3 Sequential with only
 * `build_input_shape`, a shared layer called twice and a two-input Functional model (checked
 * numerically against tfjs-layers), and a tf.keras BatchNormalization with `axis: [3]`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { kerasFileToTfjsArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import type { StoredWeight } from '../../compiler/frontend/keras-weights.js';
import { memoryFile, uniform } from './fixtures.js';
import { runIr } from './ir-forward.js';
import { loadReference } from './tfjs-reference.js';

function weight(name: string, shape: number[], seed: number, positive = false): StoredWeight {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, data: { dtype: 'float32', shape, values: uniform(n, seed, positive ? 0.5 : -1, positive ? 1.5 : 1) } };
}

const denseLayer = (name: string, units: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  class_name: 'Dense',
  config: { name, units, activation: 'relu', use_bias: true, ...extra },
});

test('Keras <= 2.2 Sequential (config is the bare layer list) and a tfjs model_config wrapper', () => {
  const weights = new Map([['d', [weight('kernel', [3, 2], 1), weight('bias', [2], 2)]]]);
  const legacy = { class_name: 'Sequential', config: [denseLayer('d', 2, { batch_input_shape: [null, 3] })] };
  const g1 = kerasFileToIr(memoryFile(legacy, weights));
  assert.deepEqual(g1.nodes.filter((n) => n.op !== 'Const').map((n) => n.id), ['d_input', 'd/MatMul', 'd/BiasAdd', 'd/Relu']);
  const wrapped = { model_config: legacy, keras_version: '2.2.4', backend: 'tensorflow' };
  assert.deepEqual(kerasFileToIr(memoryFile(wrapped, weights)).nodes, g1.nodes);
});

test('Keras 3 Sequential without an InputLayer takes its input shape from build_input_shape', () => {
  const weights = new Map([['d', [weight('kernel', [5, 4], 3), weight('bias', [4], 4)]]]);
  const cfg = { module: 'keras', class_name: 'Sequential', config: { name: 's', layers: [{ module: 'keras.layers', ...denseLayer('d', 4) }], build_input_shape: [null, 5] } };
  const g = kerasFileToIr(memoryFile(cfg, weights));
  assert.deepEqual(g.nodes[0].shape, [-1, 5]);
});

test('a shared Dense called on two inputs, then Concatenate: IR matches tfjs-layers', async () => {
  const ref = (layer: string, node = 0): unknown[] => [layer, node, 0, {}];
  const config = {
    class_name: 'Functional',
    config: {
      name: 'two_inputs',
      layers: [
        { class_name: 'InputLayer', name: 'a', config: { name: 'a', batch_input_shape: [null, 4], dtype: 'float32' }, inbound_nodes: [] },
        { class_name: 'InputLayer', name: 'b', config: { name: 'b', batch_input_shape: [null, 4], dtype: 'float32' }, inbound_nodes: [] },
        { class_name: 'Dense', name: 'shared', config: { name: 'shared', units: 3, activation: 'tanh', use_bias: true }, inbound_nodes: [[ref('a')], [ref('b')]] },
        { class_name: 'Concatenate', name: 'cat', config: { name: 'cat', axis: 1 }, inbound_nodes: [[ref('shared', 0), ref('shared', 1)]] },
        { class_name: 'Dense', name: 'out', config: { name: 'out', units: 2, activation: 'linear', use_bias: true }, inbound_nodes: [[ref('cat')]] },
      ],
      input_layers: [['a', 0, 0], ['b', 0, 0]],
      output_layers: [['out', 0, 0]],
    },
  };
  const weights = new Map([
    ['shared', [weight('kernel', [4, 3], 5), weight('bias', [3], 6)]],
    ['out', [weight('kernel', [6, 2], 7), weight('bias', [2], 8)]],
  ]);
  const file = memoryFile(config, weights);
  const g = kerasFileToIr(file);
  assert.deepEqual(g.inputs, ['a', 'b']);
  assert.ok(g.nodes.some((n) => n.id === 'shared_call1/MatMul'), 'the second call gets its own nodes');
  const n = 8;
  const xa = uniform(n * 4, 11);
  const xb = uniform(n * 4, 12);
  const [y] = runIr(g, { a: { shape: [n, 4], data: xa }, b: { shape: [n, 4], data: xb } });
  // tfjs predict on a two-input model: run it directly with both tensors.
  const model = await loadReference(kerasFileToTfjsArtifacts(file));
  const refv = tf.tidy(() => (model.predict([tf.tensor(Float32Array.from(xa), [n, 4]), tf.tensor(Float32Array.from(xb), [n, 4])]) as tf.Tensor).dataSync());
  let worst = 0;
  for (let i = 0; i < refv.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - refv[i]));
  assert.ok(worst < 1e-5, `max |ir - tfjs| = ${worst}`); // two small layers in float32: ~1e-7
});

test('tf.keras BatchNormalization with axis [3] on NHWC becomes FusedBatchNorm', () => {
  const cfg = {
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [
        { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 2, 2, 3] } },
        { class_name: 'BatchNormalization', config: { name: 'bn', axis: [3], epsilon: 1e-5, center: true, scale: false } },
      ],
    },
  };
  const weights = new Map([['bn', [weight('beta', [3], 1), weight('moving_mean', [3], 2), weight('moving_variance', [3], 3, true)]]]);
  const g = kerasFileToIr(memoryFile(cfg, weights));
  const bn = g.nodes.find((n) => n.op === 'FusedBatchNorm');
  assert.equal(bn?.attrs.epsilon, 1e-5);
  const gamma = g.nodes.find((n) => n.id === bn?.inputs[1])?.attrs.value;
  assert.deepEqual(gamma !== undefined && typeof gamma === 'object' && 'values' in gamma ? Array.from(gamma.values as Float64Array) : [], [1, 1, 1], 'scale=false: gamma is ones');
});
