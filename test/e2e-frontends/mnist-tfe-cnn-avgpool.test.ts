/** tf-encrypted's MNIST CNN (frozen GraphDef, Conv/AvgPool/MatMul): IR accuracy and agreement with tfjs. */
import { test } from 'node:test';
import { sharedModel } from '../support/paths.js';
import { compileIr, tfGraphReference } from './helpers.js';
import { mnistCheck } from './mnist-check.js';

test('tfe_mnist_cnn_avgpool: MNIST accuracy of the IR interpreter (PROVENANCE 0.987)', async (t) => {
  const p = sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb');
  await mnistCheck(t, { g: await compileIr(p), shape: (n) => [n, 784], provenance: 0.987, reference: await tfGraphReference(p) });
});
