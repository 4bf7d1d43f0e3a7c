/**
 * Numeric check of the compiler's fixed-point decisions on the MNIST models, without
 * the MPC runtime: each plan runs in the plaintext ring simulator (reference kernel
 * semantics) on real MNIST test images, and its decoded logits are compared with the
 * float64 IR interpreter: the argmax must agree on every image, and the max logit
 * error must stay within the worst-case bound derived from the fractional bits and
 * the weights (error-bound.ts). That bound is loose (it takes the headroom bounds of
 * every activation, and worst-case signs), so the test also holds the error to
 * TIGHT_ULPS ulps of the output scale's f (2^-16): a few truncations of 1 ulp each,
 * amplified by the L1 norms of the layers after them (10-50 for these models), with
 * weight-encoding errors adding like a random walk. Measured: 5e-4 to 8e-4, i.e.
 * 35-52 ulps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { evaluateGraph } from '../../src/ir/eval/evaluate.js';
import { readMnist } from '../support/mnist.js';
import { sharedModel } from '../support/paths.js';
import { errorBounds } from './error-bound.js';
import { simulatePlan } from './ring-sim.js';

const IMAGES = 50;
/** Tolerance in units of 2^-fracBits (see the top comment). */
const TIGHT_ULPS = 128;

const MODELS: readonly { name: string; path: string[]; shape: (n: number) => number[] }[] = [
  { name: 'tfe_mnist_cnn_avgpool', path: ['tfe_mnist_cnn_avgpool', 'mnist_model.pb'], shape: (n) => [n, 784] },
  { name: 'tf2onnx_fc_layers', path: ['tf2onnx_fc_layers', 'frozen.pb'], shape: (n) => [n, 784] },
  { name: 'moonflower_mnist_convnet_h5', path: ['moonflower_mnist_convnet_h5', 'mnist_model.h5'], shape: (n) => [n, 28, 28, 1] },
  { name: 'tfe_short_dnn_h5', path: ['tfe_short_dnn_h5', 'short-dnn.h5'], shape: (n) => [n, 28, 28, 1] },
];

function argmaxRows(d: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.length / k; i++) {
    let b = 0;
    for (let j = 1; j < k; j++) if (d[i * k + j] > d[i * k + b]) b = j;
    out.push(b);
  }
  return out;
}

for (const m of MODELS) {
  test(`${m.name}: plan in the ring simulator agrees with the float64 interpreter on ${IMAGES} MNIST images`, async () => {
    const r = await compile(sharedModel(...m.path), { inputRange: [0, 1] });
    const mn = readMnist(IMAGES);
    const x = Float64Array.from(mn.images);
    const inName = r.plan.inputs[0].name;
    const got = await simulatePlan(r.plan, r.weights, { [inName]: { shape: m.shape(IMAGES), data: x } });
    const out = r.plan.outputs[0];
    // the float reference: the graph's output, or the softmax's input when the client applies the softmax
    const g = r.graph;
    const o = g.outputs[0];
    const on = g.nodes.find((n) => n.id === o);
    const logitsId = on?.op === 'Softmax' ? on.inputs[0] : o;
    const [want] = evaluateGraph(g, new Map([[g.inputs[0], { shape: m.shape(IMAGES), data: x }]]), [logitsId]);
    const k = want.shape[want.shape.length - 1];
    const a = got[out.name].data;
    let maxErr = 0;
    for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i] - want.data[i]));
    const bound = errorBounds(r.ring).get(r.ring.nodes[r.ring.nodes.length - 1].id) as number;
    const agree = argmaxRows(a, k).filter((c, i) => c === argmaxRows(want.data, k)[i]).length;
    console.log(`# ${m.name}: argmax agreement ${agree}/${IMAGES}, max logit error ${maxErr.toExponential(2)} (derived bound ${bound.toExponential(2)})`);
    assert.equal(agree, IMAGES);
    assert.ok(maxErr <= bound, `max error ${maxErr} exceeds the derived bound ${bound}`);
    assert.ok(maxErr <= TIGHT_ULPS * 2 ** -r.plan.fracBits, `max error ${maxErr} exceeds ${TIGHT_ULPS} ulps`);
  });
}
