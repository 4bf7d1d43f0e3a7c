/**
 * The PRG into caller buffers (Prg.ringInto) and the dealer primitives built on it:
 * on both keystream backends (native AES-NI when built, and node:crypto forced by
 * TFE_PRG=node), ringInto writes the bytes of node:crypto's AES-128-CTR under the
 * seed and the stream's counter block, also into a view at a non-zero offset of a
 * larger buffer (leaving the rest untouched); and the dealer's randA/randB/giveA,
 * which now combine its two streams through a pooled buffer, still equal the sum/XOR
 * of the servers' shares. Fresh seeds are 16 bytes, never repeated over many draws.
 */
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { test } from 'node:test';
import { DealerMaterial, type MaterialChannel } from '../../runtime/crypto/material.js';
import { Prg, freshSeed, type PrgBackend } from '../../runtime/crypto/prg.js';
import { nativeAes } from '../../runtime/crypto/aes-native.js';
import { jsBackend } from '../../runtime/ring/js.js';
import { ringPool } from '../../runtime/ring/pool.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { testBackend } from '../support/backend.js';

function nodeStream(seed: Uint8Array, stream: bigint, bytes: number): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(stream, 0);
  return new Uint8Array(createCipheriv('aes-128-ctr', seed, iv).update(Buffer.alloc(bytes)));
}

function withPrg<T>(backend: PrgBackend, f: () => T): T {
  const old = process.env.TFE_PRG;
  process.env.TFE_PRG = backend;
  try {
    return f();
  } finally {
    if (old === undefined) delete process.env.TFE_PRG;
    else process.env.TFE_PRG = old;
  }
}

const backends: PrgBackend[] = nativeAes() ? ['aes-ni', 'node'] : ['node'];

for (const backend of backends) {
  test(`${backend}: ringInto writes node:crypto's AES-128-CTR bytes, into views at an offset too`, () => {
    const seed = freshSeed();
    const prg = withPrg(backend, () => new Prg(seed, 5n));
    assert.equal(prg.backend, backend);
    const big = new BigUint64Array(1 + 3 + 1000 + 1).fill(0x5555n);
    prg.ringInto(big.subarray(1, 4)); // 24 bytes: one block and a half
    prg.ringInto(big.subarray(4, 1004));
    const want = nodeStream(seed, 5n, 1003 * 8);
    assert.deepEqual(new Uint8Array(big.buffer, 8, 1003 * 8), want);
    assert.equal(big[0], 0x5555n, 'the word before the view is untouched');
    assert.equal(big[1004], 0x5555n, 'the word after the view is untouched');
    const again = withPrg(backend, () => new Prg(seed, 5n)).ring(1003);
    assert.deepEqual(new Uint8Array(again.buffer, again.byteOffset, again.byteLength), want, 'ring(n) equals ringInto');
  });
}

test('fresh seeds: 16 bytes each, no repeats over 2,000 draws (several refills of the seed buffer)', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const s = freshSeed();
    assert.equal(s.length, 16);
    seen.add(Buffer.from(s).toString('hex'));
  }
  assert.equal(seen.size, 2000);
});

test('dealer randA / randB / giveA equal the combination of the servers\' shares (pooled, poisoned temporaries)', async () => {
  ringPool.poison = true;
  try {
    const ring = testBackend();
    const seeds = { server0: freshSeed(), server1: freshSeed() };
    const sent: BigUint64Array[] = [];
    const toServer1: MaterialChannel = {
      send: (d) => void sent.push(d.slice()),
      recv: (n) => {
        const d = sent.shift();
        assert.ok(d && d.length === n);
        return Promise.resolve(d);
      },
    };
    const dealer = new DealerMaterial('dealer', ring, { server0: new Prg(seeds.server0, 9n), server1: new Prg(seeds.server1, 9n) }, toServer1, new Map());
    const s0 = new DealerMaterial('server0', ring, { server0: new Prg(seeds.server0, 9n) }, toServer1, new Map());
    const s1 = new DealerMaterial('server1', ring, { server1: new Prg(seeds.server1, 9n) }, toServer1, new Map());
    for (const shape of [[3], [40, 17]]) {
      const a = [dealer.randA(shape), s0.randA(shape), s1.randA(shape)];
      assert.deepEqual([...a[0].data], [...jsBackend.add(a[1], a[2]).data], `randA ${shape}`);
      const b = [dealer.randB(shape), s0.randB(shape), s1.randB(shape)];
      assert.deepEqual([...b[0].data], [...jsBackend.xor(b[1], b[2]).data], `randB ${shape}`);
      const value = ringTensor(shape, new Prg(freshSeed()).ring(a[0].data.length));
      const v = await dealer.giveA(shape, () => value);
      const g0 = await s0.giveA(shape, () => assert.fail('servers never compute the value'));
      const g1 = await s1.giveA(shape, () => assert.fail('servers never compute the value'));
      assert.equal(v, value);
      assert.deepEqual([...jsBackend.add(g0, g1).data], [...value.data], `giveA ${shape}`);
    }
  } finally {
    ringPool.poison = false;
  }
});
