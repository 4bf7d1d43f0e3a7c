/**
 * The prediction service without HTTP (runtime/serve/service.ts), on the real plan of zoo
 * net A and a fake leader compute party (serve-fixtures.ts): the metadata a client needs,
 * an end-to-end prediction checked against the fake's public linear function, and each
 * refusal with its code: tampered envelopes of either role, a stale plan id, wrong shapes,
 * rows, roles and lengths, plaintext bodies, a plan without a batch dimension, a deployment
 * that is not ready.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { TfeError, type ErrorCode } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import { requestHash } from '../../runtime/serve/envelope.js';
import { nodeSuite } from '../../runtime/serve/hpke-node.js';
import { UnavailableError } from '../../runtime/serve/http-errors.js';
import { EncryptedInferResponseSchema, fromBase64, ModelMetadataSchema, toBase64, type EncryptedInferRequest, type PlaintextInferRequest } from '../../runtime/serve/oip.js';
import { defaultBatchSizes, PredictionService, type InferContext, type PredictionServiceOptions } from '../../runtime/serve/service.js';
import { expectedOutput, FakeCompute, freshKey, netAPlan, openInfer, randomWords, sealInfer, type ClientView } from './serve-fixtures.js';

let plan: Plan;
before(async () => {
  plan = await netAPlan();
});

function setup(options: PredictionServiceOptions = {}, labels?: string[]): { service: PredictionService; fake: FakeCompute; view: ClientView } {
  const key0 = freshKey();
  const key1 = freshKey();
  const fake = new FakeCompute(plan, key0.publicRaw, key1);
  const service = new PredictionService({ compute: fake, name: 'A', hpkeKey: key0, labels, options });
  const view: ClientView = { model: 'A', plan, keys: new Map([['server0', key0.publicRaw], ['server1', key1.publicRaw]]) };
  return { service, fake, view };
}

const note = (): InferContext => ({ note: {} });

async function rejects(p: Promise<unknown>, code: ErrorCode, message: RegExp): Promise<TfeError> {
  let caught: unknown;
  await p.catch((e: unknown) => { caught = e; });
  assert.ok(caught instanceof TfeError, `expected a TfeError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, message);
  return caught;
}

test('metadata: OIP shape, bindings without tensor ids, shareholders, key statements, labels, max rows', () => {
  const { service, fake } = setup({ batcher: { maxBatch: 16 } }, ['zero', 'one']);
  const m = ModelMetadataSchema.parse(service.metadata());
  assert.equal(m.name, 'A');
  assert.deepEqual(m.versions, [plan.planId.slice(0, 12)]);
  assert.equal(m.platform, 'tfe-pond');
  assert.deepEqual(m.inputs, [{ name: 'flatten_input', datatype: 'FP32', shape: [-1, 28, 28, 1] }]);
  assert.deepEqual(m.outputs.map((o) => o.shape), [[-1, 10]]);
  const t = m.parameters.tfe;
  assert.equal(t.plan_id, plan.planId);
  assert.equal(t.max_rows, 16);
  assert.deepEqual(t.shareholders, ['server0', 'server1']);
  assert.deepEqual(t.keys.map((k) => k.role), ['server0', 'server1']);
  assert.deepEqual(t.labels, ['zero', 'one']);
  assert.equal(t.allow_plaintext, false);
  const raw = service.metadata().parameters.tfe.bindings;
  assert.ok(!('tensor' in raw.inputs[0]) && !('provider' in raw.inputs[0]), 'input binding without tensor id or provider');
  assert.ok(!('tensor' in raw.outputs[0]) && !('receiver' in raw.outputs[0]), 'output binding without tensor id or receiver');
  assert.equal(raw.inputs[0].scale, plan.inputs[0].scale);
  assert.deepEqual(raw.inputs[0].range, plan.inputs[0].range);
  // Allowed batch sizes were prewarmed: powers of two up to maxBatch.
  assert.deepEqual(fake.prewarmed, [{ batches: [1, 2, 4, 8, 16], count: 2 }]);
  assert.equal(setup().service.metadata().parameters.tfe.labels, undefined);
});

test('labels come from labels.txt in the plan directory, as tfe run finds them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-serve-labels-'));
  try {
    writeFileSync(join(dir, 'labels.txt'), 'cat\r\ndog\n\n');
    const key0 = freshKey();
    const fake = new FakeCompute(plan, key0.publicRaw, freshKey());
    assert.deepEqual(new PredictionService({ compute: fake, name: 'A', hpkeKey: key0, planDir: dir }).metadata().parameters.tfe.labels, ['cat', 'dog']);
    assert.deepEqual(new PredictionService({ compute: fake, name: 'A', hpkeKey: key0, planDir: dir, labels: ['x'] }).metadata().parameters.tfe.labels, ['x'], 'given labels win');
    assert.equal(new PredictionService({ compute: fake, name: 'A', hpkeKey: key0, planDir: tmpdir() + '/no-such-plan-dir' }).metadata().parameters.tfe.labels, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the leader's node:crypto request hash equals envelope.ts requestHash (WebCrypto)", async () => {
  const headers = [
    { model: 'A', plan_id: plan.planId, rows: 1, inputs: [{ name: 'flatten_input', shape: [1, 28, 28, 1] }] },
    { model: 'ünïcode/名前', plan_id: 'p', rows: 7, inputs: [{ name: 'b', shape: [7, 3] }, { name: 'a"\\', shape: [7] }] },
  ];
  const suite = nodeSuite();
  for (const h of headers) assert.deepEqual(await requestHash(h, suite), await requestHash(h));
});

test('defaultBatchSizes ends with maxBatch', () => {
  assert.deepEqual(defaultBatchSizes(32), [1, 2, 4, 8, 16, 32]);
  assert.deepEqual(defaultBatchSizes(12), [1, 2, 4, 8, 12]);
  assert.deepEqual(defaultBatchSizes(1), [1]);
});

test('infer: 3 rows end to end, reconstructed output = the fake linear function of the input', async () => {
  const { service, fake, view } = setup();
  const x = randomWords(3 * 784);
  const sealed = await sealInfer(view, x, 3, 'req-1');
  const n = note();
  const resp = EncryptedInferResponseSchema.parse(await service.infer(sealed.body, n));
  assert.equal(resp.id, 'req-1');
  assert.equal(resp.model_name, 'A');
  assert.deepEqual(resp.outputs.map((o) => o.name), ['server0', 'server1']);
  assert.deepEqual(await openInfer(view, sealed, resp, 3), expectedOutput(plan, x, 3));
  assert.equal(resp.parameters.tfe.rows, 3);
  assert.equal(resp.parameters.tfe.batch_rows, 3);
  assert.equal(resp.parameters.tfe.batch_size, 4, 'padded to the next allowed size');
  assert.deepEqual(fake.batches, [{ rows: [3], padTo: 4 }]);
  assert.equal(n.note.rows, 3);
});

function tamper(body: EncryptedInferRequest, role: string, at: number): EncryptedInferRequest {
  return {
    ...body,
    inputs: body.inputs.map((t) => {
      if (t.name !== role) return t;
      const b = fromBase64(t.data[0]);
      b[at] ^= 1;
      return { ...t, data: [toBase64(b)] as [string] };
    }),
  };
}

test("tampered ciphertext: server0's fails before queueing, server1's fails naming server1", async () => {
  const { service, fake, view } = setup();
  const sealed = await sealInfer(view, randomWords(784), 1);
  await rejects(service.infer(tamper(sealed.body, 'server0', 100), note()), 'E_CIPHERTEXT', /envelope for server0 did not decrypt/);
  await rejects(service.infer(tamper(sealed.body, 'server0', 3), note()), 'E_CIPHERTEXT', /server0/);
  assert.equal(fake.batches.length, 0, 'nothing queued for a bad own envelope');
  await rejects(service.infer(tamper(sealed.body, 'server1', 100), note()), 'E_CIPHERTEXT', /share for server1 was refused by server1/);
  // The untampered request still works afterwards.
  const ok = await service.infer(sealed.body, note());
  assert.equal(ok.outputs.length, 2);
});

test('wrong plan id: E_PLAN with a hint to re-fetch the metadata', async () => {
  const { service, view } = setup();
  const sealed = await sealInfer(view, randomWords(784), 1);
  const body = { ...sealed.body, parameters: { tfe: { ...sealed.body.parameters.tfe, plan_id: 'f'.repeat(64) } } };
  const e = await rejects(service.infer(body, note()), 'E_PLAN', /made for plan ffff/);
  assert.match(e.hint ?? '', /GET \/v2\/models\/A/);
});

test('envelopes made for another model name do not open (the name is in the aad)', async () => {
  const { service, view } = setup();
  const sealed = await sealInfer({ ...view, model: 'B' }, randomWords(784), 1);
  await rejects(service.infer(sealed.body, note()), 'E_CIPHERTEXT', /server0 did not decrypt/);
});

test('wrong shapes, rows, roles and lengths: E_SHAPE naming what is wrong', async () => {
  const { service, view } = setup({ batcher: { maxBatch: 4 } });
  const sealed = await sealInfer(view, randomWords(784), 1);
  const p = sealed.body.parameters.tfe;
  const withParams = (q: Partial<typeof p>): EncryptedInferRequest => ({ ...sealed.body, parameters: { tfe: { ...p, ...q } } });
  await rejects(service.infer(withParams({ inputs: [{ name: 'flatten_input', shape: [1, 28, 28] }] }), note()), 'E_SHAPE', /declared with shape \[1,28,28\], expected \[1,28,28,1\]/);
  await rejects(service.infer(withParams({ inputs: [{ name: 'x', shape: [1, 28, 28, 1] }] }), note()), 'E_SHAPE', /named 'x'.*'flatten_input'/);
  await rejects(service.infer(withParams({ rows: 2 }), note()), 'E_SHAPE', /shape \[1,28,28,1\], expected \[2,28,28,1\]/);
  await rejects(service.infer(withParams({ rows: 5, inputs: [{ name: 'flatten_input', shape: [5, 28, 28, 1] }] }), note()), 'E_SHAPE', /5 rows, more than the 4/);
  await rejects(service.infer({ ...sealed.body, inputs: [sealed.body.inputs[0]] }, note()), 'E_SHAPE', /no envelope for server1/);
  await rejects(service.infer({ ...sealed.body, inputs: [sealed.body.inputs[0], sealed.body.inputs[0]] }, note()), 'E_SHAPE', /two envelopes for server0/);
  await rejects(service.infer({ ...sealed.body, inputs: [...sealed.body.inputs, { ...sealed.body.inputs[0], name: 'dealer' }] }, note()), 'E_SHAPE', /envelope for 'dealer', which holds no shares/);
  const short = { ...sealed.body.inputs[1], data: [toBase64(fromBase64(sealed.body.inputs[1].data[0]).subarray(8))] as [string] };
  await rejects(service.infer({ ...sealed.body, inputs: [sealed.body.inputs[0], short] }, note()), 'E_SHAPE', /envelope for server1 has 6320 bytes, expected 6328/);
  await rejects(service.infer({ parameters: {}, inputs: [] }, note()), 'E_ARG', /malformed: parameters.tfe/);
  await rejects(service.infer([1, 2], note()), 'E_ARG', /malformed/);
});

const plaintextBody: PlaintextInferRequest = { id: 'p', inputs: [{ name: 'flatten_input', datatype: 'FP32', shape: [1, 28, 28, 1], data: new Array<number>(784).fill(0.5) }] };

test('plaintext body: E_PLAINTEXT with the hint, unless allowed, then the hook serves it after the admission gate', async () => {
  const { service } = setup();
  const e = await rejects(service.infer(plaintextBody, note()), 'E_PLAINTEXT', /does not accept plaintext inputs/);
  assert.match(e.hint ?? '', /tfe predict or tfe\/client.*--allow-plaintext-input/);
  assert.throws(() => setup({ allowPlaintext: true }), /no way to serve them/);
  const seen: PlaintextInferRequest[] = [];
  const admitted: number[] = [];
  const allowed = setup({
    allowPlaintext: true,
    plaintext: (b) => {
      seen.push(b);
      return Promise.resolve({ model_name: 'A', outputs: [], parameters: { tfe: { version: 1, rows: 1, batch_rows: 1, batch_size: 1, queue_ms: 0, session_ms: 0, rounds: 0, bytes: {} } } });
    },
  });
  assert.equal(allowed.service.metadata().parameters.tfe.allow_plaintext, true);
  await allowed.service.infer(plaintextBody, { admit: (r) => admitted.push(r), note: {} });
  assert.equal(seen.length, 1);
  assert.deepEqual(admitted, [1]);
  await rejects(allowed.service.infer({ inputs: [{ name: 'flatten_input', datatype: 'FP32', shape: [1], data: ['x'] }] }, note()), 'E_ARG', /plaintext infer request is malformed/);
});

test('the admission gate runs after validation and before decryption; not ready is 503 before it', async () => {
  const { service, fake, view } = setup();
  const sealed = await sealInfer(view, randomWords(2 * 784), 2);
  const gate = (): void => { throw new TfeError('E_RATE', 'over budget'); };
  await rejects(service.infer(sealed.body, { admit: gate, note: {} }), 'E_RATE', /over budget/);
  // A bad request is refused before the gate is asked (it costs no budget).
  const calls: number[] = [];
  await rejects(service.infer(tamper(sealed.body, 'server0', 100), { admit: (r) => calls.push(r), note: {} }), 'E_CIPHERTEXT', /server0/);
  assert.deepEqual(calls, [2], 'the gate ran before the own envelope was opened');
  await rejects(service.infer({ ...sealed.body, parameters: { tfe: { ...sealed.body.parameters.tfe, plan_id: 'x'.repeat(64) } } }, { admit: (r) => calls.push(r), note: {} }), 'E_PLAN', /plan/);
  assert.deepEqual(calls, [2]);
  fake.options = { readiness: { ready: false, reason: 'server1 is not connected' } };
  const e = await rejects(service.infer(sealed.body, note()), 'E_OVERLOAD', /not ready: server1 is not connected/);
  assert.ok(e instanceof UnavailableError && e.reason === 'not-ready');
  assert.deepEqual(service.readiness(), { ready: false, reason: 'server1 is not connected' });
});

test('a plan whose input has a fixed batch size is refused with E_UNSUPPORTED', () => {
  const fixed: Plan = { ...plan, inputs: plan.inputs.map((b) => ({ ...b, shape: [1, ...b.shape.slice(1)] })) };
  const key0 = freshKey();
  assert.throws(() => new PredictionService({ compute: new FakeCompute(fixed, key0.publicRaw, freshKey()), name: 'A', hpkeKey: key0 }), (e: unknown) => e instanceof TfeError && e.code === 'E_UNSUPPORTED' && /flatten_input' has shape \[1,28,28,1\]/.test(e.message));
});

test('drain: readiness turns 503 and new requests are refused', async () => {
  const { service, view } = setup();
  const sealed = await sealInfer(view, randomWords(784), 1);
  const r = await service.drain(1000);
  assert.equal(r.complete, true);
  assert.equal(service.readiness().ready, false);
  await rejects(service.infer(sealed.body, note()), 'E_OVERLOAD', /shutting down/);
});
