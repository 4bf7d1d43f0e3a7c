/**
 * Party-view privacy of the FSS comparison (--compare fss; runtime/protocols/pond/fss):
 * zoo network B compiled with --compare fss at batch 1 (its max-pools, with the ReLUs
 * that follow them folded in, compare all pairs by 1-round DCF comparisons, then
 * multiply the winners' bits; so the views include the DCF keys both servers receive
 * as material, the openings of c = x + r and y - a, and the Beaver openings after), run R times per configuration on fresh local deployments with
 * every party's view recorded (views.ts), with the same tests as pond.test.ts: views
 * equal in distribution for two inputs and for two weight sets, at a total false-alarm
 * rate of 1e-6 per comparison (stats.ts).
 *
 * Mutants of the FSS material (mutants.ts mechanism) must be caught while computing
 * the right answer: the comparison mask r = 0 (c = x is opened) and the payload masks
 * a_j = 0 (y_j itself is opened).
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import type { Plan, Weights } from '../../src/plan/index.js';
import type { FloatTensor } from '../../runtime/party/executor.js';
import { readMnist } from '../support/mnist.js';
import { describeFinding, loadRuntime, negated, secretViews, views, withWeights, type Runtime, type SecretViews, mutantFindings } from './harness.js';
import { DIST, FSS_MUTANTS, mutantRoot } from './mutants.js';
import { compareViews } from './stats.js';

const RUNS = 8;
const ALPHA = 1e-6;

describe('party views under Pond with --compare fss (zoo network B: ReLUs folded into max-pools, all pairs)', () => {
  let c: CompileResult;
  let other: { plan: Plan; weights: Weights };
  let images: FloatTensor[];
  let realOutput: Float64Array<ArrayBufferLike> | undefined;
  const all = async (rt: Runtime): Promise<SecretViews> => secretViews(rt, c.plan, c.weights, other, [images[0], images[1]], RUNS);

  before(async () => {
    // batch fixed at 1: net B's keys at the largest batch a party accepts exceed the plan caps
    c = await compile(zooModelPath('B'), { inputRange: [0, 1], compare: 'fss', inputs: [{ name: 'conv1_input', shape: [1, 28, 28, 1] }] });
    assert.ok(c.plan.steps.some((s) => s.kernel === 'maxpool_s' && s.attrs.compare === 'fss' && s.attrs.relu === true), 'a max-pool with a folded ReLU compared by FSS');
    other = withWeights(c.plan, negated(c.weights), c.weights.manifest);
    const m = readMnist(2);
    const shape = [1, ...c.plan.inputs[0].shape.slice(1)];
    images = [0, 1].map((i) => ({ shape, data: Float64Array.from(m.images.subarray(i * 784, (i + 1) * 784)) }));
  });
  after(() => {
    for (const m of FSS_MUTANTS) rmSync(join(DIST, '.mutants', m.name), { recursive: true, force: true });
  });

  test('real code: every view has the same distribution for two inputs and for two weight sets', async () => {
    const v = await all(await loadRuntime(DIST));
    realOutput = v.output;
    const keys = [...v.inputA.keys()];
    assert.ok(keys.some((k) => k.includes('opened+')), 'the recording sees the openings');
    for (const [what, b] of [['inputs', v.inputB], ['weights', v.weightsB]] as const) {
      assert.deepEqual([...b.keys()].sort(), [...keys].sort(), `the same messages are exchanged for two ${what}`);
      const r = compareViews(v.inputA, b, ALPHA);
      assert.ok(r.tests > 4_000, `${r.tests} tests`); // fewer words than the exact comparison's views: ~5,000 bit tests or more
      assert.deepEqual(r.findings.slice(0, 5).map(describeFinding), [], `views differ for two ${what}`);
    }
  });

  for (const m of FSS_MUTANTS) {
    test(`mutant '${m.name}' (${m.breaks}) is caught`, async (t) => {
      const v = await all(await loadRuntime(mutantRoot(m)));
      realOutput ??= (await views(await loadRuntime(DIST), { plan: c.plan, weights: c.weights, input: images[0] }, 1)).output;
      const { byInputs, byWeights } = mutantFindings(m.name, v, realOutput, ALPHA);
      assert.ok(byInputs.length + byWeights.length > 0, `no test found the leak of mutant ${m.name}`);
      t.diagnostic(`${byInputs.length} failing bit tests for two inputs, ${byWeights.length} for two weight sets`);
    });
  }
});
