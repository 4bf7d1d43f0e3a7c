/**
 * The seeded dealer: servers' shares of a Beaver triple reconstruct to c = a*b; only
 * |c| elements travel (to server1 alone), half or less of sending every share; and a
 * cached mask keeps b while a and c are fresh.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalDeployment } from '../../runtime/party/local.js';
import { jsBackend } from '../../runtime/ring/js.js';
import type { TripleShare } from '../../runtime/crypto/dealer.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';

test('matmul triple: shares reconstruct, and only |c| elements are sent by the dealer', async () => {
  const dep = await LocalDeployment.create({ ring: jsBackend });
  const shapes = { a: [3, 4], b: [4, 5], c: [3, 5] };
  const { results, stats } = await dep.run((ctx) => ctx.dealer.triple(shapes, (x, y) => jsBackend.matmul(x, y)));
  const t0 = results.get('server0') as TripleShare;
  const t1 = results.get('server1') as TripleShare;
  const a = jsBackend.add(t0.a, t1.a);
  const b = jsBackend.add(t0.b, t1.b);
  assert.deepEqual(jsBackend.add(t0.c, t1.c).data, jsBackend.matmul(a, b).data);
  assert.equal(stats.dealerBytes, 8 * 15);
  assert.ok(stats.dealerBytes * 2 <= 8 * 2 * (12 + 20 + 15), 'seeded material at most half of sending every share');
  assert.equal(stats.rounds, 0);
});

test('a cached mask keeps b and draws a fresh a', async () => {
  const dep = await LocalDeployment.create({ ring: jsBackend });
  const shapes = { a: [2], b: [2], c: [2] };
  const f = (x: RingTensor, y: RingTensor): RingTensor => jsBackend.mul(x, y);
  const r1 = (await dep.run((ctx) => ctx.dealer.triple(shapes, f, 'w'))).results.get('server0') as TripleShare;
  const r2 = (await dep.run((ctx) => ctx.dealer.triple(shapes, f, 'w'))).results.get('server0') as TripleShare;
  assert.deepEqual(r1.b.data, r2.b.data);
  assert.notDeepEqual(r1.a.data, r2.a.data);
});
