/**
 * Party-view privacy of Pond (issue 11): what each party sees does not depend on the
 * secrets it must not learn. Zoo network B (convolutions, max pooling, ReLU, dense
 * layers: every Pond randomness kind) runs R times per configuration on fresh local
 * deployments, every party recording what it sends and receives (views.ts):
 *
 *  - two inputs, same weights: every message and every opening has the same per-bit
 *    distribution under both (the servers, the dealer, the model owner and the client);
 *  - two weight sets, same input: the same;
 *  - every message and opening is uniform, bit by bit (bits constant in every sample
 *    excepted: structural, e.g. the padding of packed bits).
 * Each comparison has a false-alarm rate of at most 1e-6 (Hoeffding and a union bound
 * over all its tests, stats.ts), so a CI run of these tests raises a false alarm with
 * probability below 1e-5.
 *
 * The same tests run on mutants of the masking code (mutants.ts: the input mask, the
 * triple masks, the weight mask, the truncation mask, the comparison mask and the
 * select bit each set to zero) and must find a leak in every one: a test that still
 * passes with a mask removed would not be testing privacy.
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
import { DIST, mutantRoot, POND_MUTANTS } from './mutants.js';
import { compareViews } from './stats.js';
import { ViewRecorder } from './views.js';

/** Runs per configuration; per-bit samples per message = RUNS x up to 256 words. */
const RUNS = 8;
/** Total false-alarm rate of one comparison of two views. */
const ALPHA = 1e-6;



describe('party views under Pond (zoo network B)', () => {
  let c: CompileResult;
  let other: { plan: Plan; weights: Weights };
  let images: FloatTensor[];
  let realOutput: Float64Array<ArrayBufferLike> | undefined;
  const all = async (rt: Runtime): Promise<SecretViews> => secretViews(rt, c.plan, c.weights, other, [images[0], images[1]], RUNS);

  before(async () => {
    c = await compile(zooModelPath('B'), { inputRange: [0, 1] });
    other = withWeights(c.plan, negated(c.weights), c.weights.manifest);
    const m = readMnist(2);
    images = [0, 1].map((i) => ({ shape: [1, 28, 28, 1], data: Float64Array.from(m.images.subarray(i * 784, (i + 1) * 784)) }));
  });
  // only this file's mutants: the other privacy suites (fss, securenn) may be running theirs
  after(() => {
    for (const m of POND_MUTANTS) rmSync(join(DIST, '.mutants', m.name), { recursive: true, force: true });
  });

  test('the dealer and the model owner receive no data; the client receives only its output shares', async () => {
    const rt = await loadRuntime(DIST);
    const rec = new ViewRecorder();
    const d = await rt.executor.PlanDeployment.start(c.plan, c.weights, { links: rec.links(rt.links.memoryLinkPair) });
    await d.predict({ [c.plan.inputs[0].name]: images[0] });
    d.close();
    const reveals = new Set(c.plan.steps.flatMap((s, i) => (s.kernel === 'reveal' ? [i] : [])));
    assert.deepEqual(rec.received.filter((m) => m.to === 'dealer' || m.to === 'model-owner'), []);
    const toClient = rec.received.filter((m) => m.to === 'client');
    assert.ok(toClient.length >= 2);
    for (const m of toClient) assert.ok(reveals.has(m.step) && (m.from === 'server0' || m.from === 'server1'), `client received ${m.kind} from ${m.from} at step ${m.step}`);
    // and the servers do receive: the recording sees the protocol's traffic
    assert.ok(rec.received.filter((m) => m.to === 'server1' && m.kind === 'material').length > 0);
  });

  test('real code: every view has the same distribution for two inputs and for two weight sets, and is uniform', async () => {
    const v = await all(await loadRuntime(DIST));
    realOutput = v.output;
    const keys = [...v.inputA.keys()];
    assert.ok(keys.some((k) => k.includes('opened+')) && keys.some((k) => k.includes('opened^')) && keys.some((k) => k.startsWith('client<-')));
    for (const [what, b] of [['inputs', v.inputB], ['weights', v.weightsB]] as const) {
      assert.deepEqual([...b.keys()].sort(), [...keys].sort(), `the same messages are exchanged for two ${what}`);
      const r = compareViews(v.inputA, b, ALPHA);
      assert.ok(r.tests > 10_000, `${r.tests} tests`);
      assert.deepEqual(r.findings.slice(0, 5).map(describeFinding), [], `views differ for two ${what}`);
    }
  });

  for (const m of POND_MUTANTS) {
    test(`mutant '${m.name}' (${m.breaks}) is caught`, async (t) => {
      const v = await all(await loadRuntime(mutantRoot(m)));
      // the mutant still computes the right answer: only a test of what parties see can catch it
      realOutput ??= (await views(await loadRuntime(DIST), { plan: c.plan, weights: c.weights, input: images[0] }, 1)).output;
      const { byInputs, byWeights } = mutantFindings(m.name, v, realOutput, ALPHA);
      assert.ok(byInputs.length + byWeights.length > 0, `no test found the leak of mutant ${m.name}`);
      t.diagnostic(`${byInputs.length} failing bit tests for two inputs, ${byWeights.length} for two weight sets`);
    });
  }
});
