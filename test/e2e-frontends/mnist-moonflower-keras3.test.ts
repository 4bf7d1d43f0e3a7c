/** Moonflower's Keras convnet (Keras 3 .keras): IR accuracy and agreement with tfjs-layers. */
import { test } from 'node:test';
import { sharedModel } from '../support/paths.js';
import { compileIr, kerasReference } from './helpers.js';
import { mnistCheck } from './mnist-check.js';

test('moonflower_mnist_convnet_keras3: MNIST accuracy of the IR interpreter (PROVENANCE 0.9918)', async (t) => {
  const p = sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras');
  await mnistCheck(t, { g: await compileIr(p), shape: (n) => [n, 28, 28, 1], provenance: 0.9918, reference: await kerasReference(p) });
});
