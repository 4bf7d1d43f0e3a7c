/**
 * Party-view privacy of securenn with `--compare fss`: zoo network B at batch 1, its
 * max-pools (ReLUs folded in) and its dense ReLU compared by DCF keys that the helper
 * server2 makes (Boyle et al., EUROCRYPT 2021, sec. 3; runtime/protocols/pond/fss). Here
 * server0 does receive material from the helper (the keys' correction words, public to
 * both share-holders), so the share checks (shares.ts) carry the weight the "server0
 * receives no material" rule carries in securenn.test.ts: every material frame server0
 * receives is one server1 receives too, no word of one share-holder's shares (the DCF
 * root seeds included) is in the other's view, none is drawn twice, and each material
 * frame combined with each same-length draw of its receiver is uniform, bit by bit.
 *
 * The same structure and per-bit statistics as securenn.test.ts; the FSS material
 * mutants (comparison mask, payload masks) with the full statistics; securenn's seed
 * mutants (one seed for both share-holders, the zero seed for server1) with the share
 * checks only (the per-bit tests do not see them, securenn.test.ts shows it, and three
 * FSS views per configuration cost ~40 s on this machine). The helper-leaks mutants
 * are not run here: their extra frames to server0 would be read as the keys' public
 * words, so those deployments fail rather than leak.
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
import { DIST, FSS_MUTANTS, mutantRoot, SECURENN_MUTANTS, type Mutant } from './mutants.js';
import { inspect } from './securenn-checks.js';
import { compareViews } from './stats.js';

const RUNS = 8;
const ALPHA = 1e-6;
/** Deployments per input whose share-holders' draws are compared (across deployments too). */
const DRAW_RUNS = 2;

const STATISTICAL: readonly Mutant[] = FSS_MUTANTS.map((m) => ({ ...m, name: `sn-${m.name}` }));
const SEEDS: readonly Mutant[] = SECURENN_MUTANTS.filter((m) => !m.name.startsWith('sn-helper-leaks-')).map((m) => ({ ...m, name: `${m.name}-fss` }));

describe('party views under securenn with --compare fss (zoo network B, batch 1; DCF keys from server2)', () => {
  let c: CompileResult;
  let other: { plan: Plan; weights: Weights };
  let images: FloatTensor[];
  let realOutput: Float64Array<ArrayBufferLike> | undefined;
  const all = async (rt: Runtime): Promise<SecretViews> => secretViews(rt, c.plan, c.weights, other, [images[0], images[1]], RUNS);
  const config = (): { plan: Plan; weights: Weights; input: FloatTensor } => ({ plan: c.plan, weights: c.weights, input: images[0] });

  before(async () => {
    // batch fixed at 1: net B's keys at the largest batch a party accepts exceed the plan caps (as in fss.test.ts)
    c = await compile(zooModelPath('B'), { inputRange: [0, 1], protocol: 'securenn', compare: 'fss', inputs: [{ name: 'conv1_input', shape: [1, 28, 28, 1] }] });
    assert.equal(c.plan.protocol, 'securenn');
    assert.ok(c.plan.steps.some((s) => s.kernel === 'maxpool_s' && s.attrs.compare === 'fss'), 'a max-pool compared by FSS');
    other = withWeights(c.plan, negated(c.weights), c.weights.manifest);
    const m = readMnist(2);
    images = [0, 1].map((i) => ({ shape: [1, 28, 28, 1], data: Float64Array.from(m.images.subarray(i * 784, (i + 1) * 784)) }));
  });
  after(() => {
    for (const m of [...STATISTICAL, ...SEEDS]) rmSync(join(DIST, '.mutants', m.name), { recursive: true, force: true });
  });

  test("real code: server2 receives only make/consume; no share-holder's material share is in the other's view or drawn twice", async (t) => {
    const r = await inspect(await loadRuntime(DIST), c, [images[0], images[1]], DRAW_RUNS);
    t.diagnostic(`${r.draws} draws of the share-holders in ${2 * DRAW_RUNS} deployments; ${r.joint.tests} joint-view bit tests, ${r.joint.failing} failing`);
    assert.ok(r.draws > 100 * DRAW_RUNS, `${r.draws} draws recorded`);
    assert.deepEqual(r.structural, []);
    assert.deepEqual(r.cross, { server0: 0, server1: 0 });
    assert.equal(r.reused, 0);
    assert.ok(r.joint.tests > 5_000, `${r.joint.tests} joint-view bit tests`); // ~11,000: the keys' public words and server1's corrections, each with the same-length draws
    assert.equal(r.joint.failing, 0);
  });

  test('real code: every view has the same distribution for two inputs and for two weight sets, and is uniform', async (t) => {
    const v = await all(await loadRuntime(DIST));
    realOutput = v.output;
    const keys = [...v.inputA.keys()];
    assert.ok(keys.some((k) => k.includes('opened+')), 'the recording sees the openings');
    assert.ok(keys.some((k) => k.startsWith('server0<-server2 material')), "server0 receives the keys' public words from the helper");
    assert.ok(!keys.some((k) => k.startsWith('server2<-')), 'server2 receives no data or material');
    for (const [what, b] of [['inputs', v.inputB], ['weights', v.weightsB]] as const) {
      assert.deepEqual([...b.keys()].sort(), [...keys].sort(), `the same messages are exchanged for two ${what}`);
      const r = compareViews(v.inputA, b, ALPHA);
      assert.ok(r.tests > 4_000, `${r.tests} tests`);
      assert.deepEqual(r.findings.slice(0, 5).map(describeFinding), [], `views differ for two ${what}`);
      t.diagnostic(`two ${what}: ${r.tests} bit tests, ${r.findings.length} failing`);
    }
  });

  for (const m of STATISTICAL) {
    test(`mutant '${m.name}' (${m.breaks}) is caught`, async (t) => {
      const rt = await loadRuntime(mutantRoot(m));
      const v = await all(rt);
      realOutput ??= (await views(await loadRuntime(DIST), config(), 1)).output;
      const { byInputs, byWeights } = mutantFindings(m.name, v, realOutput, ALPHA);
      t.diagnostic(`${byInputs.length} failing bit tests for two inputs, ${byWeights.length} for two weight sets`);
      assert.ok(byInputs.length + byWeights.length > 0, `no test found the leak of mutant ${m.name}`);
    });
  }

  for (const m of SEEDS) {
    test(`mutant '${m.name}' (${m.breaks}) is caught by the share checks`, async (t) => {
      const rt = await loadRuntime(mutantRoot(m));
      realOutput ??= (await views(await loadRuntime(DIST), config(), 1)).output;
      const out = (await views(rt, config(), 1)).output;
      for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - realOutput[i]) < 1e-3, `mutant ${m.name} output ${i}`);
      const r = await inspect(rt, c, [images[0], images[1]], DRAW_RUNS);
      t.diagnostic(`${r.structural.length} structural findings; ${r.cross.server1} words of server1's shares in server0's view, ${r.cross.server0} of server0's in server1's; ${r.reused} words drawn twice (${2 * DRAW_RUNS} deployments); ${r.joint.failing} failing joint-view bit tests of ${r.joint.tests}`);
      assert.ok(r.structural.length + r.cross.server0 + r.cross.server1 + r.reused + r.joint.failing > 0, `no test found the leak of mutant ${m.name}`);
    });
  }
});
