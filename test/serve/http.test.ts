/**
 * The prediction service through HTTP (runtime/serve/http.ts) on the real plan of zoo net A
 * with the fake leader compute party: routes, end-to-end predictions (one request, and
 * concurrent requests that share a batch) checked against the fake's linear function, each
 * refusal with its status and code (tampered ciphertexts, stale plan id, wrong shape, bad
 * JSON, plaintext, oversized bodies by Content-Length and streamed, 401, 429), the metrics
 * series, and a captured log that names requests but never holds a share, an envelope or a
 * token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Plan } from '../../src/plan/index.js';
import { ApiKeys, generateApiKey } from '../../runtime/serve/auth.js';
import { EncryptedInferResponseSchema, ErrorResponseSchema, fromBase64, ModelMetadataSchema, toBase64, type EncryptedInferRequest } from '../../runtime/serve/oip.js';
import { get, post, startHarness, streamPost, type Harness } from './http-harness.js';
import { expectedOutput, netAPlan, openInfer, randomWords, sealInfer } from './serve-fixtures.js';

let plan: Plan;
before(async () => {
  plan = await netAPlan();
});

function errorOf(a: { json: Record<string, unknown> }): { error: string; code: string; hint?: string } {
  return ErrorResponseSchema.parse(a.json);
}

describe('routes and predictions', () => {
  let t: Harness;
  before(async () => {
    t = await startHarness(plan, { service: { batcher: { maxInFlight: 1, batchTimeoutMs: 5 } }, fake: { delayMs: 40 } });
  });
  after(() => t.h.close());

  test('health, metadata, 404, 405, 415', async () => {
    assert.deepEqual((await get(`${t.h.url}/v2/health/live`)).json, { live: true });
    const ready = await get(`${t.h.url}/v2/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { ready: true });
    assert.equal((await get(`${t.model}/ready`)).status, 200);
    const meta = await get(t.model);
    assert.equal(meta.status, 200);
    assert.equal(ModelMetadataSchema.parse(meta.json).parameters.tfe.plan_id, plan.planId);
    assert.ok(meta.headers.get('x-request-id'));
    const nf = await get(`${t.h.url}/v2/models/B`);
    assert.equal(nf.status, 404);
    assert.match(errorOf(nf).error, /no model named 'B' here; this server serves 'A'/);
    assert.equal(errorOf(await get(`${t.h.url}/nothing`)).code, 'E_HTTP');
    assert.match(errorOf(await get(`${t.model}/explain`)).error, /^no route \/v2\/models\/A\/explain$/);
    assert.equal((await get(`${t.h.url}/`)).status, 404, 'no demo page without the static option');
    const m405 = await get(`${t.model}/infer`);
    assert.equal(m405.status, 405);
    assert.equal(m405.headers.get('allow'), 'POST');
    const r415 = await fetch(`${t.model}/infer`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(r415.status, 415);
    assert.match(ErrorResponseSchema.parse(await r415.json()).error, /must be application\/json, got "text\/plain"/);
  });

  test('one request end to end', async () => {
    const x = randomWords(2 * 784);
    const sealed = await sealInfer(t.view, x, 2, 'one');
    const a = await post(`${t.model}/infer`, sealed.body);
    assert.equal(a.status, 200, JSON.stringify(a.json));
    const resp = EncryptedInferResponseSchema.parse(a.json);
    assert.equal(resp.id, 'one');
    assert.deepEqual(await openInfer(t.view, sealed, resp, 2), expectedOutput(plan, x, 2));
  });

  test('concurrent requests share a batch and each gets its own rows back', async () => {
    const before = t.fake.batches.length;
    const inputs = [1, 2, 1, 3, 1, 1].map((rows) => ({ rows, x: randomWords(rows * 784) }));
    const sealed = await Promise.all(inputs.map((i) => sealInfer(t.view, i.x, i.rows)));
    const answers = await Promise.all(sealed.map((s) => post(`${t.model}/infer`, s.body)));
    const batchRows: number[] = [];
    for (let i = 0; i < inputs.length; i++) {
      assert.equal(answers[i].status, 200, JSON.stringify(answers[i].json));
      const resp = EncryptedInferResponseSchema.parse(answers[i].json);
      batchRows.push(resp.parameters.tfe.batch_rows);
      assert.deepEqual(await openInfer(t.view, sealed[i], resp, inputs[i].rows), expectedOutput(plan, inputs[i].x, inputs[i].rows), `request ${i}`);
    }
    const batches = t.fake.batches.slice(before);
    assert.equal(batches.flatMap((b) => b.rows).reduce((a, b) => a + b, 0), 9, 'every row ran once');
    assert.ok(batches.length < inputs.length, `requests were batched: ${JSON.stringify(batches)}`);
    assert.ok(Math.max(...batchRows) >= 2, `some answer reports a shared batch: ${batchRows.join(',')}`);
    for (const b of batches) assert.ok([1, 2, 4, 8, 16, 32].includes(b.padTo) && b.padTo >= b.rows.reduce((x, y) => x + y, 0));
  });

  test('refusals: tampered ciphertexts, stale plan, wrong shape, bad JSON, plaintext', async () => {
    const sealed = await sealInfer(t.view, randomWords(784), 1);
    const tamper = (role: string): EncryptedInferRequest => ({
      ...sealed.body,
      inputs: sealed.body.inputs.map((x) => {
        if (x.name !== role) return x;
        const b = fromBase64(x.data[0]);
        b[200] ^= 0x80;
        return { ...x, data: [toBase64(b)] as [string] };
      }),
    });
    const t0 = await post(`${t.model}/infer`, tamper('server0'));
    assert.equal(t0.status, 400);
    assert.equal(errorOf(t0).code, 'E_CIPHERTEXT');
    assert.match(errorOf(t0).error, /server0/);
    const t1 = await post(`${t.model}/infer`, tamper('server1'));
    assert.equal(t1.status, 400);
    assert.equal(errorOf(t1).code, 'E_CIPHERTEXT');
    assert.match(errorOf(t1).error, /server1/);
    const stale = await post(`${t.model}/infer`, { ...sealed.body, parameters: { tfe: { ...sealed.body.parameters.tfe, plan_id: '0'.repeat(64) } } });
    assert.equal(stale.status, 409);
    assert.equal(errorOf(stale).code, 'E_PLAN');
    assert.match(errorOf(stale).hint ?? '', /re-fetch GET \/v2\/models\/A/);
    const shape = await post(`${t.model}/infer`, { ...sealed.body, parameters: { tfe: { ...sealed.body.parameters.tfe, inputs: [{ name: 'flatten_input', shape: [1, 784] }] } } });
    assert.equal(shape.status, 400);
    assert.equal(errorOf(shape).code, 'E_SHAPE');
    const bad = await post(`${t.model}/infer`, '{"inputs": [1, 2,, 3]}');
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).code, 'E_ARG');
    assert.match(errorOf(bad).error, /not valid JSON at line 1, column 18 \(Unexpected token ','\)$/);
    const plain = await post(`${t.model}/infer`, { inputs: [{ name: 'flatten_input', datatype: 'FP32', shape: [1, 28, 28, 1], data: new Array<number>(784).fill(0.25) }] });
    assert.equal(plain.status, 400);
    assert.equal(errorOf(plain).code, 'E_PLAINTEXT');
    assert.match(errorOf(plain).hint ?? '', /--allow-plaintext-input/);
  });

  test('/metrics has the series of the design note', async () => {
    const m = await get(`${t.h.url}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /text\/plain/);
    for (const series of [
      'tfe_http_requests_total{route="infer",code="200"}',
      'tfe_http_requests_total{route="infer",code="400"}',
      'tfe_predictions_total{outcome="ok"}',
      'tfe_predictions_total{outcome="E_CIPHERTEXT"}',
      'tfe_rows_total 11',
      'tfe_request_duration_seconds_bucket{le="0.001",route="infer"}',
      'tfe_queue_rows 0',
      'tfe_sessions_in_flight 0',
      'tfe_batch_rows_bucket{le="1"}',
      'tfe_session_duration_seconds_count',
      'tfe_material_pool_bundles{batch="1"} 2',
      'tfe_material_pool_bundles{batch="32"} 1',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.ok(m.text.includes(series), `metrics have ${series}`);
    }
  });

  test('the log has one line per request with its fields', () => {
    const lines = t.log.records();
    const infer = lines.filter((l) => l.route === 'infer' && l.status === 200);
    assert.ok(infer.length >= 7);
    for (const l of infer) {
      for (const k of ['req_id', 'model', 'rows', 'batch_rows', 'batch_size', 'queue_ms', 'session_ms', 'total_ms', 'bytes_in']) assert.ok(k in l, `log line has ${k}: ${JSON.stringify(l)}`);
    }
    const refused = lines.filter((l) => l.route === 'infer' && l.status === 409);
    assert.equal(refused[0]?.code, 'E_PLAN');
  });
});

describe('limits, keys and the log', () => {
  let t: Harness;
  const alice = generateApiKey('alice');
  const bob = generateApiKey('bob', 6);
  before(async () => {
    const keys = new ApiKeys({ format: 'tfe-api-keys', version: 1, keys: [alice.entry, bob.entry] });
    t = await startHarness(plan, { service: { batcher: { maxBatch: 8 } }, http: { apiKeys: keys, rateLimit: { perMinute: 600 }, maxBodyBytes: 40_000 } });
  });
  after(() => t.h.close());
  const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  test('401 with WWW-Authenticate without a key or with an unknown one; metadata needs a key too', async () => {
    const sealed = await sealInfer(t.view, randomWords(784), 1);
    const none = await post(`${t.model}/infer`, sealed.body);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="tfe"');
    assert.equal(errorOf(none).code, 'E_AUTH');
    const unknown = await post(`${t.model}/infer`, sealed.body, auth('tfe_' + 'x'.repeat(43)));
    assert.equal(unknown.status, 401);
    assert.match(unknown.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal((await get(t.model)).status, 401);
    assert.equal((await get(t.model, auth(alice.token))).status, 200);
    assert.equal((await get(`${t.h.url}/v2/health/ready`)).status, 200, 'health needs no key');
    const ok = await post(`${t.model}/infer`, sealed.body, auth(alice.token));
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
  });

  test('413 by Content-Length and by streamed bytes', async () => {
    const r = await fetch(`${t.model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(alice.token) }, body: ' '.repeat(40_001) });
    assert.equal(r.status, 413);
    assert.equal(ErrorResponseSchema.parse(await r.json()).code, 'E_HTTP');
    const s = await streamPost(`${t.model}/infer`, 10_000_000);
    // Without a key the body is refused (401) before any of it is read; streamed with a key below.
    assert.ok('status' in s && s.status === 401, JSON.stringify(s));
  });

  test('429 with Retry-After once a key has used its rows, per key', async () => {
    // bob: 6 rows per minute, a burst of 1 row: a 2-row request from a full bucket goes, the next waits.
    const first = await sealInfer(t.view, randomWords(2 * 784), 2);
    assert.equal((await post(`${t.model}/infer`, first.body, auth(bob.token))).status, 200);
    const second = await sealInfer(t.view, randomWords(784), 1);
    const limited = await post(`${t.model}/infer`, second.body, auth(bob.token));
    assert.equal(limited.status, 429);
    assert.equal(errorOf(limited).code, 'E_RATE');
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(retry >= 10 && retry <= 30, `Retry-After ${retry} s: 2 rows short at 0.1 row/s is 20 s`);
    // A request refused for another reason (stale plan) costs nothing and is not 429.
    const stale = await post(`${t.model}/infer`, { ...second.body, parameters: { tfe: { ...second.body.parameters.tfe, plan_id: '1'.repeat(64) } } }, auth(bob.token));
    assert.equal(stale.status, 409);
    assert.equal((await post(`${t.model}/infer`, second.body, auth(alice.token))).status, 200, "alice's budget is her own");
  });

  test('refusals before any secure work are counted by reason; headers beyond 16 KiB get 431', async () => {
    const m = await get(`${t.h.url}/metrics`);
    for (const reason of ['auth', 'rate', 'too-large']) assert.match(m.text, new RegExp(`tfe_rejected_total\\{reason="${reason}"\\} [1-9]`), reason);
    const big = await fetch(`${t.h.url}/v2/health/live`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    assert.equal(big.status, 431);
    assert.equal((await get(`${t.h.url}/v2/health/live`)).status, 200);
  });

  test('the captured log never holds a share, an envelope or a token', async () => {
    const x = randomWords(784);
    const sealed = await sealInfer(t.view, x, 1);
    assert.equal((await post(`${t.model}/infer`, sealed.body, auth(alice.token))).status, 200);
    await post(`${t.model}/infer`, { ...sealed.body, parameters: { tfe: { ...sealed.body.parameters.tfe, rows: 2 } } }, auth(alice.token));
    await post(`${t.model}/infer`, sealed.body, { authorization: `Bearer ${alice.token}x` });
    await post(`${t.model}/infer`, '{"inputs": "' + sealed.envelopesB64[0].slice(0, 200) + '"', auth(alice.token));
    const text = t.log.text();
    const xB64 = Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64');
    for (const secret of [...sealed.sharesB64, ...sealed.envelopesB64, xB64]) {
      for (const at of [0, 1000, secret.length - 40]) assert.ok(!text.includes(secret.slice(at, at + 24)), 'no share or envelope text in the log');
    }
    for (const token of [alice.token, bob.token]) {
      assert.ok(!text.includes(token) && !text.includes(token.slice(4, 24)), 'no token in the log');
    }
    const lines = t.log.records();
    assert.ok(lines.some((l) => l.key_id === 'alice' && l.status === 200));
    assert.ok(lines.some((l) => l.key_id === 'bob' && l.status === 429 && l.code === 'E_RATE'));
    assert.ok(lines.some((l) => l.status === 401 && l.code === 'E_AUTH' && !('key_id' in l)));
    assert.ok(lines.some((l) => l.status === 400 && l.code === 'E_ARG'));
    for (const l of lines) assert.deepEqual(Object.keys(l).filter((k) => /body|data|input|share|envelope|authorization|token/i.test(k)), [], `no content field: ${JSON.stringify(l)}`);
  });
});

describe('static pages and hung-up clients', () => {
  let t: Harness;
  before(async () => {
    const page = '<!doctype html><title>tfe demo</title>';
    t = await startHarness(plan, { http: { static: (path) => (path === '/' ? { type: 'text/html; charset=utf-8', body: page } : undefined) }, fake: { delayMs: 200 } });
  });
  after(() => t.h.close());

  test('the static option answers GET / and nothing under /v2', async () => {
    const r = await get(`${t.h.url}/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(r.text, /tfe demo/);
    assert.equal((await get(`${t.h.url}/other.js`)).status, 404);
    assert.equal((await get(`${t.h.url}/v2/other`)).status, 404);
  });

  test('a client that hangs up before its answer is logged as 499 and the server goes on', async () => {
    const sealed = await sealInfer(t.view, randomWords(784), 1);
    const abort = new AbortController();
    const p = fetch(`${t.model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sealed.body), signal: abort.signal });
    while (t.fake.inFlight === 0) await new Promise((r) => setTimeout(r, 2));
    abort.abort();
    await assert.rejects(p);
    while (t.fake.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(t.log.records().some((l) => l.route === 'infer' && l.status === 499), 'logged as 499');
    assert.equal((await post(`${t.model}/infer`, sealed.body)).status, 200);
  });
});

describe('streamed body limit', () => {
  let t: Harness;
  before(async () => {
    t = await startHarness(plan, { http: { maxBodyBytes: 30_000 } });
  });
  after(() => t.h.close());

  test('a chunked body beyond the limit gets 413 and reading stops', async () => {
    const s = await streamPost(`${t.model}/infer`, 50_000_000);
    assert.ok('status' in s, `an answer, not ${JSON.stringify(s)}`);
    assert.equal(s.status, 413);
    assert.match(String(s.json.error), /more than 30000 bytes/);
    assert.equal((await get(`${t.h.url}/v2/health/live`)).status, 200, 'the server goes on');
  });
});
