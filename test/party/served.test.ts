/**
 * Served sessions (issue 14, runtime/party/served.ts) on an in-memory deployment of zoo
 * network A, under Pond and securenn with the same code: a served batch of three requests
 * (rows 1, 2, 1, padded to 4) whose envelopes a client sealed with HPKE gives, once both
 * responses are opened and the shares added, the outputs of an ordinary client session
 * per request (tolerance 1e-3: truncation is exact to one unit in the last place with random
 * carries, as test/party/local.test.ts); a tampered or wrong-length envelope for server1
 * fails only its request; readiness before and after the setup; the shareholders' key
 * statements in order; prewarm fills the leader's pool; a client session runs alongside.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { decode } from '../../src/fixed/index.js';
import type { ComputeParty } from '../../runtime/party/compute.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { decodeOutputs, encodeInputs, type FloatTensor } from '../../runtime/party/prediction-io.js';
import type { ServedRequest, SignedKeyStatement } from '../../runtime/party/served-types.js';
import { weightEnv } from '../../runtime/party/weights-env.js';
import { openResponse, openRequest, requestHash, sealRequest, sealResponse, type ResponseKey } from '../../runtime/serve/envelope.js';
import { nodeSuite, type NodeX25519Key } from '../../runtime/serve/hpke-node.js';
import { rowWordsOf } from '../../runtime/serve/oip.js';
import type { KeyPair } from 'hpke';
import { testBackend } from '../support/backend.js';
import { readMnist } from '../support/mnist.js';

const suite = nodeSuite();
const HOLDERS = ['server0', 'server1'] as const;

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function maxDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** A statement the party treats as opaque (keys.ts of the service makes and checks real ones). */
function statementFor(role: string, kp: KeyPair<NodeX25519Key>): SignedKeyStatement {
  return { role, statement: JSON.stringify({ format: 'tfe-hpke-key', role, publicKey: Buffer.from(kp.privateKey.publicRaw).toString('base64url') }), signature: Buffer.from(`sig-${role}`).toString('base64'), cert: `cert of ${role}` };
}

/** What a client keeps of one request: its input, and the response key of each shareholder. */
interface ClientRequest {
  readonly x: FloatTensor;
  readonly rows: number;
  readonly keys: Map<string, ResponseKey>;
  readonly served: ServedRequest;
}

