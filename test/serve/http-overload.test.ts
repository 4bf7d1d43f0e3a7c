/**
 * The prediction service under load and at shutdown, through HTTP, with a slow fake compute
 * party: a full queue gives 503 + Retry-After while /v2/health/live stays 200 and the
 * admitted requests are answered correctly; a request whose batch outlives its deadline gets
 * 504 and one still queued then gets 503; a deployment that is not ready gives 503 on
 * readiness and infer; drain answers every queued and running request, then closes the
 * listener.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Plan } from '../../src/plan/index.js';
import { EncryptedInferResponseSchema, ErrorResponseSchema } from '../../runtime/serve/oip.js';
import { get, post, startHarness } from './http-harness.js';
import { expectedOutput, netAPlan, openInfer, randomWords, sealInfer } from './serve-fixtures.js';

let plan: Plan;
before(async () => {
  plan = await netAPlan();
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

test('overload: 503 + Retry-After beyond the queue, /v2/health/live still 200, admitted requests right', async () => {
  const t = await startHarness(plan, { service: { batcher: { maxBatch: 2, maxInFlight: 1, maxQueueRows: 2 } }, fake: { delayMs: 250 } });
  try {
    const inputs = Array.from({ length: 8 }, () => randomWords(784));
    const sealed = await Promise.all(inputs.map((x) => sealInfer(t.view, x, 1)));
    // One request runs, two wait in the queue (2 rows), the rest are refused at once.
    const first = post(`${t.model}/infer`, sealed[0].body);
    await until(() => t.fake.inFlight === 1);
    const rest = sealed.slice(1).map((s) => post(`${t.model}/infer`, s.body));
    const live = await get(`${t.h.url}/v2/health/live`);
    assert.equal(live.status, 200, 'live while overloaded');
    const answers = [await first, ...(await Promise.all(rest))];
    const codes = answers.map((a) => a.status);
    assert.equal(codes.filter((c) => c === 200).length, 3, codes.join(','));
    assert.equal(codes.filter((c) => c === 503).length, 5, codes.join(','));
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      if (a.status === 503) {
        assert.equal(ErrorResponseSchema.parse(a.json).code, 'E_OVERLOAD');
        assert.match(ErrorResponseSchema.parse(a.json).error, /queue is full/);
        assert.ok(Number(a.headers.get('retry-after')) >= 1);
      } else {
        const resp = EncryptedInferResponseSchema.parse(a.json);
        assert.deepEqual(await openInfer(t.view, sealed[i], resp, 1), expectedOutput(plan, inputs[i], 1));
      }
    }
    assert.equal(t.fake.maxInFlight, 1);
    assert.equal((await get(`${t.h.url}/v2/health/live`)).status, 200, 'live after');
    const m = await get(`${t.h.url}/metrics`);
    assert.match(m.text, /tfe_rejected_total\{reason="queue-full"\} 5/);
    assert.match(m.text, /tfe_http_requests_total\{route="infer",code="503"\} 5/);
  } finally {
    await t.h.close();
  }
});

test('deadlines: 504 for a running batch past its timeout, 503 for a request still queued', async () => {
  const t = await startHarness(plan, { service: { batcher: { maxInFlight: 1, maxBatch: 1, requestTimeoutMs: 150 } }, fake: { delayMs: 400 } });
  try {
    const a = await sealInfer(t.view, randomWords(784), 1);
    const b = await sealInfer(t.view, randomWords(784), 1);
    const running = post(`${t.model}/infer`, a.body);
    await until(() => t.fake.inFlight === 1);
    const queued = post(`${t.model}/infer`, b.body);
    const [r, q] = await Promise.all([running, queued]);
    assert.equal(r.status, 504);
    assert.equal(ErrorResponseSchema.parse(r.json).code, 'E_TIMEOUT');
    assert.equal(q.status, 503);
    assert.ok(Number(q.headers.get('retry-after')) >= 1);
    await until(() => t.fake.inFlight === 0);
    const m = await get(`${t.h.url}/metrics`);
    assert.match(m.text, /tfe_rejected_total\{reason="timeout"\} 1/);
    assert.match(m.text, /tfe_rejected_total\{reason="queue-timeout"\} 1/);
  } finally {
    await t.h.close();
  }
});

test('not ready: readiness and infer are 503 with the reason and Retry-After; live is 200', async () => {
  const t = await startHarness(plan, { fake: { readiness: { ready: false, reason: 'weights are not shared yet' } } });
  try {
    const ready = await get(`${t.h.url}/v2/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.headers.get('retry-after'), '1');
    assert.match(String(ready.json.error), /weights are not shared yet/);
    assert.equal((await get(`${t.h.url}/v2/health/live`)).status, 200);
    const sealed = await sealInfer(t.view, randomWords(784), 1);
    const a = await post(`${t.model}/infer`, sealed.body);
    assert.equal(a.status, 503);
    assert.match(ErrorResponseSchema.parse(a.json).error, /not ready: weights are not shared yet/);
    t.fake.options = {};
    assert.equal((await get(`${t.h.url}/v2/health/ready`)).status, 200);
    assert.equal((await post(`${t.model}/infer`, sealed.body)).status, 200);
  } finally {
    await t.h.close();
  }
});

test('drain with requests in flight: every one answered, readiness 503, then the listener closes', async () => {
  const t = await startHarness(plan, { service: { batcher: { maxInFlight: 1, maxBatch: 2 } }, fake: { delayMs: 150 } });
  const inputs = Array.from({ length: 5 }, () => randomWords(784));
  const sealed = await Promise.all(inputs.map((x) => sealInfer(t.view, x, 1)));
  const first = post(`${t.model}/infer`, sealed[0].body);
  await until(() => t.fake.inFlight === 1);
  const rest = sealed.slice(1).map((s) => post(`${t.model}/infer`, s.body));
  // Every request has reached the batcher: running, done or queued.
  await until(() => t.fake.batches.flatMap((b) => b.rows).length + t.service.gauges().queuedRequests === 5);
  const drained = t.h.drain(10_000);
  assert.equal(t.service.readiness().ready, false, 'readiness turns 503 at once');
  const answers = [await first, ...(await Promise.all(rest))];
  const result = await drained;
  assert.deepEqual(result, { complete: true, refused: 0, running: 0 });
  for (let i = 0; i < answers.length; i++) {
    assert.equal(answers[i].status, 200, `request ${i}: ${JSON.stringify(answers[i].json)}`);
    assert.deepEqual(await openInfer(t.view, sealed[i], EncryptedInferResponseSchema.parse(answers[i].json), 1), expectedOutput(plan, inputs[i], 1));
  }
  assert.equal(t.fake.batches.flatMap((b) => b.rows).length, 5);
  await assert.rejects(fetch(`${t.h.url}/v2/health/live`), 'the listener is closed');
});
