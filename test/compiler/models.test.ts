/**
 * Every shared model compiles to a valid plan and weights with its documented
 * options; the headroom check stops a model whose values could overflow the ring
 * (huge input range, or too many fractional bits) with E_RANGE naming the layer and
 * the fix; unsupported nodes are reported all at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { TfeError } from '../../src/errors.js';
import { checkWeights, parsePlan } from '../../src/plan/index.js';
import { constF, graph, node } from '../ir/fixtures.js';
import { sharedModel } from '../support/paths.js';
import { SHARED_MODEL_CASES } from './shared-models.js';

for (const m of SHARED_MODEL_CASES) {
  test(`${m.name} compiles to a valid plan and weights`, async () => {
    const r = await compile(sharedModel(...m.path), m.options);
    parsePlan(JSON.parse(JSON.stringify(r.plan)));
    checkWeights(r.plan, r.weights);
    assert.ok(r.plan.steps.length >= 3);
    assert.equal(r.plan.outputs.length, 1);
  });
}

function rangeError(e: unknown, layer: RegExp): boolean {
  assert.ok(e instanceof TfeError);
  assert.equal(e.code, 'E_RANGE');
  assert.match(e.message, layer);
  assert.match(e.hint ?? '', /--frac-bits \d+.*--input-range/);
  return true;
}

test('headroom: a huge input range stops at the first layer that could overflow', async () => {
  await assert.rejects(compile(sharedModel('tfe_mnist_cnn_avgpool', 'mnist_model.pb'), { inputRange: [-1e6, 1e6] }), (e) => rangeError(e, /layer "(conv|fc)\d\//));
});

test('headroom: too many fractional bits for the bounds', async () => {
  await assert.rejects(compile(sharedModel('tf2onnx_fc_layers', 'frozen.pb'), { fracBits: 28 }), (e) => rangeError(e, /layer "/));
});

test('unsupported nodes are listed all at once, each with its op', async () => {
  const g = graph([
    node('x', 'Placeholder', [], {}, [-1, 4]),
    node('sm', 'Softmax', ['x']),
    constF('w', [4, 4], Array.from({ length: 16 }, (_, i) => i / 16)),
    node('mm', 'MatMul', ['sm', 'w'], { transpose_a: false, transpose_b: false }),
    node('mx', 'Maximum', ['mm', 'x']),
    node('y', 'Relu', ['mx']),
  ], ['x'], ['y'], 'fixture:unsupported');
  await assert.rejects(compile(g), (e) => {
    assert.ok(e instanceof TfeError);
    assert.equal(e.code, 'E_UNSUPPORTED');
    assert.match(e.message, /2 node\(s\)/);
    assert.match(e.message, /sm \(Softmax\)/);
    assert.match(e.message, /mx \(Maximum\)/);
    return true;
  });
});

test('bad options are E_ARG', async () => {
  await assert.rejects(compile(sharedModel('tfe_2lfc', '2lfc.pb'), { fracBits: 40 }), /frac-bits/);
  await assert.rejects(compile(sharedModel('tfe_2lfc', '2lfc.pb'), { inputRange: [1, -1] }), /not an interval/);
});
