/** moonflower_mnist_convnet_keras3 (Keras 3 .keras zip): IR forward pass vs tfjs-layers on 500 MNIST images. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readKeras3 } from '../../compiler/frontend/keras3.js';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { kerasFileToTfjsArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { sharedModel } from '../support/paths.js';
import { compareOnMnist } from './mnist-check.js';

test('moonflower .keras: IR float64 forward pass matches tfjs-layers on the first 500 MNIST images', async () => {
  const file = await readKeras3(sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras'));
  const r = await compareOnMnist(kerasFileToIr(file), kerasFileToTfjsArtifacts(file), 500);
  // Softmax outputs; tfjs computes in float32 (see mnist-moonflower-h5.test.ts for the bound).
  assert.ok(r.maxAbsDiff < 1e-4, `max |p_ir - p_tfjs| = ${r.maxAbsDiff}`);
  assert.equal(r.disagreements, 0);
  assert.equal(r.irAccuracy, r.tfjsAccuracy);
  assert.ok(r.irAccuracy >= 0.97, `accuracy ${r.irAccuracy}`); // PROVENANCE: 0.9918 on all 10,000
});
