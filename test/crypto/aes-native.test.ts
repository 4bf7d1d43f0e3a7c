/**
 * The native AES-NI keystream (runtime/ring/native/aes_ni.cc through
 * runtime/crypto/aes-native.ts and keystream.ts) against node:crypto's
 * createCipheriv('aes-128-ctr') as the independent reference: random keys and
 * counter blocks, many lengths, fills split at odd boundaries, counters whose low
 * 64 bits (or all 128) wrap, stream ids, and argument checks.
 */
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { nativeAes, type NativeAes } from '../../runtime/crypto/aes-native.js';
import { AesNiKeystream, NodeKeystream } from '../../runtime/crypto/keystream.js';
import { nativeAddonError } from '../../runtime/ring/native-addon.js';

const aes = nativeAes();
const skip = aes ? false : `native AES-NI keystream not available: ${nativeAddonError() ?? 'no AES instructions or stale addon'}`;

function native(): NativeAes {
  assert.ok(aes);
  return aes;
}

/** node:crypto's keystream: `len` bytes of AES-128-CTR from counter block `iv`. */
function reference(key: Uint8Array, iv: Uint8Array, len: number): Buffer {
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(len));
}

function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** `iv` + blocks as a 128-bit big-endian integer modulo 2^128, as 16 bytes. */
function addBlocks(iv: Uint8Array, blocks: number): string {
  const v = (BigInt(`0x${Buffer.from(iv).toString('hex')}`) + BigInt(blocks)) % (1n << 128n);
  return v.toString(16).padStart(32, '0');
}

const LENGTHS = [0, 1, 15, 16, 17, 127, 128, 129, 4095, (1 << 20) + 3];

describe('native AES-128-CTR keystream', { skip }, () => {
  test('equals node:crypto for random keys and counter blocks, many lengths; advances the counter by ceil(len/16)', () => {
    for (const len of LENGTHS) {
      for (let rep = 0; rep < 3; rep++) {
        const key = new Uint8Array(randomBytes(16));
        const iv = new Uint8Array(randomBytes(16));
        const counter = new Uint8Array(iv);
        const out = new Uint8Array(len);
        native().aesCtr(key, counter, out);
        assert.ok(Buffer.from(out).equals(reference(key, iv, len)), `length ${len}`);
        assert.equal(Buffer.from(counter).toString('hex'), addBlocks(iv, Math.ceil(len / 16)), `counter after ${len} bytes`);
      }
    }
  });

  test('the NIST SP 800-38A F.5.1 counter block layout (known-answer: first block)', () => {
    // SP 800-38A F.5.1: key 2b7e1516..., initial counter f0f1...feff, plaintext block 1
    // 6bc1bee2..., ciphertext 874d6191...; the keystream block is their xor.
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const counter = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const out = new Uint8Array(16);
    native().aesCtr(key, counter, out);
    const pt = Buffer.from('6bc1bee22e409f96e93d7e117393172a', 'hex');
    const ct = Buffer.from(out).map((b, i) => b ^ pt[i]);
    assert.equal(Buffer.from(ct).toString('hex'), '874d6191b620e3261bef6864990db6ce');
  });

  test('the counter carries from the low 64 bits into the high 64 bits, and wraps modulo 2^128', () => {
    const key = new Uint8Array(randomBytes(16));
    const cases = [
      '0123456789abcdeffffffffffffffffd', // low half 2^64 - 3: carry after 3 blocks
      '0123456789abcdefffffffffffffffff', // carry after the first block
      '00000000fffffffffffffffffffffff0', // low 32 bits wrap (OpenSSL's ctr32 fast path boundary)
      'fffffffffffffffffffffffffffffffe', // the whole 128-bit counter wraps to 0
    ];
    for (const c of cases) {
      for (const len of [16 * 8 + 5, 16 * 3, 4095]) {
        const iv = hex(c);
        const counter = new Uint8Array(iv);
        const out = new Uint8Array(len);
        native().aesCtr(key, counter, out);
        assert.ok(Buffer.from(out).equals(reference(key, iv, len)), `counter ${c}, length ${len}`);
        assert.equal(Buffer.from(counter).toString('hex'), addBlocks(iv, Math.ceil(len / 16)));
      }
    }
  });

  test('fills split at odd boundaries continue one stream (AesNiKeystream, as the Prg uses it)', () => {
    for (let rep = 0; rep < 20; rep++) {
      const key = new Uint8Array(randomBytes(16));
      const iv = new Uint8Array(randomBytes(16));
      if (rep % 4 === 0) iv.set(hex('fffffffffffffff0'), 8); // crosses the 64-bit carry
      const ks = new AesNiKeystream(native(), key, iv);
      const sizes = [0, 1, 15, 16, 17, 3, 13, 4095, 31, 1, 1, 1, 65_537, 2, randomInt(1, 10_000), randomInt(0, 40)];
      const total = sizes.reduce((a, b) => a + b, 0);
      const got = new Uint8Array(total);
      let off = 0;
      for (const n of sizes) {
        ks.fill(got.subarray(off, off + n));
        off += n;
      }
      assert.ok(Buffer.from(got).equals(reference(key, iv, total)), `rep ${rep}: sizes ${sizes.join(',')}`);
    }
  });

  test('stream ids: iv = stream big-endian || 0, equal to node:crypto and to the node:crypto keystream', () => {
    const key = new Uint8Array(randomBytes(16));
    for (const stream of [0n, 1n, 12345n, (1n << 63n) + 7n, (1n << 64n) - 1n]) {
      const iv = Buffer.alloc(16);
      iv.writeBigUInt64BE(stream, 0);
      const a = new Uint8Array(1000);
      const b = new Uint8Array(1000);
      new AesNiKeystream(native(), key, iv).fill(a);
      new NodeKeystream(key, iv).fill(b);
      assert.ok(Buffer.from(a).equals(reference(key, iv, 1000)), `stream ${stream}`);
      assert.deepEqual(a, b);
    }
  });

  test('writes only inside out (a view into a larger buffer keeps its neighbours)', () => {
    const key = new Uint8Array(randomBytes(16));
    const iv = new Uint8Array(randomBytes(16));
    const big = new Uint8Array(100).fill(0xa5);
    native().aesCtr(key, new Uint8Array(iv), big.subarray(7, 7 + 37));
    assert.ok(big.subarray(0, 7).every((b) => b === 0xa5));
    assert.ok(big.subarray(44).every((b) => b === 0xa5));
    assert.ok(Buffer.from(big.subarray(7, 44)).equals(reference(key, iv, 37)));
  });

  test('argument checks: lengths, types, overlap', () => {
    const code = (f: () => void, want: string): void => {
      assert.throws(f, (e: unknown) => e instanceof Error && (e as Error & { code?: unknown }).code === want);
    };
    const k = new Uint8Array(16);
    code(() => native().aesCtr(new Uint8Array(15), new Uint8Array(16), new Uint8Array(4)), 'E_ARG');
    code(() => native().aesCtr(k, new Uint8Array(17), new Uint8Array(4)), 'E_ARG');
    code(() => native().aesCtr(k, new Uint8Array(16), new Uint32Array(4) as unknown as Uint8Array), 'E_ARG');
    const shared = new Uint8Array(64);
    code(() => native().aesCtr(k, shared.subarray(0, 16), shared.subarray(8, 40)), 'E_ARG');
    code(() => native().aesCtr(shared.subarray(30, 46), new Uint8Array(16), shared.subarray(0, 32)), 'E_ARG');
  });
});
