/**
 * Pond's dealer material over the seed-compressed primitives: servers' shares of a
 * Beaver triple reconstruct to c = a*b; only |c| elements travel (to server1 alone),
 * half or less of sending every share; a weight mask drawn once (weightMask) is the
 * b of every later triple under its key while a and c are fresh; two bundles (runs)
 * draw independent streams.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { triple, weightMask, type TripleShare } from '../../runtime/protocols/pond/material.js';
import { jsBackend } from '../../runtime/ring/js.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';

test('matmul triple: shares reconstruct, and only |c| elements are sent by the dealer', async () => {
  const dep = await LockstepParties.create({ ring: jsBackend });
  const shapes = { a: [3, 4], b: [4, 5], c: [3, 5] };
  const { results, stats } = await dep.run(async (ctx) => (ctx.dealer ? triple(ctx.dealer, shapes, (x, y) => jsBackend.matmul(x, y)) : undefined));
  const t0 = results.get('server0') as TripleShare;
  const t1 = results.get('server1') as TripleShare;
  const a = jsBackend.add(t0.a, t1.a);
  const b = jsBackend.add(t0.b as RingTensor, t1.b as RingTensor);
  assert.deepEqual(jsBackend.add(t0.c, t1.c).data, jsBackend.matmul(a, b).data);
  assert.equal(stats.dealerBytes, 8 * 15);
  assert.ok(stats.dealerBytes * 2 <= 8 * 2 * (12 + 20 + 15), 'seeded material at most half of sending every share');
  assert.equal(stats.rounds, 0);
});

test('a weight mask is the b of every later triple under its key; a and c are fresh; runs use independent streams', async () => {
  const dep = await LockstepParties.create({ ring: jsBackend });
  const shape = [2];
  const f = (x: RingTensor, y: RingTensor): RingTensor => jsBackend.mul(x, y);
  const masks = (await dep.run(async (ctx) => (ctx.dealer ? weightMask(ctx.dealer, shape, 'w') : undefined))).results;
  const B = jsBackend.add(masks.get('server0') as RingTensor, masks.get('server1') as RingTensor);
  const draws: TripleShare[][] = [];
  for (let i = 0; i < 2; i++) {
    const r = (await dep.run(async (ctx) => (ctx.dealer ? triple(ctx.dealer, { a: shape, b: shape, c: shape }, f, 'w') : undefined))).results;
    const s0 = r.get('server0') as TripleShare;
    const s1 = r.get('server1') as TripleShare;
    assert.equal(s0.b, undefined, 'servers get no b share under a cached mask');
    assert.deepEqual(jsBackend.add(s0.c, s1.c).data, f(jsBackend.add(s0.a, s1.a), B).data, 'c = a * B for the kept mask B');
    draws.push([s0, s1]);
  }
  assert.notDeepEqual(draws[0][0].a.data, draws[1][0].a.data);
  await assert.rejects(dep.run(async (ctx) => (ctx.dealer ? triple(ctx.dealer, { a: shape, b: shape, c: shape }, f, 'never-masked') : undefined)), /no mask for 'never-masked'/);
});