for (const protocol of ['pond', 'securenn']) {
  describe(`served sessions, ${protocol}, zoo network A`, () => {
    let c: CompileResult;
    let d: LocalDeployment;
    let leader: ComputeParty;
    const keys = new Map<string, KeyPair<NodeX25519Key>>();
    const statements = new Map<string, SignedKeyStatement>();
    const images = readMnist(8).images;
    const image = (from: number, rows: number): FloatTensor => ({ shape: [rows, 28, 28, 1], data: Float64Array.from(images.subarray(from * 784, (from + rows) * 784)) });

    before(async () => {
      c = await compile(zooModelPath('A'), { inputRange: [0, 1], protocol });
      for (const r of HOLDERS) {
        const kp = await suite.hpke.GenerateKeyPair(true);
        keys.set(r, kp);
        statements.set(r, statementFor(r, kp));
      }
      const hpke = Object.fromEntries(HOLDERS.map((r) => [r, { privateKey: (keys.get(r) as KeyPair<NodeX25519Key>).privateKey, statement: statements.get(r) as SignedKeyStatement }]));
      d = await LocalDeployment.start(c.plan, c.weights, { ring: testBackend(), skipSetup: true, hpke, receiveTimeoutMs: 60_000 });
      leader = d.computes[0];
    });
    after(() => d.close());

    /** Seals a request as a client does (both shareholders' envelopes) and opens server0's as the leader's service does. */
    async function request(x: FloatTensor, tamper?: (env: Uint8Array) => Uint8Array): Promise<ClientRequest> {
      const plan = c.plan;
      const rows = x.shape[0];
      const { env } = encodeInputs(plan, { [plan.inputs[0].name]: x });
      const value = env.get(plan.inputs[0].tensor);
      assert.ok(value?.kind === 'public' && value.value);
      const words = value.value.data;
      const r0 = new BigUint64Array(Uint8Array.from(randomBytes(words.length * 8)).buffer);
      const r1 = words.map((w, i) => BigInt.asUintN(64, w - r0[i]));
      const aad = await requestHash({ model: 'A', plan_id: plan.planId, rows, inputs: [{ name: plan.inputs[0].name, shape: [rows, 28, 28, 1] }] });
      const rowWords = rowWordsOf(plan.inputs);
      const responseKeys = new Map<string, ResponseKey>();
      const envelopes = new Map<string, Uint8Array>();
      for (const [role, share] of [['server0', r0], ['server1', r1]] as const) {
        const s = await sealRequest(suite, { publicKey: (keys.get(role) as KeyPair<NodeX25519Key>).privateKey.publicRaw, planId: plan.planId, role, aad, rows, rowWords, words: share });
        responseKeys.set(role, s.response);
        envelopes.set(role, s.envelope);
      }
      const own = await openRequest(suite, (keys.get('server0') as KeyPair<NodeX25519Key>).privateKey, { rows, rowWords, planId: plan.planId, role: 'server0', aad }, envelopes.get('server0') as Uint8Array);
      const e1 = envelopes.get('server1') as Uint8Array;
      return {
        x, rows, keys: new Map([...responseKeys, ['server0-server', own.response]]),
        served: { rows, own: own.words, aad, sealed: new Map([['server1', tamper ? tamper(e1) : e1]]) },
      };
    }

    /** The client's decoded output from both responses (the leader's sealed by the service, here by the test). */
    async function clientOutput(q: ClientRequest, own: BigUint64Array, sealed1: Uint8Array): Promise<Float64Array> {
      const outRowWords = rowWordsOf(c.plan.outputs);
      const layout = { rows: q.rows, rowWords: outRowWords };
      const wire0 = await sealResponse(suite, q.keys.get('server0-server') as ResponseKey, layout, own);
      const a = await openResponse(suite, q.keys.get('server0') as ResponseKey, layout, wire0);
      const b = await openResponse(suite, q.keys.get('server1') as ResponseKey, layout, sealed1);
      return decode(a.map((w, i) => BigInt.asUintN(64, w + b[i])), c.plan.outputs[0].scale);
    }

    /** The ordinary client session's output for the same input. */
    async function reference(x: FloatTensor): Promise<Float64Array> {
      const { env, batch } = encodeInputs(c.plan, { [c.plan.inputs[0].name]: x });
      const r = await d.session('client', 'predict', batch, env);
      return decodeOutputs(c.plan, 'client', r.env)[c.plan.outputs[0].name].data;
    }

    test('readiness before the setup names the weights; key statements arrive in shareholder order', async () => {
      const r = leader.readiness();
      assert.equal(r.ready, false);
      assert.match(r.ready ? '' : r.reason, /weights are not shared/);
      await until(() => leader.keyStatements().length === 2, 10_000, 'the key statements');
      assert.deepEqual(leader.keyStatements(), [statements.get('server0'), statements.get('server1')]);
      assert.deepEqual(d.computes[1].keyStatements(), [], 'a non-leader collects no statements');
      assert.equal(d.computes[1].readiness().ready, false);
      await assert.rejects(leader.serve({ requests: [], padTo: 1 }), /0 requests/);
    });

    test('after the setup the leader is ready', async () => {
      const owner = c.plan.weights[0].owner;
      await d.session(owner, 'setup', 1, weightEnv(c.plan, c.weights, owner, false));
      await until(() => leader.readiness().ready, 10_000, 'readiness');
      assert.deepEqual(leader.readiness(), { ready: true });
    });

    test('a served batch of rows 1, 2, 1 padded to 4 equals the ordinary session per request', async () => {
      const qs = [await request(image(0, 1)), await request(image(1, 2)), await request(image(3, 1))];
      const outcome = await leader.serve({ requests: qs.map((q) => q.served), padTo: 4 });
      assert.equal(outcome.results.length, 3);
      assert.ok(outcome.sessionMs > 0 && outcome.rounds > 0);
      assert.ok((outcome.bytes.server0 ?? 0) > 0 && (outcome.bytes.server1 ?? 0) > 0, JSON.stringify(outcome.bytes));
      for (let i = 0; i < 3; i++) {
        const s1 = outcome.results[i].sealed.get('server1');
        assert.ok(s1 instanceof Uint8Array, `request ${i}: ${JSON.stringify(s1)}`);
        const got = await clientOutput(qs[i], outcome.results[i].own, s1);
        const want = await reference(qs[i].x);
        assert.ok(maxDiff(got, want) < 1e-3, `request ${i}: max difference ${maxDiff(got, want)}`);
        assert.equal(got.length, qs[i].rows * 10);
      }
    });

    test('a tampered envelope for server1 fails only its request; a wrong-length one gets E_SHAPE', async () => {
      const flip = (e: Uint8Array): Uint8Array => {
        const t = e.slice();
        t[t.length - 20] ^= 1;
        return t;
      };
      const qs = [await request(image(4, 1)), await request(image(5, 2), flip), await request(image(7, 1), (e) => e.subarray(0, e.length - 8))];
      const outcome = await leader.serve({ requests: qs.map((q) => q.served), padTo: 4 });
      const s1 = outcome.results[0].sealed.get('server1');
      assert.ok(s1 instanceof Uint8Array);
      const got = await clientOutput(qs[0], outcome.results[0].own, s1);
      assert.ok(maxDiff(got, await reference(qs[0].x)) < 1e-3);
      const bad = outcome.results[1].sealed.get('server1');
      assert.ok(bad && !(bad instanceof Uint8Array));
      assert.equal(bad.code, 'E_CIPHERTEXT');
      assert.match(bad.message, /server1 did not decrypt/);
      const short = outcome.results[2].sealed.get('server1');
      assert.ok(short && !(short instanceof Uint8Array));
      assert.equal(short.code, 'E_SHAPE');
    });

    test('several served sessions and a client session run at once', async () => {
      const a = [await request(image(0, 2))];
      const b = [await request(image(2, 1)), await request(image(3, 1))];
      const [oa, ob, ref] = await Promise.all([
        leader.serve({ requests: a.map((q) => q.served), padTo: 2 }),
        leader.serve({ requests: b.map((q) => q.served), padTo: 2 }),
        reference(image(0, 2)),
      ]);
      const ga = await clientOutput(a[0], oa.results[0].own, oa.results[0].sealed.get('server1') as Uint8Array);
      assert.ok(maxDiff(ga, ref) < 1e-3);
      for (let i = 0; i < 2; i++) {
        const g = await clientOutput(b[i], ob.results[i].own, ob.results[i].sealed.get('server1') as Uint8Array);
        assert.ok(maxDiff(g, await reference(b[i].x)) < 1e-3, `request ${i} of the second batch`);
      }
    });

    test('prewarm makes the leader\'s pool reach the count per batch size', async () => {
      assert.throws(() => leader.prewarm([0], 1), /batch size 0/);
      leader.prewarm([4, 8], 2);
      await until(() => (leader.poolLevels().get(4) ?? 0) >= 2 && (leader.poolLevels().get(8) ?? 0) >= 2, 60_000, 'the pool');
      const q = await request(image(0, 1));
      const before4 = leader.poolLevels().get(4) ?? 0;
      const o = await leader.serve({ requests: [q.served], padTo: 4 });
      assert.equal(o.results.length, 1);
      assert.ok(before4 >= 2);
      // the dealer refills what the session consumed
      await until(() => (leader.poolLevels().get(4) ?? 0) >= 2, 60_000, 'the refill');
    });
  });
}
