/**
 * Party-view privacy of served sessions (issue 14, runtime/party/served.ts): what each
 * shareholder sees when a prediction arrives as HPKE envelopes through the leader (the
 * intake with server1's sealed share, the online messages, the material, server1's sealed
 * responses in the outtake) does not depend on the client's input. Zoo network A, Pond and
 * securenn, R fresh in-memory deployments per input (fresh seeds, masks and keys), one
 * served batch each, every frame each party receives recorded (views.ts); the per-bit
 * views under two inputs must have the same distribution and be uniform (stats.ts:
 * Hoeffding + union bound, false-alarm rate 1e-6 per comparison).
 *
 * The two inputs are an MNIST image and its complement (1 - x), far apart in every word.
 * A negative control shows the test has the power to see a leak at this sample size: the
 * same comparison with the encoded input itself added to the views must find it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { encodeInputs, type FloatTensor } from '../../runtime/party/prediction-io.js';
import { requestHash, sealRequest } from '../../runtime/serve/envelope.js';
import { nodeSuite } from '../../runtime/serve/hpke-node.js';
import { rowWordsOf } from '../../runtime/serve/oip.js';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { readMnist } from '../support/mnist.js';
import { describeFinding, WORDS_PER_MESSAGE } from './harness.js';
import { compareViews, countBits, newCounts, type BitCounts } from './stats.js';
import { ViewRecorder } from './views.js';

const RUNS = 8;
const ALPHA = 1e-6;
const ROWS = 2;
const suite = nodeSuite();

/** One served batch (one request of ROWS rows) on a fresh deployment, every party's received frames summarised into `into`; returns the encoded input. */
async function servedRun(c: CompileResult, x: FloatTensor, into: Map<string, BitCounts>): Promise<BigUint64Array> {
  const plan = c.plan;
  const kps = new Map(await Promise.all(['server0', 'server1'].map(async (r) => [r, await suite.hpke.GenerateKeyPair(true)] as const)));
  const hpke = Object.fromEntries([...kps].map(([r, kp]) => [r, { privateKey: kp.privateKey, statement: { role: r, statement: `{"role":"${r}"}`, signature: 'AAAA', cert: 'cert' } }]));
  const rec = new ViewRecorder();
  const d = await LocalDeployment.start(plan, c.weights, { hpke, links: rec.links(memoryLinkPair) });
  try {
    const leader = d.computes[0];
    for (let t0 = performance.now(); !leader.readiness().ready;) {
      if (performance.now() - t0 > 10_000) throw new Error(JSON.stringify(leader.readiness()));
      await new Promise((r) => setTimeout(r, 2));
    }
    const { env } = encodeInputs(plan, { [plan.inputs[0].name]: x });
    const value = env.get(plan.inputs[0].tensor);
    assert.ok(value?.kind === 'public' && value.value);
    const words = value.value.data;
    const r0 = new BigUint64Array(Uint8Array.from(randomBytes(words.length * 8)).buffer);
    const r1 = words.map((w, i) => BigInt.asUintN(64, w - r0[i]));
    const aad = await requestHash({ model: 'A', plan_id: plan.planId, rows: ROWS, inputs: [{ name: plan.inputs[0].name, shape: [ROWS, 28, 28, 1] }] });
    const pk1 = kps.get('server1')?.privateKey.publicRaw as Uint8Array;
    const sealed = await sealRequest(suite, { publicKey: pk1, planId: plan.planId, role: 'server1', aad, rows: ROWS, rowWords: rowWordsOf(plan.inputs), words: r1 });
    const o = await leader.serve({ requests: [{ rows: ROWS, own: r0, aad, sealed: new Map([['server1', sealed.envelope]]) }], padTo: ROWS });
    assert.ok(o.results[0].sealed.get('server1') instanceof Uint8Array);
    await d.computes[1].idle();
    return words;
  } finally {
    d.close();
    rec.summarise(into, WORDS_PER_MESSAGE);
  }
}

for (const protocol of ['pond', 'securenn']) {
  describe(`served-session views under ${protocol} (zoo network A)`, () => {
    let c: CompileResult;
    let inputs: [FloatTensor, FloatTensor];
    before(async () => {
      c = await compile(zooModelPath('A'), { inputRange: [0, 1], protocol });
      const m = readMnist(ROWS);
      const a = Float64Array.from(m.images.subarray(0, ROWS * 784));
      inputs = [{ shape: [ROWS, 28, 28, 1], data: a }, { shape: [ROWS, 28, 28, 1], data: a.map((v) => 1 - v) }];
    });

    test('every shareholder\'s view has the same distribution for two inputs and is uniform; the control with the input added is caught', async () => {
      const views = [new Map<string, BitCounts>(), new Map<string, BitCounts>()];
      const clear = [newCounts(), newCounts()];
      for (let run = 0; run < RUNS; run++) {
        for (const k of [0, 1]) countBits(clear[k], await servedRun(c, inputs[k], views[k]), WORDS_PER_MESSAGE);
      }
      const keys = [...views[0].keys()];
      // the recording sees server1's intake (the step after the plan's last) and the leader the outtake
      const intake = c.plan.steps.length;
      assert.ok(keys.some((k) => k.startsWith('server1<-server0 data') && k.includes(`step ${intake} `)), keys.join('\n'));
      assert.ok(keys.some((k) => k.startsWith('server0<-server1 data') && k.includes(`step ${intake + 1} `)));
      assert.deepEqual(keys.filter((k) => k.startsWith('client')), [], 'the client takes no part in a served session');
      assert.deepEqual([...views[1].keys()].sort(), [...keys].sort(), 'the same messages are exchanged for two inputs');
      const r = compareViews(views[0], views[1], ALPHA);
      assert.ok(r.tests > 1000, `${r.tests} tests`);
      assert.deepEqual(r.findings.slice(0, 5).map(describeFinding), [], 'views differ for two inputs');
      // negative control: had a party seen the input itself, the same test finds it
      const leaky = views.map((v, k) => new Map([...v, ['control: the encoded input', clear[k]]]));
      const control = compareViews(leaky[0], leaky[1], ALPHA);
      assert.ok(control.findings.some((f) => f.key === 'control: the encoded input'), 'the control leak was not found');
    });
  });
}
