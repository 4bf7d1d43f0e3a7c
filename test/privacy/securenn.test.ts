/**
 * Party-view privacy of securenn (issue 13): server0 and server1 hold the shares,
 * server2 is SecureNN's helper that holds none and makes the correlated randomness
 * (src/protocols/securenn.ts). Zoo network B compiled with `--protocol securenn`
 * (convolutions, max pooling, ReLU, dense layers: every kind of helper material) runs
 * on fresh local deployments, every party recording what it sends and receives:
 *
 *  - structure: server2 receives no data and no material frame, only control messages
 *    (make, consume): nothing derived from a share ever reaches it, and no opening of
 *    server0 or server1 is sent to it (a plan revealing an output to it is refused);
 *    server0 receives no material (this plan has no FSS key, so all its shares come
 *    from its seed); the model owner receives no data; the client receives only its
 *    output shares, from server0 and server1;
 *  - statistics (as pond.test.ts): every party's messages and openings have the same
 *    per-bit distribution for two inputs and for two weight sets, and are uniform, at a
 *    total false-alarm rate of 1e-6 per comparison (stats.ts);
 *  - the share-holders' own material (shares.ts): no word of one share-holder's mask
 *    shares is in the other's view, none is ever drawn twice, and each material frame a
 *    share-holder receives, combined with each of its own draws of the same length
 *    (sum, XOR), is uniform and the same for two inputs, bit by bit (its joint view).
 *
 * Mutants (mutants.ts) must each be caught while computing the right answer: Pond's
 * zero-mask mutants (they patch the kernel and material files securenn shares with
 * Pond) and securenn's own (the helper leaks server1's corrections, or the values
 * themselves, to server0; gives both the same seed; or gives server1 the zero seed). A mutant no test catches means
 * the tests are too weak.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import { planDigest, type Plan, type Weights } from '../../src/plan/index.js';
import type { FloatTensor } from '../../runtime/party/executor.js';
import { readMnist } from '../support/mnist.js';
import { describeFinding, loadRuntime, negated, secretViews, views, withWeights, type Runtime, type SecretViews, mutantFindings } from './harness.js';
import { DIST, mutantRoot, POND_MUTANTS, SECURENN_MUTANTS, type Mutant } from './mutants.js';
import { inspect, structuralFindings } from './securenn-checks.js';
import { compareViews } from './stats.js';
import { TrafficLog } from './traffic.js';
import { ViewRecorder } from './views.js';

/** Runs per configuration; per-bit samples per message = RUNS x up to 256 words. */
const RUNS = 8;
/** Total false-alarm rate of one comparison of two views. */
const ALPHA = 1e-6;
/** Deployments per input whose share-holders' draws are compared (across deployments too). */
const DRAW_RUNS = 2;

/** Pond's zero-mask mutants under their own directory names (pond.test.ts may run at the same time). */
const MUTANTS: readonly Mutant[] = [...POND_MUTANTS.map((m) => ({ ...m, name: `sn-${m.name}` })), ...SECURENN_MUTANTS];

