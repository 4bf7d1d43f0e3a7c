/**
 * Manual run (minutes, skipped unless TFE_MNIST_FULL=1): accuracy of the three Keras MNIST
 * models on all 10,000 test images, IR float64 forward pass and tfjs-layers reference,
 * against the accuracy in each model's PROVENANCE.md.
 *   TFE_MNIST_FULL=1 node --import tsx --test test/frontend-keras/mnist-full.test.ts
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readKerasModelFile } from '../../compiler/frontend/keras-detect.js';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { kerasFileToTfjsArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { sharedModel } from '../support/paths.js';
import { compareOnMnist } from './mnist-check.js';

const skip = process.env.TFE_MNIST_FULL !== '1' && 'set TFE_MNIST_FULL=1 to run (several minutes)';

const MODELS: [string, string, number][] = [
  ['moonflower_mnist_convnet_h5', 'mnist_model.h5', 0.9928],
  ['moonflower_mnist_convnet_keras3', 'mnist_model.keras', 0.9918],
  ['tfe_short_dnn_h5', 'short-dnn.h5', 0.9657],
];

for (const [dir, name, provenance] of MODELS) {
  test(`${dir}: accuracy on all 10,000 MNIST test images equals PROVENANCE (${provenance})`, { skip }, async () => {
    const file = await readKerasModelFile(sharedModel(dir, name));
    const r = await compareOnMnist(kerasFileToIr(file), kerasFileToTfjsArtifacts(file), 10000);
    console.log(`${dir}: IR ${r.irAccuracy.toFixed(4)}, tfjs ${r.tfjsAccuracy.toFixed(4)}, PROVENANCE ${provenance}, disagreements ${r.disagreements}, max |dp| ${r.maxAbsDiff.toExponential(2)}`);
    assert.equal(r.n, 10000);
    assert.ok(Math.abs(r.irAccuracy - provenance) < 5e-5, `IR accuracy ${r.irAccuracy} vs ${provenance}`);
    assert.ok(r.maxAbsDiff < 1e-4);
  });
}
