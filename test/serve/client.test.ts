/**
 * The Node client (runtime/serve/client/core.ts through index.ts) against a fake OIP
 * service (fake-oip.ts) that opens both envelopes and computes a linear toy function on
 * each share: outputs equal the hand computation within the fixed-point rounding bound;
 * the shares each server decrypted are what the client reports as sent, add up to the
 * encoded input and are fresh per request; bad inputs fail before any request; the
 * server's error bodies become TfeErrors with its code and message; trust failures
 * (swapped key, no CA for a non-loopback URL, wrong CA pin) are E_TRUST.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, ServiceError, shareWords, UNAUTHENTICATED_WARNING, type NodeClientOptions } from '../../runtime/serve/client/index.js';
import { TfeClient } from '../../runtime/serve/client/core.js';
import { webSuite } from '../../runtime/serve/envelope.js';
import { encode } from '../../src/fixed/index.js';
import { TfeError, type ErrorCode } from '../../src/errors.js';
import { startFakeOip, type FakeOip } from './fake-oip.js';

let fake: FakeOip;
before(async () => { fake = await startFakeOip(); });
after(async () => { await fake.close(); });

/** Hand computation of the toy model on one example. */
const toy = (x: readonly number[]): { y: number[]; s: number } => ({ y: [x[0] + x[1], 2 * x[2] - x[3]], s: x[0] + 3 * x[1] - x[3] });
/**
 * Encoding rounds each input to 2^-17; a combination with coefficients summing to at
 * most 5 in absolute value is then off by at most 5 · 2^-17 < 2^-14 (decoding is exact).
 */
const TOL = 2 ** -14;

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<TfeError> {
  let caught: TfeError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    caught = e;
    return true;
  });
  if (!caught) throw new Error('unreachable');
  return caught;
}

const withCa = (): NodeClientOptions => ({ caPem: fake.caPem });

test('a batch of two rows: outputs equal the hand computation; shares are what each server decrypted and add up to the input', async () => {
  fake.mode = 'ok';
  const client = await connect(fake.modelUrl, withCa());
  assert.equal(client.metadata.name, 'toy');
  assert.deepEqual([...client.keys.keys()], ['server0', 'server1']);
  assert.deepEqual(client.keys.get('server1'), fake.publicKeys.server1);
  const xs = [[0.5, -1.25, 3.0078125, 7.99], [-8, 8, 0.1, -0.3]];
  const before = fake.received.length;
  const p = await client.predict({ x: xs });
  assert.equal(fake.received.length, before + 1);
  assert.deepEqual(p.outputs.y.shape, [2, 2]);
  assert.deepEqual(p.outputs.s.shape, [2, 1]);
  xs.forEach((x, r) => {
    const want = toy(x);
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(p.outputs.y.data[2 * r + j] - want.y[j]) <= TOL, `y[${r}][${j}] = ${p.outputs.y.data[2 * r + j]}, want ${want.y[j]}`);
    assert.ok(Math.abs(p.outputs.s.data[r] - want.s) <= TOL, `s[${r}]`);
    // softmax post-processing as tfe run applies it: probabilities of the decoded logits
    const e = want.y.map((v) => Math.exp(v - Math.max(...want.y)));
    const probs = p.outputs.y.probabilities;
    assert.ok(probs);
    for (let j = 0; j < 2; j++) assert.ok(Math.abs(probs[2 * r + j] - e[j] / (e[0] + e[1])) < 1e-4);
  });
  assert.equal(p.outputs.s.probabilities, undefined);
  assert.equal(p.outputs.y.kind, 'logits');
  // what each server decrypted is what the client says it sent, and the shares add up to encode(x)
  const got = fake.received[fake.received.length - 1];
  assert.deepEqual(got.server0, p.sent.server0);
  assert.deepEqual(got.server1, p.sent.server1);
  const x = encode(xs.flat(), 16);
  for (let i = 0; i < x.length; i++) assert.equal((p.sent.server0[i] + p.sent.server1[i]) & 0xffff_ffff_ffff_ffffn, x[i]);
  assert.notDeepEqual(p.sent.server0, x, 'server0 does not see the input');
  assert.notDeepEqual(p.sent.server1, x, 'server1 does not see the input');
  assert.deepEqual(p.stats.bytes, { server0: 2048, server1: 3072, dealer: 512 });
  assert.ok(p.latencyMs > 0);
  // the same input again: fresh shares
  const q = await client.predict({ x: xs });
  assert.notDeepEqual(q.sent.server0, p.sent.server0);
  assert.deepEqual(Array.from(q.outputs.y.data), Array.from(p.outputs.y.data));
});

