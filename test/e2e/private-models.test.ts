/**
 * Private prediction end to end on the shared models: compile (with the options the
 * README documents, test/compiler/shared-models.ts), deploy (weights shared), run the
 * parties over the in-memory transport, and compare with the ORIGINAL model run by
 * tfjs (src/reference.ts) or with the value in the model's PROVENANCE.md.
 *
 * Tolerances are derived, not guessed:
 * - fixed-point error: test/compiler/error-bound.ts bounds |computed - exact| through the
 *   scaled graph from the fractional bits (encodings, truncations: Pond's truncation is
 *   floor or floor + 1, inside the bound's one ulp);
 * - piecewise-polynomial activations: the compiler's stated maximum error, tails
 *   included (compiler/secure/piecewise.ts: sigmoid 6.2e-5, tanh 1.3e-4 at f = 16),
 *   propagated through later layers with
 *   their weights' L1 norms and the activations' Lipschitz constants (sigmoid 1/4,
 *   tanh 1, relu 1) by approximationBound below;
 * - softmax applied by the client: |d softmax|_inf <= 1/2 |d logits|_inf;
 * - tfjs computes in float32: 1e-5 absolute slack on the reference.
 * The MNIST models must also agree with the plaintext model on every image's argmax.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import type { IrGraph, TensorData } from '../../src/ir/node.js';
import { PlanDeployment, type FloatTensor } from '../../runtime/party/executor.js';
import { finalValues } from '../../runtime/cli.js';
import { modelLocation } from '../../runtime/eval/reference.js';
import { tfjsReference } from '../../src/reference.js';
import { errorBounds } from '../compiler/error-bound.js';
import { SHARED_MODEL_CASES, type SharedModelCase } from '../compiler/shared-models.js';
import { readMnist } from '../support/mnist.js';
import { sharedModel } from '../support/paths.js';
import { testBackend } from '../support/backend.js';
import { uniformRing } from '../support/random.js';

const reference = tfjsReference();
const FLOAT32_SLACK = 1e-5;
const APPROX: Record<string, { err: number; lipschitz: number }> = {
  Sigmoid: { err: 6.2e-5, lipschitz: 0.25 },
  Tanh: { err: 1.3e-4, lipschitz: 1 },
};

function modelCase(name: string): SharedModelCase {
  const c = SHARED_MODEL_CASES.find((m) => m.name === name);
  if (!c) throw new Error(`no compile options for ${name}`);
  return c;
}

/** Largest L1 norm of a weight column (what one output sums over). */
function colL1(t: TensorData): number {
  const v = t.values as Float64Array;
  const out = t.shape[t.shape.length - 1];
  const s = new Float64Array(out);
  for (let i = 0; i < v.length; i++) s[i % out] += Math.abs(v[i]);
  return Math.max(...s);
}

/** Bound on the output error caused by the polynomial activations alone (0 without any). */
function approximationBound(g: IrGraph): number {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const e = new Map<string, number>();
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => e.get(i) ?? 0);
    const a = APPROX[n.op];
    let err: number;
    if (a) err = a.lipschitz * ins[0] + a.err;
    else if (n.op === 'MatMul' || n.op === 'Conv2D') {
      const w = byId.get(n.inputs[1]);
      err = w?.op === 'Const' ? colL1(w.attrs.value as TensorData) * ins[0] : Infinity;
    } else if (n.op === 'Add' || n.op === 'Sub' || n.op === 'BiasAdd') err = ins[0] + (ins[1] ?? 0);
    else err = Math.max(0, ...ins);
    e.set(n.id, err);
  }
  return Math.max(...g.outputs.map((o) => e.get(o) ?? 0));
}

interface Compiled extends CompileResult {
  readonly deployment: PlanDeployment;
  readonly tolerance: number;
}

async function deploy(name: string): Promise<Compiled> {
  const c = modelCase(name);
  const r = await compile(sharedModel(...c.path), c.options);
  const fixedPoint = errorBounds(r.ring).get(r.ring.nodes[r.ring.nodes.length - 1].id) ?? 0;
  const logits = fixedPoint + approximationBound(r.graph);
  const softmax = r.plan.outputs[0].postprocess === 'softmax';
  const tolerance = (softmax ? logits / 2 : logits) + FLOAT32_SLACK;
  const deployment = await PlanDeployment.start(r.plan, r.weights, { ring: testBackend() });
  return { ...r, deployment, tolerance };
}

