/**
 * Format detection in loadModel: by content first (a Keras .h5 or .keras under a wrong
 * extension still loads), directories (SavedModel, TF.js), model.json's graph-model vs
 * layers-model (from `format`, else from the topology), and E_FORMAT naming the file
 * and the accepted formats otherwise.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectFormat, loadModel } from '../../compiler/frontend/index.js';
import { TfeError } from '../../src/errors.js';
import { sharedModel } from '../support/paths.js';

test('detectFormat on the shared models', () => {
  const cases: [string, string][] = [
    [sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb'), 'graphdef'],
    [sharedModel('tfserving_half_plus_two_cpu', 'saved_model'), 'savedmodel'],
    [sharedModel('tfserving_half_plus_two_cpu', 'saved_model', 'saved_model.pb'), 'savedmodel'],
    [sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'), 'keras-h5'],
    [sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras'), 'keras3'],
    [sharedModel('tfjs_e2e_dense_graph_model'), 'tfjs-graph'],
    [sharedModel('tfjs_e2e_matmul_graph_model', 'model.json'), 'tfjs-graph'],
    [sharedModel('tfjs_examples_abalone_layers', 'model.json'), 'tfjs-layers'],
  ];
  for (const [p, f] of cases) assert.equal(detectFormat(p).format, f, p);
});

test('content wins over a lying extension; JSON without a format field is told apart by its topology', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-detect-'));
  copyFileSync(sharedModel('tfe_short_dnn_h5', 'short-dnn.h5'), join(dir, 'model.pb'));
  const g = await loadModel(join(dir, 'model.pb'));
  assert.equal(g.source.format, 'keras-h5');
  copyFileSync(sharedModel('moonflower_mnist_convnet_keras3', 'mnist_model.keras'), join(dir, 'model.h5'));
  assert.equal(detectFormat(join(dir, 'model.h5')).format, 'keras3');
  const layers = JSON.parse(readFileSync(sharedModel('tfjs_examples_abalone_layers', 'model.json'), 'utf8')) as Record<string, unknown>;
  delete layers.format;
  const sub = join(dir, 'abalone');
  mkdirSync(sub);
  writeFileSync(join(sub, 'model.dat'), JSON.stringify(layers));
  assert.equal(detectFormat(join(sub, 'model.dat')).format, 'tfjs-layers');
});

test('E_FORMAT names the file and lists the accepted formats; E_IO for a missing path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-detect-'));
  writeFileSync(join(dir, 'weights.dat'), Uint8Array.of(1, 2, 3, 4));
  const fmt = (re: RegExp) => (e: unknown): boolean => e instanceof TfeError && e.code === 'E_FORMAT' && re.test(e.message) && /SavedModel directory/.test(e.hint ?? '');
  assert.throws(() => detectFormat(join(dir, 'weights.dat')), fmt(/weights\.dat: unrecognised model format/));
  assert.throws(() => detectFormat(dir), fmt(/a directory without saved_model\.pb or model\.json/));
  assert.throws(() => detectFormat(join(dir, 'nope.pb')), (e: unknown) => e instanceof TfeError && e.code === 'E_IO');
});
