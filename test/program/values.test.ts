/**
 * Program values: every builder op, compiled for Pond and SecureNN and run on the local
 * simulation (one input role, alice, that also receives every output; the private
 * variables' owner model-owner runs the setup), against plaintext TensorFlow.js (cpu
 * backend) on the same values.
 *
 * Tolerances (f = 16 fractional bits, ulp = 2^-16): inputs and variables are encoded
 * with an error <= ulp/2 each and every value here is bounded by 1 (inputs and weights
 * in [-1, 1], scaled where noted), so a dot product of fan-in K is off by <= K ulp,
 * plus <= 1 ulp per truncation (trunc_s is exact to +-1 in the last bit): tol =
 * (K + 2) ulp, times the operands' magnitude bound where it exceeds 1. Layout ops,
 * relu and maxpool are exact up to the encoding: tol = 1 ulp. Sigmoid and tanh use
 * the approximation whose total error bound the plan's step states (`approximation`:
 * `total <= X`): tol = X + 2 ulp (the input's encoding error, times a slope <= 1).
 * ArgMax is an exact label where the top two differ by more than the error.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import assert from 'node:assert/strict';
import { before, test, type TestContext } from 'node:test';
import { program } from '../../compiler/program/index.js';
import type { CompileResult } from '../../compiler/compile.js';
import type { OutputValue } from '../../runtime/party/prediction-io.js';
import { verifyPlan } from '../../src/plan/verify.js';
import { pseudoRandom } from '../e2e-frontends/helpers.js';
import { runOneRole, statedBound } from './run.js';

const ULP = 2 ** -16;

before(async () => {
  await tf.setBackend('cpu');
});

interface Expect {
  readonly want: tf.Tensor;
  /** The tolerance in ulps, or 'approx' (the stated bound of the output's approximation + 2 ulp), or 'label'. */
  readonly tol: number | 'approx' | 'label';
}

function compare(ctx: TestContext, c: CompileResult, got: Record<string, OutputValue>, expect: Readonly<Record<string, Expect>>): void {
  const seen: string[] = [];
  assert.deepEqual(Object.keys(got).sort(), Object.keys(expect).sort(), 'every revealed output arrives');
  for (const [name, e] of Object.entries(expect)) {
    const o = got[name];
    const want = e.want.dataSync();
    assert.deepEqual(o.shape, e.want.shape, `${name}: shape`);
    if (e.tol === 'label') {
      assert.equal(o.kind, 'label', `${name}: kind label`);
      assert.deepEqual(Array.from(o.data), Array.from(want), `${name}: labels`);
      continue;
    }
    let tol: number;
    if (e.tol === 'approx') {
      const stated = statedBound(c, name);
      assert.ok(stated !== undefined && stated > 0 && stated < 1e-3, `${name}: the plan states its approximation's bound (${String(stated)})`);
      tol = stated + 2 * ULP;
    } else {
      tol = e.tol * ULP;
    }
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(o.data[i] - want[i]));
    assert.ok(worst <= tol, `${name}: max |secure - plaintext| = ${worst.toExponential(3)} > tol ${tol.toExponential(3)}`);
    seen.push(`${name} ${(worst / ULP).toFixed(2)}/${(tol / ULP).toFixed(1)}`);
  }
  ctx.diagnostic(`max error / tolerance in ulps (2^-16): ${seen.join(', ')}`);
}

const t = (data: Float64Array, shape: number[]): tf.Tensor => tf.tensor(Float32Array.from(data), shape);