async function compareWithTfjs(m: Compiled, inputs: Record<string, FloatTensor>): Promise<{ err: number; priv: Float64Array; ref: Float64Array }> {
  const p = await m.deployment.predict(inputs);
  const out = m.plan.outputs[0];
  const [ref] = await reference(m.plan, modelLocation(m.plan, m.weights.manifest, undefined), inputs);
  const priv = finalValues(p.outputs[out.name]);
  assert.equal(priv.length, ref.data.length);
  let err = 0;
  for (let i = 0; i < priv.length; i++) err = Math.max(err, Math.abs(priv[i] - ref.data[i]));
  assert.equal(p.stats.rounds, p.declared.rounds, 'measured rounds equal the declared cost');
  return { err, priv, ref: ref.data };
}

function argmax(x: Float64Array, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length; r += k) {
    let b = 0;
    for (let j = 1; j < k; j++) if (x[r + j] > x[r + b]) b = j;
    out.push(b);
  }
  return out;
}

const MNIST_MODELS = ['tfe_mnist_cnn_avgpool', 'tf2onnx_fc_layers', 'moonflower_mnist_convnet_h5', 'moonflower_mnist_convnet_keras3', 'tfe_short_dnn_h5'];
const MNIST_N = 24;

describe('private prediction on the shared MNIST models (exact ReLU)', () => {
  const mnist = readMnist(MNIST_N);
  for (const name of MNIST_MODELS) {
    test(`${name}: ${MNIST_N} test images in one batch agree with tfjs on every argmax, within the derived bound`, async () => {
      const m = await deploy(name);
      const b = m.plan.inputs[0];
      const x: FloatTensor = { shape: [MNIST_N, ...b.shape.slice(1)], data: Float64Array.from(mnist.images) };
      const { err, priv, ref } = await compareWithTfjs(m, { [b.name]: x });
      assert.deepEqual(argmax(priv, 10), argmax(ref, 10));
      assert.ok(err <= m.tolerance, `largest difference ${err.toExponential(3)} exceeds the derived bound ${m.tolerance.toExponential(3)}`);
    });
  }
});

describe('private prediction on the other shared models', () => {
  const cases: { name: string; x: (shape: readonly number[]) => FloatTensor; want?: (x: FloatTensor) => number[] }[] = [
    { name: 'tf2onnx_regression_graphdef', x: () => ({ shape: [1], data: Float64Array.of(5) }), want: () => [2.1193342] },
    { name: 'tf2onnx_regression_savedmodel', x: () => ({ shape: [1], data: Float64Array.of(5) }), want: () => [2.1193342] },
    { name: 'tfserving_half_plus_two_cpu', x: () => ({ shape: [3, 1], data: Float64Array.of(1, 2, 5) }), want: (x) => Array.from(x.data, (v) => 0.5 * v + 2) },
    { name: 'tfserving_half_plus_two_tf2_cpu', x: () => ({ shape: [1], data: Float64Array.of(-3.5) }), want: (x) => Array.from(x.data, (v) => 0.5 * v + 2) },
    { name: 'tfjs_node_times_three_float', x: () => ({ shape: [], data: Float64Array.of(2.25) }), want: (x) => Array.from(x.data, (v) => 3 * v) },
    { name: 'tfjs_e2e_dense_graph_model', x: () => ({ shape: [4, 1], data: Float64Array.of(-2, 0, 0.5, 3) }) },
    { name: 'tfjs_e2e_matmul_graph_model', x: () => ({ shape: [2, 2], data: Float64Array.of(1, -2, 0.25, 4) }) },
    { name: 'tfe_2lfc', x: (s) => uniformTensor([1, ...s.slice(1)], 2) },
    { name: 'tfjs_examples_abalone_layers', x: (s) => uniformTensor([4, ...s.slice(1)], 1) },
    { name: 'arm_kws_cnn_s', x: (s) => uniformTensor([1, ...s.slice(1)], 40) },
  ];
  for (const c of cases) {
    test(`${c.name}: matches ${c.want ? 'its PROVENANCE value' : 'tfjs'} within the derived bound`, async () => {
      const m = await deploy(c.name);
      const b = m.plan.inputs[0];
      const x = c.x(b.shape);
      const inputs = { [b.name]: x };
      if (c.want) {
        const p = await m.deployment.predict(inputs);
        const got = finalValues(p.outputs[m.plan.outputs[0].name]);
        const want = c.want(x);
        // the provenance values are given to 8 significant digits
        want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= m.tolerance + 1e-7 * Math.abs(w), `${got[i]} vs ${w} (bound ${m.tolerance.toExponential(2)})`));
      } else {
        const { err } = await compareWithTfjs(m, inputs);
        assert.ok(err <= m.tolerance, `largest difference ${err.toExponential(3)} exceeds the derived bound ${m.tolerance.toExponential(3)}`);
      }
    });
  }
});

function uniformTensor(shape: number[], amp: number): FloatTensor {
  const n = shape.reduce((a, d) => a * d, 1);
  return { shape, data: Float64Array.from(uniformRing([n]).data, (v) => (Number(v >> 11n) / 2 ** 53 * 2 - 1) * amp) };
}
