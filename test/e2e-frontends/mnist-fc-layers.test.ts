/** tf2onnx's fc-layers MLP (frozen GraphDef): IR accuracy and agreement with tfjs. */
import { test } from 'node:test';
import { sharedModel } from '../support/paths.js';
import { compileIr, tfGraphReference } from './helpers.js';
import { mnistCheck } from './mnist-check.js';

test('tf2onnx_fc_layers: MNIST accuracy of the IR interpreter (PROVENANCE 0.9548)', async (t) => {
  const p = sharedModel('tf2onnx_fc_layers', 'frozen.pb');
  await mnistCheck(t, { g: await compileIr(p), shape: (n) => [n, 784], provenance: 0.9548, reference: await tfGraphReference(p) });
});