for (const protocol of ['pond', 'securenn'] as const) {
  test(`${protocol}: elementwise, linear, activations, layout and reductions match tfjs`, async (ctx) => {
    const A = pseudoRandom(6, 11);
    const B = pseudoRandom(3, 12);
    const W = pseudoRandom(12, 13);
    const WT = pseudoRandom(12, 14);
    const V = pseudoRandom(3, 15);
    const C3 = Float64Array.of(0.25, -0.75, 0.5);
    const p = program();
    const a = p.privateInput('alice', 'a', [2, 3], { range: [-1, 1] });
    const b = p.privateInput('alice', 'b', [1, 3], { range: [-1, 1] });
    const w = p.privateVariable('model-owner', 'w', W, [3, 4]);
    const wt = p.privateVariable('model-owner', 'wt', WT, [4, 3]);
    const v = p.privateVariable('model-owner', 'v', V, [1, 3]);
    const c3 = p.constant(C3, [3]);
    p.reveal(p.matmul(a, w), 'alice', 'mm');
    p.reveal(p.matmul(a, wt, { transposeB: true }), 'alice', 'mm_tb');
    p.reveal(p.matmul(a, a, { transposeA: true }), 'alice', 'mm_ta');
    p.reveal(p.relu(p.matmul(a, w)), 'alice', 'relu');
    p.reveal(p.add(a, c3), 'alice', 'add_c');
    p.reveal(p.add(a, v), 'alice', 'add_v');
    p.reveal(p.sub(a, 0.5), 'alice', 'sub_s');
    p.reveal(p.sub(c3, a), 'alice', 'sub_ps');
    p.reveal(p.mul(a, b), 'alice', 'mul_ab');
    p.reveal(p.mul(a, p.constant([[2], [-0.5]], [2, 1])), 'alice', 'mul_c');
    p.reveal(p.mul(v, a), 'alice', 'mul_v');
    p.reveal(p.neg(a), 'alice', 'neg');
    p.reveal(p.sigmoid(p.mul(a, 4)), 'alice', 'sig');
    p.reveal(p.tanh(p.mul(a, 2)), 'alice', 'tanh');
    p.reveal(p.reshape(a, [3, -1]), 'alice', 'reshape');
    p.reveal(p.transpose(a), 'alice', 'transpose');
    p.reveal(p.concat([a, b], 0), 'alice', 'concat');
    p.reveal(p.pad(a, [[1, 0], [0, 2]]), 'alice', 'pad');
    p.reveal(p.sum(a), 'alice', 'sum_all');
    p.reveal(p.sum(a, { axis: 1, keepDims: true }), 'alice', 'sum_1');
    p.reveal(p.mean(a, { axis: 0 }), 'alice', 'mean_0');
    p.reveal(p.argmax(p.matmul(a, w)), 'alice', 'label');
    const c = await p.compile({ protocol });
    verifyPlan(c.plan);
    const got = await runOneRole(c, { a: { shape: [2, 3], data: A }, b: { shape: [1, 3], data: B } });
    const [ta, tb, tw, twt, tv, tc3] = [t(A, [2, 3]), t(B, [1, 3]), t(W, [3, 4]), t(WT, [4, 3]), t(V, [1, 3]), t(C3, [3])];
    const mm = tf.matMul(ta, tw);
    const labels = tf.argMax(mm, 1);
    // the label is exact when the top two of each row differ by more than the matmul's error
    const rows = mm.arraySync() as number[][];
    for (const r of rows) {
      const s = [...r].sort((x, y) => y - x);
      assert.ok(s[0] - s[1] > 10 * ULP, 'test data: no near-tie in the argmax rows');
    }
    compare(ctx, c, got, {
      mm: { want: mm, tol: 3 + 2 },
      mm_tb: { want: tf.matMul(ta, twt, false, true), tol: 3 + 2 },
      mm_ta: { want: tf.matMul(ta, ta, true, false), tol: 2 + 2 },
      relu: { want: tf.relu(mm), tol: 3 + 2 },
      add_c: { want: tf.add(ta, tc3), tol: 1 },
      add_v: { want: tf.add(ta, tv), tol: 1 },
      sub_s: { want: tf.sub(ta, 0.5), tol: 1 },
      sub_ps: { want: tf.sub(tc3, ta), tol: 1 },
      mul_ab: { want: tf.mul(ta, tb), tol: 1 + 2 },
      mul_c: { want: tf.mul(ta, t(Float64Array.of(2, -0.5), [2, 1])), tol: 2 * (1 + 2) },
      mul_v: { want: tf.mul(tv, ta), tol: 1 + 2 },
      neg: { want: tf.neg(ta), tol: 1 },
      sig: { want: tf.sigmoid(tf.mul(ta, 4)), tol: 'approx' },
      tanh: { want: tf.tanh(tf.mul(ta, 2)), tol: 'approx' },
      reshape: { want: tf.reshape(ta, [3, 2]), tol: 1 },
      transpose: { want: tf.transpose(ta), tol: 1 },
      concat: { want: tf.concat([ta, tb], 0), tol: 1 },
      pad: { want: tf.pad(ta, [[1, 0], [0, 2]]), tol: 1 },
      sum_all: { want: tf.sum(ta), tol: 6 },
      sum_1: { want: tf.sum(ta, 1, true), tol: 3 },
      mean_0: { want: tf.mean(ta, 0), tol: 2 + 2 },
      label: { want: labels, tol: 'label' },
    });
  });

  test(`${protocol}: conv2d (same / valid, strides), avgPool, maxPool and a global mean match tfjs`, async (ctx) => {
    const X = pseudoRandom(72, 21);
    const F = pseudoRandom(54, 22);
    const p = program();
    const x = p.privateInput('alice', 'x', [1, 6, 6, 2], { range: [-1, 1] });
    const f = p.privateVariable('model-owner', 'f', F, [3, 3, 2, 3]);
    p.reveal(p.conv2d(x, f, { padding: 'same' }), 'alice', 'conv_same');
    p.reveal(p.conv2d(x, f, { strides: 2, padding: 'valid' }), 'alice', 'conv_valid_s2');
    p.reveal(p.conv2d(x, f, { strides: [2, 1], padding: 'same' }), 'alice', 'conv_same_s21');
    p.reveal(p.avgPool(x, { ksize: 2 }), 'alice', 'avg_valid');
    p.reveal(p.avgPool(x, { ksize: 3, strides: 2, padding: 'same' }), 'alice', 'avg_same');
    p.reveal(p.maxPool(x, { ksize: 2 }), 'alice', 'max_valid');
    p.reveal(p.maxPool(x, { ksize: 3, strides: 2, padding: 'same' }), 'alice', 'max_same');
    p.reveal(p.mean(x, { axis: [1, 2] }), 'alice', 'global_mean');
    const c = await p.compile({ protocol });
    verifyPlan(c.plan);
    const got = await runOneRole(c, { x: { shape: [1, 6, 6, 2], data: X } });
    const tx = t(X, [1, 6, 6, 2]) as tf.Tensor4D;
    const tfil = t(F, [3, 3, 2, 3]) as tf.Tensor4D;
    compare(ctx, c, got, {
      conv_same: { want: tf.conv2d(tx, tfil, 1, 'same'), tol: 18 + 2 },
      conv_valid_s2: { want: tf.conv2d(tx, tfil, 2, 'valid'), tol: 18 + 2 },
      conv_same_s21: { want: tf.conv2d(tx, tfil, [2, 1], 'same'), tol: 18 + 2 },
      avg_valid: { want: tf.avgPool(tx, 2, 2, 'valid'), tol: 4 + 2 },
      avg_same: { want: tf.avgPool(tx, 3, 2, 'same'), tol: 9 + 2 },
      max_valid: { want: tf.maxPool(tx, 2, 2, 'valid'), tol: 1 },
      max_same: { want: tf.maxPool(tx, 3, 2, 'same'), tol: 1 },
      global_mean: { want: tf.mean(tx, [1, 2]), tol: 36 + 2 },
    });
  });

  test(`${protocol}: one role holding the inputs and the variable: a public constant as matmul operand, a secret filter, public - secret`, async (ctx) => {
    const A = pseudoRandom(3, 31);
    const IMG = pseudoRandom(16, 32, 0, 10);
    const FILT = pseudoRandom(8, 33);
    const WV = pseudoRandom(3, 34);
    const p = program();
    const a = p.privateInput('alice', 'a', [1, 3], { range: [-1, 1] });
    const img = p.privateInput('alice', 'img', [1, 4, 4, 1], { range: [0, 10] });
    const filt = p.privateInput('alice', 'filt', [2, 2, 1, 2], { range: [-1, 1] });
    const w = p.privateVariable('alice', 'w', WV, [3, 1]);
    p.reveal(p.matmul(a, p.constant([[1], [0.5], [0.25]], [3, 1])), 'alice', 'mm_const');
    p.reveal(p.matmul(a, w), 'alice', 'mm_own');
    p.reveal(p.conv2d(img, filt, { padding: 'same' }), 'alice', 'conv_ss');
    p.reveal(p.sub(2, a), 'alice', 'sub_ps');
    const c = await p.compile({ protocol });
    verifyPlan(c.plan);
    assert.deepEqual(c.plan.roles.filter((r) => r.kind === 'input' || r.kind === 'output').map((r) => [r.name, r.kind]), [['alice', 'input']]);
    const got = await runOneRole(c, { a: { shape: [1, 3], data: A }, img: { shape: [1, 4, 4, 1], data: IMG }, filt: { shape: [2, 2, 1, 2], data: FILT } });
    const ta = t(A, [1, 3]);
    compare(ctx, c, got, {
      mm_const: { want: tf.matMul(ta, t(Float64Array.of(1, 0.5, 0.25), [3, 1])), tol: 3 + 2 },
      mm_own: { want: tf.matMul(ta, t(WV, [3, 1])), tol: 3 + 2 },
      // fan-in 4, the image bounded by 10
      conv_ss: { want: tf.conv2d(t(IMG, [1, 4, 4, 1]) as tf.Tensor4D, t(FILT, [2, 2, 1, 2]) as tf.Tensor4D, 1, 'same'), tol: 10 * (4 + 2) },
      sub_ps: { want: tf.sub(2, ta), tol: 1 },
    });
  });
}