describe('party views under securenn (zoo network B; server2 the helper)', () => {
  let c: CompileResult;
  let other: { plan: Plan; weights: Weights };
  let images: FloatTensor[];
  let realOutput: Float64Array<ArrayBufferLike> | undefined;
  const all = async (rt: Runtime): Promise<SecretViews> => secretViews(rt, c.plan, c.weights, other, [images[0], images[1]], RUNS);

  before(async () => {
    c = await compile(zooModelPath('B'), { inputRange: [0, 1], protocol: 'securenn' });
    assert.deepEqual(c.plan.roles.map((r) => `${r.name}:${r.kind}`).sort(), ['client:input', 'model-owner:input', 'server0:compute', 'server1:compute', 'server2:compute']);
    other = withWeights(c.plan, negated(c.weights), c.weights.manifest);
    const m = readMnist(2);
    images = [0, 1].map((i) => ({ shape: [1, 28, 28, 1], data: Float64Array.from(m.images.subarray(i * 784, (i + 1) * 784)) }));
  });
  after(() => {
    for (const m of MUTANTS) rmSync(join(DIST, '.mutants', m.name), { recursive: true, force: true });
  });

  test('server2 receives no data or material, only make/consume; no opening is sent to it; the owner receives no data; the client only its output shares', async () => {
    const rt = await loadRuntime(DIST);
    const rec = new ViewRecorder();
    const log = new TrafficLog();
    const d = await rt.executor.PlanDeployment.start(c.plan, c.weights, { links: rec.links(log.links(rt.links.memoryLinkPair)) });
    try {
      await d.predict({ [c.plan.inputs[0].name]: images[0] });
    } finally {
      d.close();
    }
    assert.deepEqual(structuralFindings(c.plan, log, rec), []);
    // the log sees the protocol's traffic: the helper's seeds and material, the servers' openings, the client's output shares
    const count = (p: (x: (typeof log.received)[number]) => boolean): number => log.received.filter(p).length;
    assert.ok(count((x) => x.from === 'server2' && x.to === 'server0' && x.control === 'seed') > 0, 'server0 receives its seed from server2');
    assert.ok(count((x) => x.from === 'server2' && x.to === 'server1' && x.kind === 'material') > 0, 'server1 receives corrections from server2');
    assert.ok(count((x) => x.to === 'server2' && x.control === 'make') > 0, 'server2 is asked for bundles');
    assert.ok(count((x) => x.from === 'server0' && x.to === 'server1' && x.kind === 'data') > 0);
    assert.ok(count((x) => x.to === 'client' && x.kind === 'data') >= 2);
  });

  test('a plan that reveals an output to server2 is refused before any frame is sent (E_POLICY), by the reveal kernel and by the output binding', async () => {
    const rt = await loadRuntime(DIST);
    const at = c.plan.steps.findIndex((s) => s.kernel === 'reveal');
    assert.ok(at >= 0);
    const steps = c.plan.steps.map((s, i) => (i === at ? { ...s, attrs: { ...s.attrs, to: 'server2' } } : s));
    for (const outputs of [c.plan.outputs, c.plan.outputs.map((o) => ({ ...o, receiver: 'server2' }))]) {
      const { planId: _id, ...rest } = { ...c.plan, steps, outputs };
      const planId = planDigest(rest);
      const log = new TrafficLog();
      await assert.rejects(
        rt.executor.PlanDeployment.start({ ...rest, planId }, { ...c.weights, manifest: { ...c.weights.manifest, planId } }, { links: log.links(rt.links.memoryLinkPair) }),
        (e: unknown) => e instanceof TfeError && e.code === 'E_POLICY' && /server2/.test(e.message),
      );
      assert.deepEqual(log.received, []);
    }
  });

  test("real code: no word of a share-holder's material shares is in the other's view or drawn twice", async (t) => {
    const r = await inspect(await loadRuntime(DIST), c, [images[0], images[1]], DRAW_RUNS);
    t.diagnostic(`${r.draws} draws of the share-holders in ${2 * DRAW_RUNS} deployments; ${r.joint.tests} joint-view bit tests, ${r.joint.failing} failing`);
    assert.ok(r.draws > 200 * DRAW_RUNS, `${r.draws} draws recorded`);
    assert.deepEqual(r.structural, []);
    assert.deepEqual(r.cross, { server0: 0, server1: 0 });
    assert.equal(r.reused, 0);
    assert.ok(r.joint.tests > 10_000, `${r.joint.tests} joint-view bit tests`);
    assert.equal(r.joint.failing, 0);
  });

  test('real code: every view has the same distribution for two inputs and for two weight sets, and is uniform', async (t) => {
    const v = await all(await loadRuntime(DIST));
    realOutput = v.output;
    const keys = [...v.inputA.keys()];
    assert.ok(keys.some((k) => k.includes('opened+')) && keys.some((k) => k.includes('opened^')) && keys.some((k) => k.startsWith('client<-')));
    assert.ok(keys.some((k) => k.startsWith('server1<-server2 material')), "server1's corrections from the helper are in the views");
    assert.ok(!keys.some((k) => k.startsWith('server2<-')), 'server2 receives no data or material');
    for (const [what, b] of [['inputs', v.inputB], ['weights', v.weightsB]] as const) {
      assert.deepEqual([...b.keys()].sort(), [...keys].sort(), `the same messages are exchanged for two ${what}`);
      const r = compareViews(v.inputA, b, ALPHA);
      assert.ok(r.tests > 10_000, `${r.tests} tests`);
      assert.deepEqual(r.findings.slice(0, 5).map(describeFinding), [], `views differ for two ${what}`);
      t.diagnostic(`two ${what}: ${r.tests} bit tests, ${r.findings.length} failing`);
    }
  });

  for (const m of MUTANTS) {
    test(`mutant '${m.name}' (${m.breaks}) is caught`, async (t) => {
      const rt = await loadRuntime(mutantRoot(m));
      const v = await all(rt);
      // the mutant still computes the right answer: only a test of what parties see can catch it
      realOutput ??= (await views(await loadRuntime(DIST), { plan: c.plan, weights: c.weights, input: images[0] }, 1)).output;
      const { byInputs, byWeights } = mutantFindings(m.name, v, realOutput, ALPHA);
      const r = await inspect(rt, c, [images[0], images[1]], DRAW_RUNS);
      const caught = byInputs.length + byWeights.length + r.structural.length + r.cross.server0 + r.cross.server1 + r.reused + r.joint.failing;
      t.diagnostic(`${byInputs.length} failing bit tests for two inputs, ${byWeights.length} for two weight sets; ${r.structural.length} structural findings; ${r.cross.server1} words of server1's shares in server0's view, ${r.cross.server0} of server0's in server1's; ${r.reused} words drawn twice (${2 * DRAW_RUNS} deployments); ${r.joint.failing} failing joint-view bit tests of ${r.joint.tests}`);
      assert.ok(caught > 0, `no test found the leak of mutant ${m.name}`);
    });
  }

  test("mutant 'sn-helper-zero-seed' only matters in securenn: under Pond (whose material role is the dealer, no server) the same checks find nothing", async () => {
    const zero = SECURENN_MUTANTS.find((m) => m.name === 'sn-helper-zero-seed') as Mutant;
    const pond = await compile(zooModelPath('B'), { inputRange: [0, 1] });
    assert.equal(pond.plan.protocol, 'pond');
    const r = await inspect(await loadRuntime(mutantRoot(zero)), pond, [images[0], images[1]], DRAW_RUNS);
    assert.ok(r.draws > 200 * DRAW_RUNS, `${r.draws} draws recorded`);
    assert.deepEqual({ ...r, draws: 0, joint: r.joint.failing }, { structural: [], cross: { server0: 0, server1: 0 }, reused: 0, draws: 0, joint: 0 });
  });
});
