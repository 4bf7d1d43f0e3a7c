/** moonflower_mnist_convnet_h5 (Keras 3.1 legacy .h5): IR forward pass vs tfjs-layers on 500 MNIST images. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readKerasH5 } from '../../compiler/frontend/keras-h5.js';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { kerasFileToTfjsArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { sharedModel } from '../support/paths.js';
import { compareOnMnist } from './mnist-check.js';

test('moonflower .h5: IR float64 forward pass matches tfjs-layers on the first 500 MNIST images', async () => {
  const file = await readKerasH5(sharedModel('moonflower_mnist_convnet_h5', 'mnist_model.h5'));
  const r = await compareOnMnist(kerasFileToIr(file), kerasFileToTfjsArtifacts(file), 500);
  // Softmax outputs: tfjs computes in float32 (relative error ~1e-7 per op over ~300 terms), so 1e-4 is ample.
  assert.ok(r.maxAbsDiff < 1e-4, `max |p_ir - p_tfjs| = ${r.maxAbsDiff}`);
  assert.equal(r.disagreements, 0);
  assert.equal(r.irAccuracy, r.tfjsAccuracy);
  // PROVENANCE: 0.9928 on all 10,000; the first 500 are no harder than average for this model.
  assert.ok(r.irAccuracy >= 0.97, `accuracy ${r.irAccuracy}`);
});
