/**
 * Sessions over links (runtime/transport/router.ts, session.ts): concurrent sessions
 * on the same links do not interfere; a message for a session not started yet waits
 * for it; a message of the wrong step, an unexpected length, a receive timeout, a
 * peer's abort and a lost link each end the session with an error naming the peer
 * and the step, never a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TfeError } from '../../src/errors.js';
import { memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { Router } from '../../runtime/transport/router.js';
import { SessionEndpoint } from '../../runtime/transport/session.js';

function pair(timeoutMs = 2000): { a: Router; b: Router; destroy(err: TfeError): void } {
  const a = new Router('server0', { receiveTimeoutMs: timeoutMs });
  const b = new Router('server1', { receiveTimeoutMs: timeoutMs });
  const [la, lb] = memoryLinkPair('server0', 'server1');
  a.addLink(la);
  b.addLink(lb);
  return { a, b, destroy: (err) => la.destroyWith(err) };
}

const words = (...v: number[]): BigUint64Array => BigUint64Array.from(v.map(BigInt));

test('two concurrent sessions over the same link each get their own messages, in order', async () => {
  const { a, b } = pair();
  const a1 = new SessionEndpoint(a, 'server0', 1n, ['server1']);
  const a2 = new SessionEndpoint(a, 'server0', 2n, ['server1']);
  const b1 = new SessionEndpoint(b, 'server1', 1n, ['server0']);
  const b2 = new SessionEndpoint(b, 'server1', 2n, ['server0']);
  for (const e of [a1, a2, b1, b2]) e.setStep(0, 'test');
  a2.send('server1', words(20));
  a1.send('server1', words(10));
  a2.send('server1', words(21));
  a1.send('server1', words(11));
  assert.deepEqual([...(await b1.recv('server0', 1)), ...(await b1.recv('server0', 1))], [10n, 11n]);
  assert.deepEqual([...(await b2.recv('server0', 1)), ...(await b2.recv('server0', 1))], [20n, 21n]);
  assert.equal(b1.stats.clock, 1);
});

test('a message that overtakes its session waits for it', async () => {
  const { a, b } = pair();
  const a7 = new SessionEndpoint(a, 'server0', 7n, ['server1']);
  a7.setStep(3, 'early');
  a7.send('server1', words(5, 6));
  await new Promise((r) => setTimeout(r, 10));
  const b7 = new SessionEndpoint(b, 'server1', 7n, ['server0']);
  b7.setStep(3, 'early');
  assert.deepEqual([...(await b7.recv('server0', 2))], [5n, 6n]);
});

test('a message of another step or length is an E_PROTOCOL error naming the peer and the step', async () => {
  const { a, b } = pair();
  const sa = new SessionEndpoint(a, 'server0', 3n, ['server1']);
  const sb = new SessionEndpoint(b, 'server1', 3n, ['server0']);
  sa.setStep(4, 'relu_s');
  sb.setStep(5, 'trunc_s, node d/MatMul');
  sa.send('server1', words(1));
  await assert.rejects(sb.recv('server0', 1), (e: unknown) => e instanceof TfeError && e.code === 'E_PROTOCOL' && /server0 sent message 0 of step 4, but server1 expects message 0 of step 5 \(trunc_s, node d\/MatMul\)/.test(e.message));
  const sc = new SessionEndpoint(a, 'server0', 9n, ['server1']);
  const sd = new SessionEndpoint(b, 'server1', 9n, ['server0']);
  sc.setStep(1, 'x');
  sd.setStep(1, 'x');
  sc.send('server1', words(1, 2, 3));
  await assert.rejects(sd.recv('server0', 2), /server0 sent 24 bytes at step 1 \(x\), server1 expected 2 ring elements/);
});

test('a receive times out with an error naming the peer and the step', async () => {
  const { b } = pair(150);
  const sb = new SessionEndpoint(b, 'server1', 4n, ['server0']);
  sb.setStep(2, 'matmul_ss');
  const t0 = Date.now();
  await assert.rejects(sb.recv('server0', 1), /server1 received nothing from server0 within 0.15 s at step 2 \(matmul_ss\)/);
  assert.ok(Date.now() - t0 < 1000);
});

test('an abort reaches the peer with its reason; a lost link fails pending receives naming the peer', async () => {
  const { a, b, destroy } = pair();
  const sa = new SessionEndpoint(a, 'server0', 5n, ['server1']);
  const sb = new SessionEndpoint(b, 'server1', 5n, ['server0']);
  sa.setStep(6, 'argmax_s');
  sb.setStep(6, 'argmax_s');
  const pending = sb.recv('server0', 1);
  sa.abort(new TfeError('E_RANGE', 'input out of range'));
  await assert.rejects(pending, /server0 ended the session at step 6: server0: input out of range/);
  const sc = new SessionEndpoint(b, 'server1', 6n, ['server0']);
  sc.setStep(0, 'share');
  const waiting = sc.recv('server0', 1);
  destroy(new TfeError('E_TRANSPORT', 'ECONNRESET'));
  await assert.rejects(waiting, /ECONNRESET/);
  assert.equal(b.hasLink('server0'), false);
});