test('inputs: one example without the batch dimension, a Float32Array with its shape, and the WebCrypto suite (the browser path) give the same answer', async () => {
  fake.mode = 'ok';
  const x = [1.5, 2.25, -0.5, 4];
  const client = await connect(fake.modelUrl, withCa());
  const a = await client.predict({ x });
  assert.deepEqual(a.outputs.y.shape, [1, 2]);
  const b = await client.predict({ x: { shape: [1, 4], data: Float32Array.from(x) } });
  const web = await TfeClient.connect(fake.modelUrl, { suite: webSuite(), caPem: fake.caPem });
  const c = await web.predict({ x: [x] });
  for (const p of [a, b, c]) {
    assert.ok(Math.abs(p.outputs.y.data[0] - 3.75) <= TOL && Math.abs(p.outputs.y.data[1] + 5) <= TOL && Math.abs(p.outputs.s.data[0] - 4.25) <= TOL);
  }
});

test('shareWords: n − 1 uniform shares and the rest; the sum is the input mod 2^64 for two and three roles', () => {
  let counter = 0;
  const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => (counter = (counter * 73 + 41) & 0xff));
  const x = BigUint64Array.from([0n, 1n, 0xffff_ffff_ffff_ffffn, 1n << 63n]);
  for (const n of [2, 3]) {
    const s = shareWords(x, n, random);
    assert.equal(s.length, n);
    for (let i = 0; i < x.length; i++) assert.equal(s.reduce((acc, sh) => (acc + sh[i]) & 0xffff_ffff_ffff_ffffn, 0n), x[i]);
  }
  // more than getRandomValues' 65,536 bytes per call
  const big = shareWords(new BigUint64Array(10_000), 2, (n) => { assert.ok(n <= 65_536); return globalThis.crypto.getRandomValues(new Uint8Array(n)); });
  assert.equal(big[0].length, 10_000);
});

test('bad inputs fail before any request: out of range, wrong shape, too many rows, unknown or missing input', async () => {
  fake.mode = 'ok';
  const client = await connect(fake.modelUrl, withCa());
  const before = fake.received.length;
  await rejectsWith(client.predict({ x: [[0, 0, 9, 0]] }), 'E_RANGE', /input 'x'\[2\] = 9 is outside the range \[-8, 8\]/);
  await rejectsWith(client.predict({ x: [[0, 0, 1]] }), 'E_SHAPE', /does not fit the model's input 'x' of shape \[N,4\]/);
  await rejectsWith(client.predict({ x: [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]] }), 'E_SHAPE', /5 examples in one request, but .* takes at most 4/);
  await rejectsWith(client.predict({ x: [0, 0, 0, 0], z: [1] }), 'E_ARG', /unknown input 'z'/);
  await rejectsWith(client.predict({}), 'E_ARG', /missing input 'x'/);
  await rejectsWith(client.predict({ x: [0, Number.NaN, 0, 0] }), 'E_FORMAT', /not a finite number/);
  assert.equal(fake.received.length, before);
});

