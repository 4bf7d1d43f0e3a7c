/**
 * Keras 3 .keras weight paths: `layers/<snake_case(class)>[_k]` in layer order, not the
 * config layer names. Real .keras files are written with jszip + h5wasm, with layer names
 * chosen to collide with the class-derived paths, and loaded back.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { keras3WeightPaths, kerasSnakeCase, loadKeras3, readKeras3 } from '../../compiler/frontend/keras3.js';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import type { IrGraph, TensorData } from '../../src/ir/node.js';
import { keras3Config, makeWeights, tempDir, writeKeras3Zip, type ModelSpec } from './fixtures.js';

const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

test('kerasSnakeCase follows Keras naming.to_snake_case', () => {
  assert.equal(kerasSnakeCase('Conv2D'), 'conv2d');
  assert.equal(kerasSnakeCase('MaxPooling2D'), 'max_pooling2d');
  assert.equal(kerasSnakeCase('BatchNormalization'), 'batch_normalization');
  assert.equal(kerasSnakeCase('DepthwiseConv2D'), 'depthwise_conv2d');
  assert.equal(kerasSnakeCase('ReLU'), 're_lu');
  assert.equal(kerasSnakeCase('InputLayer'), 'input_layer');
  assert.equal(kerasSnakeCase('Dense'), 'dense');
});

test('keras3WeightPaths de-duplicates per class in layer order', () => {
  const paths = keras3WeightPaths([
    { name: 'in', className: 'InputLayer' },
    { name: 'conv2d_1', className: 'Conv2D' },
    { name: 'x', className: 'Dense' },
    { name: 'conv2d', className: 'Conv2D' },
    { name: 'y', className: 'Conv2D' },
  ]);
  assert.deepEqual([...paths.values()], ['layers/input_layer', 'layers/conv2d', 'layers/dense', 'layers/conv2d_1', 'layers/conv2d_2']);
});

/** Two convs whose config names are the other one's Keras 3 weight path. */
const SWAPPED: ModelSpec = {
  name: 'swapped',
  input: { name: 'input_layer', batchShape: [null, 6, 6, 1] },
  outputs: ['dense'],
  layers: [
    { name: 'conv2d_1', className: 'Conv2D', config: { filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true }, inbound: ['input_layer'], weights: [{ name: 'kernel', shape: [3, 3, 1, 4] }, { name: 'bias', shape: [4] }] },
    { name: 'conv2d', className: 'Conv2D', config: { filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', use_bias: true }, inbound: ['conv2d_1'], weights: [{ name: 'kernel', shape: [3, 3, 4, 2] }, { name: 'bias', shape: [2] }] },
    { name: 'flatten', className: 'Flatten', config: {}, inbound: ['conv2d'] },
    { name: 'dense', className: 'Dense', config: { units: 3, activation: 'softmax', use_bias: true }, inbound: ['flatten'], weights: [{ name: 'kernel', shape: [8, 3] }, { name: 'bias', shape: [3] }] },
  ],
};

function constValues(g: IrGraph, id: string): number[] {
  const v = g.nodes.find((n) => n.id === id)?.attrs.value as TensorData | undefined;
  return v === undefined ? [] : Array.from(v.values as Float64Array);
}

test('a .keras whose layer names collide with the class-derived paths loads each layer its own weights', async () => {
  const path = join(dir, 'swapped.keras');
  const weights = makeWeights(SWAPPED);
  const config = keras3Config(SWAPPED);
  await writeKeras3Zip(path, config, weights, keras3WeightPaths([{ name: 'input_layer', className: 'InputLayer' }, ...SWAPPED.layers]));
  const g = await loadKeras3(path);
  for (const [layer, ws] of weights) {
    for (const w of ws) assert.deepEqual(constValues(g, `${layer}/${w.name}`), Array.from(w.data.values as Float64Array), `${layer}/${w.name}`);
  }
  assert.deepEqual(g.nodes.find((n) => n.id === 'conv2d_1/kernel')?.shape, [3, 3, 1, 4]);
  assert.equal((await readKeras3(path)).kerasVersion, '3.1.1');
});

test('a .keras whose weights are stored under the config layer names is still read (shape-checked fallback)', async () => {
  const path = join(dir, 'by-name.keras');
  const weights = makeWeights(SWAPPED);
  await writeKeras3Zip(path, keras3Config(SWAPPED), weights, new Map(SWAPPED.layers.map((l) => [l.name, `layers/${l.name}`])));
  const file = await readKeras3(path);
  const g = kerasFileToIr(file);
  for (const [layer, ws] of weights) {
    for (const w of ws) assert.deepEqual(constValues(g, `${layer}/${w.name}`), Array.from(w.data.values as Float64Array), `${layer}/${w.name}`);
  }
});
