/**
 * End to end on the small shared models: each parses, compiles through every pass
 * (verified after each), and the IR interpreter agrees with tfjs running the original
 * within 1e-4 absolute (float32 tfjs vs float64 IR on outputs of magnitude <= 10:
 * float32 rounding is ~1e-7 relative per op, far below the bound). Known answers from
 * PROVENANCE.md: regression X=5 -> 2.1193342, half_plus_two y = 0.5x + 2, times_three y = 3x.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { SHARED_MODELS, sharedModel } from '../support/paths.js';
import { assertShapesMatchRun, compileIr, kerasReference, maxAbs, maxAbsDiff, pseudoRandom, runIrSingle, tfGraphReference } from './helpers.js';

const TOL = 1e-4;

/** The shared models and the test file that covers each (a new model must be added somewhere). */
const COVERED: Readonly<Record<string, string>> = {
  arm_kws_cnn_s: 'kws-cut.test.ts',
  mnist_testset: 'mnist-check.ts (data)',
  moonflower_mnist_convnet_h5: 'mnist-moonflower-h5.test.ts',
  moonflower_mnist_convnet_keras3: 'mnist-moonflower-keras3.test.ts',
  tf2onnx_fc_layers: 'mnist-fc-layers.test.ts',
  tf2onnx_regression_graphdef: 'small-models.test.ts',
  tf2onnx_regression_savedmodel: 'small-models.test.ts',
  tfe_2lfc: 'small-models.test.ts',
  tfe_mnist_cnn_avgpool: 'mnist-tfe-cnn-avgpool.test.ts',
  tfe_short_dnn_h5: 'mnist-short-dnn-h5.test.ts',
  tfjs_e2e_dense_graph_model: 'small-models.test.ts',
  tfjs_e2e_matmul_graph_model: 'small-models.test.ts',
  tfjs_examples_abalone_layers: 'small-models.test.ts',
  tfjs_node_times_three_float: 'small-models.test.ts',
  tfserving_half_plus_two_cpu: 'small-models.test.ts',
  tfserving_half_plus_two_tf2_cpu: 'small-models.test.ts',
};

test('every shared model has an end-to-end test', () => {
  const dirs = readdirSync(SHARED_MODELS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const d of dirs) assert.ok(COVERED[d], `${d} in ${SHARED_MODELS} has no end-to-end test: add one to test/e2e-frontends`);
});

test('tf2onnx regression (GraphDef and SavedModel): X=5 -> 2.1193342, and agrees with tfjs', async () => {
  for (const p of [sharedModel('tf2onnx_regression_graphdef', 'frozen.pb'), sharedModel('tf2onnx_regression_savedmodel', 'saved_model')]) {
    const g = await compileIr(p, { inputs: [{ name: 'X', shape: [1] }] });
    const y = runIrSingle(g, { shape: [1], data: Float64Array.of(5) });
    assert.ok(Math.abs(y.data[0] - 2.1193342) < 1e-6, `${p}: got ${y.data[0]}`);
    const ref = await tfGraphReference(p);
    const x = { shape: [3], data: Float64Array.of(-2, 0.5, 5) };
    const g3 = await compileIr(p, { inputs: [{ name: 'X:0', shape: [3] }] });
    assert.ok(maxAbsDiff(runIrSingle(g3, x), await ref(x)) < TOL);
  }
});

test('tfserving half_plus_two (TF1 and TF2 SavedModels): y = 0.5x + 2', async () => {
  for (const [dir, shape] of [['tfserving_half_plus_two_cpu', [3, 1]], ['tfserving_half_plus_two_tf2_cpu', [1]]] as const) {
    const p = sharedModel(dir, 'saved_model');
    const g = await compileIr(p);
    const xs = shape[0] === 3 ? [1, 2, 5] : [7];
    const y = runIrSingle(g, { shape: [...shape], data: Float64Array.from(xs) });
    assert.deepEqual([...y.data], xs.map((x) => 0.5 * x + 2), dir);
    const ref = await tfGraphReference(p);
    assert.ok(maxAbsDiff(y, await ref({ shape: [...shape], data: Float64Array.from(xs) })) < TOL, dir);
  }
});

test('tfjs-node times_three_float SavedModel: y = 3x, and agrees with tfjs', async () => {
  const p = sharedModel('tfjs_node_times_three_float', 'saved_model');
  const g = await compileIr(p);
  const ref = await tfGraphReference(p);
  for (const x of [0, 1.5, -4]) {
    const y = runIrSingle(g, { shape: [], data: Float64Array.of(x) });
    assert.equal(y.data[0], 3 * x);
    assert.ok(maxAbsDiff(y, await ref({ shape: [], data: Float64Array.of(x) })) < TOL);
  }
});

test('tfjs graph models (MatMul, fused Dense) agree with tfjs', async () => {
  const cases: [string, number[]][] = [
    [sharedModel('tfjs_e2e_matmul_graph_model', 'model.json'), [2, 2]],
    [sharedModel('tfjs_e2e_dense_graph_model'), [4, 1]],
  ];
  for (const [p, shape] of cases) {
    const g = await compileIr(p);
    const x = { shape, data: pseudoRandom(shape[0] * shape[1], 7, -3, 3) };
    const ref = await tfGraphReference(p);
    assertShapesMatchRun(g, x);
    const got = runIrSingle(g, x);
    assert.ok(maxAbs(got) <= 10);
    assert.ok(maxAbsDiff(got, await ref(x)) < TOL, p);
  }
});

test('tfe 2lfc GraphDef (16-512-512-2 sigmoid MLP) agrees with tfjs', async () => {
  const p = sharedModel('tfe_2lfc', '2lfc.pb');
  const g = await compileIr(p);
  const ref = await tfGraphReference(p);
  for (const seed of [1, 2, 3]) {
    const x = { shape: [1, 16], data: pseudoRandom(16, seed, -2, 2) };
    assertShapesMatchRun(g, x);
    const got = runIrSingle(g, x);
    const want = await ref(x);
    // Logits here reach ~100 (untrained net): compare relative to the output's size.
    assert.ok(maxAbsDiff(got, want) < TOL * Math.max(1, maxAbs(want) / 10), `seed ${seed}: ${maxAbsDiff(got, want)}`);
  }
});

test('tfjs-examples abalone layers model agrees with tfjs', async () => {
  const p = sharedModel('tfjs_examples_abalone_layers', 'model.json');
  const g = await compileIr(p);
  const ref = await kerasReference(p);
  const x = { shape: [5, 8], data: pseudoRandom(40, 11, 0, 1) };
  assertShapesMatchRun(g, x);
  const got = runIrSingle(g, x);
  assert.ok(maxAbsDiff(got, await ref(x)) < TOL);
});