test("the server's error bodies become TfeErrors with its code and message", async () => {
  fake.mode = 'ok';
  fake.apiKey = 'tfe_secret';
  try {
    const anon = await connect(fake.modelUrl, withCa());
    const e = await rejectsWith(anon.predict({ x: [0, 0, 0, 0] }), 'E_AUTH', /POST http:\/\/127\.0\.0\.1:\d+\/v2\/models\/toy\/infer: the server answered 401 E_AUTH: missing or unknown API key/);
    assert.ok(e instanceof ServiceError);
    assert.equal(e.status, 401);
    assert.equal(e.serverCode, 'E_AUTH');
    assert.match(e.hint ?? '', /--api-key-file/);
    const keyed = await connect(fake.modelUrl, { ...withCa(), apiKey: 'tfe_secret' });
    assert.ok(Math.abs((await keyed.predict({ x: [1, 1, 1, 1] })).outputs.s.data[0] - 3) <= TOL);
  } finally {
    fake.apiKey = undefined;
  }
  const client = await connect(fake.modelUrl, withCa());
  fake.mode = 'plan-drift';
  const plan = await rejectsWith(client.predict({ x: [0, 0, 0, 0] }), 'E_PLAN', /answered 409 E_PLAN: the request is for plan c0ffee/);
  assert.equal(plan.hint, 're-fetch GET /v2/models/toy');
  fake.mode = 'overload';
  const busy = await rejectsWith(client.predict({ x: [0, 0, 0, 0] }), 'E_OVERLOAD', /answered 503 E_OVERLOAD: the queue is full/);
  assert.match(busy.hint ?? '', /retry after 1 s/);
  fake.mode = 'tamper';
  await rejectsWith(client.predict({ x: [0, 0, 0, 0] }), 'E_CIPHERTEXT', /the response of server1 did not decrypt/);
  fake.mode = 'not-json';
  await rejectsWith(client.predict({ x: [0, 0, 0, 0] }), 'E_PROTOCOL', /answered 500 Internal Server Error without a tfe error body/);
  fake.mode = 'ok';
  await rejectsWith(connect(fake.modelUrl.replace('/toy', '/other'), withCa()), 'E_ARG', /answered 404 E_NOT_FOUND: no route GET \/v2\/models\/other/);
});

test('trust: a swapped key, no CA for a non-loopback URL, a wrong CA pin are E_TRUST; loopback without a CA warns', async () => {
  fake.mode = 'swap-key';
  await rejectsWith(connect(fake.modelUrl, withCa()), 'E_TRUST', /statement for server1 is signed with the certificate of role server0/);
  await rejectsWith(connect(fake.modelUrl), 'E_TRUST', /statement for server1 is signed with the certificate of role server0/);
  fake.mode = 'ok';
  const warnings: string[] = [];
  await connect(fake.modelUrl, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(warnings, [UNAUTHENTICATED_WARNING]);
  // the same server seen under a non-loopback address (fetch redirected to it)
  const port = new URL(fake.modelUrl).port;
  const fetch = (u: string, init?: RequestInit): Promise<Response> => globalThis.fetch(u.replace('10.9.9.9:8080', `127.0.0.1:${port}`), init);
  await rejectsWith(connect('http://10.9.9.9:8080/v2/models/toy', { fetch }), 'E_TRUST', /no CA certificate to verify the server keys of http:\/\/10\.9\.9\.9:8080\/v2\/models\/toy/);
  const remote = await connect('http://10.9.9.9:8080/v2/models/toy', { fetch, caPem: fake.caPem });
  assert.ok(Math.abs((await remote.predict({ x: [1, 2, 3, 4] })).outputs.y.data[1] - 2) <= TOL);
  // the browser's way: CA fetched from MODEL_URL/ca.pem, checked against a pin
  const { createHash, X509Certificate } = await import('node:crypto');
  const pin = createHash('sha256').update(new X509Certificate(fake.caPem).raw).digest('hex');
  await connect('http://10.9.9.9:8080/v2/models/toy', { fetch, caSha256: pin });
  await rejectsWith(connect('http://10.9.9.9:8080/v2/models/toy', { fetch, caSha256: 'ab'.repeat(32) }), 'E_TRUST', /not the pinned abab/);
});

test('URLs: not a /v2/models/NAME URL is E_ARG; a refused connection names the URL (E_TRANSPORT)', async () => {
  await rejectsWith(connect('http://127.0.0.1:1/v1/models/toy'), 'E_ARG', /is not a model URL \(http\(s\):\/\/HOST:PORT\/v2\/models\/NAME\)/);
  await rejectsWith(connect('ftp://127.0.0.1/v2/models/toy'), 'E_ARG', /is not a model URL/);
  await rejectsWith(connect('127.0.0.1:8080'), 'E_ARG', /is not a model URL|is not a URL/);
  const closed = await startFakeOip();
  const url = closed.modelUrl;
  await closed.close();
  await rejectsWith(connect(url), 'E_TRANSPORT', new RegExp(`cannot reach ${url.replace(/[.]/g, '\\.')}: ECONNREFUSED`));
});
