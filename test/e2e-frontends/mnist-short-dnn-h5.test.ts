/** tf-encrypted's short DNN (Keras .h5, SAME conv, AvgPool stride 1): IR accuracy and agreement with tfjs-layers. */
import { test } from 'node:test';
import { sharedModel } from '../support/paths.js';
import { compileIr, kerasReference } from './helpers.js';
import { mnistCheck } from './mnist-check.js';

test('tfe_short_dnn_h5: MNIST accuracy of the IR interpreter (PROVENANCE 0.9657)', async (t) => {
  const p = sharedModel('tfe_short_dnn_h5', 'short-dnn.h5');
  await mnistCheck(t, { g: await compileIr(p), shape: (n) => [n, 28, 28, 1], provenance: 0.9657, reference: await kerasReference(p) });
});
