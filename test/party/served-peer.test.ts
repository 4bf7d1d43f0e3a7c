/**
 * A faulty peer in a served session (runtime/party/served.ts) is caught, never a hang or a
 * wrong answer: the link between server0 and server1 of an in-memory Pond deployment of zoo
 * network A rewrites one frame, and the leader's `serve` rejects with a TfeError naming the
 * peer (an outtake with a bad magic, an unknown status, the wrong length; an intake of the
 * wrong length; an announcement of an envelope longer than its rows allow), well before the
 * receive timeout; the next served batch works. Also the codecs' own checks.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { KeyPair } from 'hpke';
import { compile, type CompileResult } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { TfeError } from '../../src/errors.js';
import type { ComputeParty } from '../../runtime/party/compute.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import {
  OUTTAKE_MAGIC, SERVED_STATUS, decodeIntake, decodeOuttake, encodeIntake, encodeOuttake, outtakeWords, servedLayout,
} from '../../runtime/party/served.js';
import type { ServedRequest } from '../../runtime/party/served-types.js';
import { requestHash, sealRequest } from '../../runtime/serve/envelope.js';
import { nodeSuite, type NodeX25519Key } from '../../runtime/serve/hpke-node.js';
import { rowWordsOf } from '../../runtime/serve/oip.js';
import { decodeControl, encodeControl } from '../../runtime/transport/control.js';
import type { Frame } from '../../runtime/transport/frame.js';
import type { Link } from '../../runtime/transport/link.js';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { testBackend } from '../support/backend.js';

const suite = nodeSuite();

/** A link whose received frames pass through `rewrite` (when set). */
function rewriting(link: Link, rewrite: () => ((f: Frame) => Frame) | undefined): Link {
  return {
    get peer() {
      return link.peer;
    },
    send: (f) => link.send(f),
    onFrame: (h) => link.onFrame((f) => h(rewrite()?.(f) ?? f)),
    onClose: (h) => link.onClose(h),
    close: () => link.close(),
    get maxFrameBytes() {
      return link.maxFrameBytes;
    },
    set maxFrameBytes(n: number) {
      link.maxFrameBytes = n;
    },
    get counters() {
      return link.counters;
    },
  };
}

