/**
 * The headroom bounds are sound on real data: for MNIST images (inside the declared
 * range [0, 1]), every value the float64 interpreter computes for a model node stays
 * within the bound the compiler gave the ring node of the same id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { evaluateGraph } from '../../src/ir/eval/evaluate.js';
import { readMnist } from '../support/mnist.js';
import { sharedModel } from '../support/paths.js';

for (const [name, file, shape] of [
  ['tfe_mnist_cnn_avgpool', 'mnist_model.pb', [20, 784]],
  ['moonflower_mnist_convnet_h5', 'mnist_model.h5', [20, 28, 28, 1]],
] as const) {
  test(`${name}: every node's values on 20 MNIST images lie within its headroom bound`, async () => {
    const r = await compile(sharedModel(name, file), { inputRange: [0, 1] });
    const tfIds = new Set(r.graph.nodes.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder').map((n) => n.id));
    const checked = r.ring.nodes.filter((n) => tfIds.has(n.id) && n.op !== 'output');
    assert.ok(checked.length >= 8);
    const x = Float64Array.from(readMnist(20).images);
    const values = evaluateGraph(r.graph, new Map([[r.graph.inputs[0], { shape: [...shape], data: x }]]), checked.map((n) => n.id));
    checked.forEach((n, i) => {
      let m = 0;
      for (const v of values[i].data) m = Math.max(m, Math.abs(v));
      assert.ok(m <= (n.bound as number) * (1 + 1e-9), `${n.id}: |value| ${m} exceeds its bound ${String(n.bound)}`);
    });
  });
}
