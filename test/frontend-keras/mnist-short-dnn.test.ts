/** tfe_short_dnn_h5 (tf.keras 2.9 .h5, SAME/VALID strided convs, stride-1 AvgPool): IR vs tfjs-layers on 500 MNIST images. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readKerasH5 } from '../../compiler/frontend/keras-h5.js';
import { kerasFileToIr } from '../../compiler/frontend/keras-config.js';
import { kerasFileToTfjsArtifacts } from '../../compiler/frontend/keras-artifacts.js';
import { sharedModel } from '../support/paths.js';
import { compareOnMnist } from './mnist-check.js';

test('short-dnn .h5: IR float64 forward pass matches tfjs-layers on the first 500 MNIST images', async () => {
  const file = await readKerasH5(sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'));
  const r = await compareOnMnist(kerasFileToIr(file), kerasFileToTfjsArtifacts(file), 500);
  // Softmax outputs; tfjs computes in float32 (see mnist-moonflower-h5.test.ts for the bound).
  assert.ok(r.maxAbsDiff < 1e-4, `max |p_ir - p_tfjs| = ${r.maxAbsDiff}`);
  assert.equal(r.disagreements, 0);
  assert.equal(r.irAccuracy, r.tfjsAccuracy);
  assert.ok(r.irAccuracy >= 0.93, `accuracy ${r.irAccuracy}`); // PROVENANCE: 0.9657 on all 10,000
});
