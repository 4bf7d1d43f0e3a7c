/**
 * The in-memory transport: FIFO per pair, round clocks, byte counts, length checks on
 * receive (a malformed message is an E_PROTOCOL error naming the peer), and a failing
 * party aborts the others instead of leaving them waiting forever.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryNetwork } from '../../runtime/transport/memory.js';
import { LocalDeployment } from '../../runtime/party/local.js';
import { TfeError } from '../../src/errors.js';
import { jsBackend } from '../../runtime/ring/js.js';

test('messages arrive in order with clocks advanced once per exchange', async () => {
  const net = new MemoryNetwork();
  const a = net.endpoint('server0');
  const b = net.endpoint('server1');
  a.send('server1', new BigUint64Array([1n]));
  a.send('server1', new BigUint64Array([2n, 3n]));
  b.send('server0', new BigUint64Array([9n]));
  assert.deepEqual([...(await b.recv('server0', 1))], [1n]);
  assert.deepEqual([...(await b.recv('server0', 2))], [2n, 3n]);
  assert.deepEqual([...(await a.recv('server1', 1))], [9n]);
  assert.equal(a.stats.clock, 1);
  assert.equal(b.stats.clock, 1);
  assert.equal(a.stats.bytesTotal, 24);
  assert.equal(b.stats.bytesSent.server0, 8);
});

test('offline (dealer) messages do not add rounds and count as dealer bytes', async () => {
  const net = new MemoryNetwork();
  net.endpoint('dealer').send('server1', new BigUint64Array(4), true);
  await net.endpoint('server1').recv('dealer', 4);
  assert.equal(net.endpoint('server1').stats.clock, 0);
  assert.equal(net.endpoint('dealer').stats.offlineBytes, 32);
  assert.equal(net.endpoint('dealer').stats.bytesTotal, 0);
});

test('a message of the wrong length is an E_PROTOCOL error naming the peer', async () => {
  const net = new MemoryNetwork();
  net.endpoint('server0').send('server1', new BigUint64Array(3));
  await assert.rejects(net.endpoint('server1').recv('server0', 4), (e: unknown) => e instanceof TfeError && e.code === 'E_PROTOCOL' && /from server0/.test(e.message));
});

test('a party that fails aborts the run: the others do not hang and the first error is reported', async () => {
  const dep = await LocalDeployment.create({ ring: jsBackend });
  await assert.rejects(
    dep.run(async (ctx) => {
      if (ctx.role === 'server0') throw new TfeError('E_PROTOCOL', 'server0 gave up');
      if (ctx.role === 'server1') await ctx.net.recv('server0', 1); // would wait forever without the abort
      return 0;
    }),
    /server0 gave up/,
  );
});
