/**
 * The Beaver products (runtime/protocols/pond/beaver.ts) take their second term from
 * the ring buffer pool and give it back before returning. With the pool poisoning
 * given-back buffers, several products in a row (matmul with a cached weight mask,
 * conv2d, elementwise mul), whose outputs are all kept and revealed only at the end,
 * must each equal the plaintext ring product (exact mod 2^64): a buffer reused while
 * an output or a message still referenced it would show here as a wrong value.
 */
import { after, before, test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import { jsBackend } from '../../runtime/ring/js.js';
import { ringPool } from '../../runtime/ring/pool.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';
import { testBackend } from '../support/backend.js';
import { revealToClient, runKernel, shareInputs, type Operands } from '../support/pond-harness.js';
import { assertSameTensor, randomTensor } from '../support/ring-check.js';

before(() => {
  ringPool.poison = true;
});
after(() => {
  ringPool.poison = false;
});

test('consecutive Beaver products keep correct, distinct outputs while the pool recycles their temporaries', async () => {
  const dep = await LockstepParties.create({ ring: testBackend() });
  const x1 = randomTensor([3, 16]);
  const x2 = randomTensor([3, 16]);
  const w = randomTensor([16, 8]);
  const img = randomTensor([1, 5, 5, 2]);
  const f = randomTensor([3, 3, 2, 4]);
  const u = randomTensor([6]);
  const v = randomTensor([6]);
  const kept: { outputs: Operands; want: RingTensor }[] = [];
  // one shared weight (its mask is cached by tensor), two inputs
  const shared = await shareInputs(dep, [{ kind: 'secret', value: x1 }, { kind: 'secret', value: x2 }, { kind: 'secret', value: w }]);
  const mm = async (i: 0 | 1): Promise<void> => {
    const ops: Operands = new Map([...shared].map(([role, o]) => [role, [o[i], o[2]]]));
    const { outputs } = await runKernel(dep, pond.get('matmul_ss'), ops, { cacheKey: 'pool-w' });
    kept.push({ outputs, want: jsBackend.matmul(i === 0 ? x1 : x2, w) });
  };
  // the same cached weight twice, then other products, each output kept unrevealed
  await mm(0);
  await mm(1);
  const convOps = await shareInputs(dep, [{ kind: 'secret', value: img }, { kind: 'secret', value: f }]);
  const conv = await runKernel(dep, pond.get('conv2d_ss'), convOps, { strides: [1, 1], padding: 'SAME' });
  kept.push({ outputs: conv.outputs, want: jsBackend.conv2d(img, f, { strides: [1, 1], padding: 'SAME' }) });
  const mulOps = await shareInputs(dep, [{ kind: 'secret', value: u }, { kind: 'secret', value: v }]);
  kept.push({ outputs: (await runKernel(dep, pond.get('mul_ss'), mulOps, {})).outputs, want: jsBackend.mul(u, v) });
  await mm(0);
  for (const [i, k] of kept.entries()) {
    const [got] = await revealToClient(dep, k.outputs);
    assertSameTensor(got, k.want, `product ${i}`);
  }
  dep.close();
});
