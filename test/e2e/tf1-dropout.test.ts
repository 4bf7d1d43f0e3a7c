/**
 * A TF1 frozen graph trained with dropout (models/fixtures/tf1-dropout.ts, built by the
 * project's own GraphDef writer): with `--const keep_prob=1.0` the dropout branch folds
 * away (no step left from it), and private prediction equals a hand-written float
 * forward pass of the same weights (relu(x W1 + b1) W2 + b2: dropout at keep_prob 1 is
 * the identity) within the fixed-point error bound derived from the plan
 * (test/compiler/error-bound.ts). Without the constant, or with keep_prob < 1, the
 * error names the random node and the --const to give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { tf1DropoutFixture, type DenseWeights } from '../../models/fixtures/tf1-dropout.js';
import { PlanDeployment } from '../../runtime/party/executor.js';
import { TfeError } from '../../src/errors.js';
import { errorBounds } from '../compiler/error-bound.js';
import { testBackend } from '../support/backend.js';
import { pseudoRandom } from '../e2e-frontends/helpers.js';

function denseForward(x: Float64Array, rows: number, l: DenseWeights, relu: boolean): Float64Array {
  const y = new Float64Array(rows * l.outDim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < l.outDim; j++) {
      let s = l.b[j];
      for (let i = 0; i < l.inDim; i++) s += x[r * l.inDim + i] * l.w[i * l.outDim + j];
      y[r * l.outDim + j] = relu ? Math.max(0, s) : s;
    }
  }
  return y;
}

test('TF1 dropout with --const keep_prob=1.0: folded away, private prediction equals the float forward pass', async () => {
  const f = tf1DropoutFixture();
  const r = await compile(f.bytes, { consts: [{ name: f.keepProb, value: 1 }], inputRange: [-1, 1] });
  assert.deepEqual(r.graph.nodes.map((n) => n.op), ['Placeholder', 'Const', 'MatMul', 'Const', 'BiasAdd', 'Relu', 'Const', 'MatMul', 'Const', 'BiasAdd']);
  assert.ok(!r.plan.steps.some((s) => /dropout|keep_prob/.test(s.source)), 'no step comes from the dropout branch');
  assert.deepEqual(r.plan.steps.map((s) => s.kernel), ['share', 'matmul_ss', 'add_ss', 'relu_s', 'matmul_ss', 'add_ss', 'reveal']);
  assert.deepEqual(r.plan.inputs.map((i) => i.name), [f.input]);

  const rows = 8;
  const x = pseudoRandom(rows * 16, 5, -1, 1);
  const want = denseForward(denseForward(x, rows, f.fc1, true), rows, f.fc2, false);
  const dep = await PlanDeployment.start(r.plan, r.weights, { ring: testBackend() });
  const p = await dep.predict({ [f.input]: { shape: [rows, 16], data: x } });
  const got = p.outputs[r.plan.outputs[0].name].data;
  const bound = errorBounds(r.ring).get(r.ring.nodes[r.ring.nodes.length - 1].id) ?? 0;
  assert.ok(bound > 0 && bound < 1e-2, `bound ${bound}`);
  assert.equal(got.length, want.length);
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  assert.ok(err <= bound, `largest difference ${err.toExponential(3)} exceeds the derived bound ${bound.toExponential(3)}`);
});

test('TF1 dropout without --const keep_prob=1.0: E_UNSUPPORTED naming the random node and the --const to give', async () => {
  const f = tf1DropoutFixture();
  for (const consts of [[], [{ name: f.keepProb, value: 0.5 }]]) {
    await assert.rejects(compile(f.bytes, { consts }), (e: unknown) => {
      assert.ok(e instanceof TfeError);
      assert.equal(e.code, 'E_UNSUPPORTED');
      assert.match(e.message, /node 'dropout\/random_uniform\/RandomUniform' \(op RandomUniform\) draws random numbers at prediction time/);
      if (consts.length === 0) assert.match(e.hint ?? '', /--const keep_prob=1\.0/);
      return true;
    });
  }
});
