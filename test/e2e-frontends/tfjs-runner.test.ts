/**
 * The tfjs reference runner on hand-built artifacts whose answers are computed by hand:
 * a graph model (x @ w + b, fed at the input or at an interior node) and a layers model
 * (Dense with ReLU). Tolerance 1e-6: tfjs computes in float32 on values of size ~10.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLayersArtifacts, runTfjsGraph, runTfjsLayers, type TfjsArtifacts } from '../../runtime/plaintext/tfjs-runner.js';

const W = [1, 2, -1, 0.5, 3, -2]; // [3, 2]
const B = [0.25, -1];

function weights(...arrays: number[][]): ArrayBuffer {
  return Float32Array.from(arrays.flat()).buffer;
}

const f32 = { type: 'DT_FLOAT' };
const graphArtifacts = {
  format: 'graph-model',
  modelTopology: {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } } },
      { name: 'w', op: 'Const', attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '3' }, { size: '2' }] } } } } },
      { name: 'b', op: 'Const', attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }] } } } } },
      { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { T: f32, transpose_a: { b: false }, transpose_b: { b: false } } },
      { name: 'y', op: 'BiasAdd', input: ['mm', 'b'], attr: { T: f32 } },
    ],
    versions: { producer: 1 },
  },
  weightSpecs: [{ name: 'w', shape: [3, 2], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'float32' }],
  weightData: weights(W, B),
} as unknown as TfjsArtifacts;

test('graph artifacts: x @ w + b, and fed at an interior node', async () => {
  assert.equal(isLayersArtifacts(graphArtifacts), false);
  const x = { shape: [2, 3], data: Float64Array.of(1, 2, 3, -1, 0, 4) };
  const [y] = await runTfjsGraph(graphArtifacts, { x }, ['y']);
  const want = [1 * 1 + 2 * -1 + 3 * 3 + 0.25, 1 * 2 + 2 * 0.5 + 3 * -2 - 1, -1 * 1 + 4 * 3 + 0.25, -1 * 2 + 4 * -2 - 1];
  assert.deepEqual([...y.shape], [2, 2]);
  want.forEach((v, i) => assert.ok(Math.abs(y.data[i] - v) < 1e-6, `${i}: ${y.data[i]} vs ${v}`));
  const [z] = await runTfjsGraph(graphArtifacts, { mm: { shape: [1, 2], data: Float64Array.of(10, 20) } }, ['y']);
  assert.deepEqual([...z.data], [10.25, 19]);
});

test('layers artifacts: Dense(2, relu)', async () => {
  const layers = {
    format: 'layers-model',
    modelTopology: {
      class_name: 'Sequential',
      config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2, activation: 'relu', use_bias: true, batch_input_shape: [null, 3], dtype: 'float32' } }] },
      keras_version: '2.9.0',
      backend: 'tensorflow',
    },
    weightSpecs: [{ name: 'd/kernel', shape: [3, 2], dtype: 'float32' }, { name: 'd/bias', shape: [2], dtype: 'float32' }],
    weightData: weights(W, B),
  } as unknown as TfjsArtifacts;
  assert.equal(isLayersArtifacts(layers), true);
  const [y] = await runTfjsLayers(layers, [{ shape: [1, 3], data: Float64Array.of(1, 2, 3) }]);
  assert.deepEqual([...y.data], [8.25, 0]);
});