describe('a faulty peer in a served session (pond, zoo network A)', () => {
  let c: CompileResult;
  let d: LocalDeployment;
  let leader: ComputeParty;
  let atServer0: ((f: Frame) => Frame) | undefined;
  let atServer1: ((f: Frame) => Frame) | undefined;
  const keys = new Map<string, KeyPair<NodeX25519Key>>();

  before(async () => {
    c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    for (const r of ['server0', 'server1']) keys.set(r, await suite.hpke.GenerateKeyPair(true));
    const hpke = Object.fromEntries([...keys].map(([r, kp]) => [r, { privateKey: kp.privateKey, statement: { role: r, statement: `{"role":"${r}"}`, signature: 'AAAA', cert: 'cert' } }]));
    const links = (a: string, b: string): [Link, Link] => {
      const [la, lb] = memoryLinkPair(a, b);
      if (a !== 'server0' || b !== 'server1') return [la, lb];
      return [rewriting(la, () => atServer0), rewriting(lb, () => atServer1)];
    };
    d = await LocalDeployment.start(c.plan, c.weights, { ring: testBackend(), hpke, links, receiveTimeoutMs: 30_000 });
    leader = d.computes[0];
    const start = performance.now();
    while (!leader.readiness().ready) {
      if (performance.now() - start > 10_000) throw new Error(`not ready: ${JSON.stringify(leader.readiness())}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  after(() => d.close());

  async function request(rows: number): Promise<ServedRequest> {
    const rowWords = rowWordsOf(c.plan.inputs);
    const aad = await requestHash({ model: 'A', plan_id: c.plan.planId, rows, inputs: [{ name: c.plan.inputs[0].name, shape: [rows, 28, 28, 1] }] });
    const words = new BigUint64Array(Uint8Array.from(randomBytes(rows * rowWords * 8)).buffer);
    const s = await sealRequest(suite, { publicKey: (keys.get('server1') as KeyPair<NodeX25519Key>).privateKey.publicRaw, planId: c.plan.planId, role: 'server1', aad, rows, rowWords, words });
    return { rows, own: new BigUint64Array(rows * rowWords), aad, sealed: new Map([['server1', s.envelope]]) };
  }

  const outtakeStep = (): number => c.plan.steps.length + 1;
  const intakeStep = (): number => c.plan.steps.length;
  const words = (f: Frame): BigUint64Array => new BigUint64Array(f.payload.slice().buffer);
  const withPayload = (f: Frame, w: BigUint64Array | Uint8Array): Frame => ({ ...f, payload: w instanceof Uint8Array ? w : new Uint8Array(w.buffer) });

  async function failsNaming(rewrite: { at0?: (f: Frame) => Frame; at1?: (f: Frame) => Frame }, pattern: RegExp): Promise<void> {
    atServer0 = rewrite.at0;
    atServer1 = rewrite.at1;
    const t0 = performance.now();
    try {
      await assert.rejects(leader.serve({ requests: [await request(1), await request(2)], padTo: 4 }), (e: unknown) => {
        assert.ok(e instanceof TfeError, String(e));
        assert.match(e.message, pattern);
        return true;
      });
    } finally {
      atServer0 = undefined;
      atServer1 = undefined;
    }
    assert.ok(performance.now() - t0 < 10_000, 'failed at once, not after the receive timeout');
    // the deployment goes on: the next served batch works
    const ok = await leader.serve({ requests: [await request(1)], padTo: 1 });
    assert.ok(ok.results[0].sealed.get('server1') instanceof Uint8Array);
  }

  test('an outtake with a wrong magic', async () => {
    await failsNaming({
      at0: (f) => {
        if (f.kind !== 'data' || f.step !== outtakeStep()) return f;
        const w = words(f);
        w[0] ^= 1n;
        return withPayload(f, w);
      },
    }, /malformed served outtake from server1: wrong magic/);
  });

  test('an outtake with an unknown status', async () => {
    await failsNaming({
      at0: (f) => {
        if (f.kind !== 'data' || f.step !== outtakeStep()) return f;
        const w = words(f);
        w[3] = 7n;
        return withPayload(f, w);
      },
    }, /malformed served outtake from server1: unknown status 7 for request 0/);
  });

  test('an outtake of the wrong length', async () => {
    await failsNaming({
      at0: (f) => (f.kind === 'data' && f.step === outtakeStep() ? withPayload(f, f.payload.slice(8)) : f),
    }, /server1 sent \d+ bytes at step \d+ \(served outtake\), server0 expected/);
  });

  test('an intake of the wrong length', async () => {
    await failsNaming({
      at1: (f) => (f.kind === 'data' && f.step === intakeStep() ? withPayload(f, new Uint8Array(f.payload.length + 8)) : f),
    }, /server1 ended the session.*server0 sent \d+ bytes at step \d+ \(served intake\)/);
  });

  test('an announcement of an envelope longer than its rows allow', async () => {
    await failsNaming({
      at1: (f) => {
        if (f.kind !== 'control') return f;
        const m = decodeControl(f.payload, 'server0');
        if (m.type !== 'session' || !m.served) return f;
        return withPayload(f, encodeControl({ ...m, served: { ...m.served, sizes: m.served.sizes.map((s) => s + 8) } }));
      },
    }, /server1 ended the session.*server0 announced an envelope of \d+ bytes for request 0 of 1 row\(s\)/);
  });
});

describe('served intake and outtake codecs', () => {
  test('an intake round-trips; non-zero padding and a wrong total are refused naming the peer', () => {
    const items = [{ aad: new Uint8Array(32).fill(1), envelope: new Uint8Array(61).fill(2) }, { aad: new Uint8Array(32).fill(3), envelope: new Uint8Array(8).fill(4) }];
    const bytes = encodeIntake(items);
    assert.equal(bytes.length, 96 + 40);
    assert.deepEqual(decodeIntake(bytes, [61, 8], 'server0'), items);
    const padded = bytes.slice();
    padded[32 + 61] = 9;
    assert.throws(() => decodeIntake(padded, [61, 8], 'server0'), /intake from server0 has non-zero padding after request 0/);
    assert.throws(() => decodeIntake(bytes, [61, 16], 'server0'), /intake from server0 has 136 bytes, expected 144/);
    assert.throws(() => encodeIntake([{ aad: new Uint8Array(31), envelope: new Uint8Array(0) }]), /aad has 31 bytes/);
  });

  test('an outtake round-trips; filler after a failed request is refused', async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    const layout = servedLayout(c.plan);
    assert.equal(layout.rowWords, 784);
    assert.equal(layout.outRowWords, 10);
    const rows = [1, 2];
    const response = new Uint8Array(16 + 8 + 10 * 8 + 16).fill(5);
    const w = encodeOuttake({ bytes: 1234, materialBytes: 99, results: [response, SERVED_STATUS.ciphertext] }, rows, 10);
    assert.equal(w.length, outtakeWords(rows, 10));
    assert.equal(w[0], OUTTAKE_MAGIC);
    const o = decodeOuttake(w, rows, 10, 'server1');
    assert.equal(o.bytes, 1234);
    assert.equal(o.materialBytes, 99);
    assert.deepEqual(o.results, [response, SERVED_STATUS.ciphertext]);
    const filled = w.slice();
    filled[filled.length - 1] = 1n;
    assert.throws(() => decodeOuttake(filled, rows, 10, 'server1'), /outtake from server1: request 1 failed there but carries a response/);
    const big = w.slice();
    big[1] = 1n << 60n;
    assert.throws(() => decodeOuttake(big, rows, 10, 'server1'), /byte count \d+ out of range/);
  });

  test('a plan a served session cannot run is refused: E_UNSUPPORTED', async () => {
    const c = await compile(zooModelPath('A'), { inputRange: [0, 1] });
    const fixed = { ...c.plan, inputs: c.plan.inputs.map((b) => ({ ...b, shape: [1, 28, 28, 1] })) };
    assert.throws(() => servedLayout(fixed), (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && /not \[-1, \.\.\.\]/.test(e.message));
    const elsewhere = { ...c.plan, outputs: c.plan.outputs.map((b) => ({ ...b, receiver: 'analyst' })) };
    assert.throws(() => servedLayout(elsewhere), /goes to analyst, not to the input role client/);
  });
});
