/**
 * Out-parameter kernels (RingBackend add/sub/mul/matmul/conv2d with `out`) and the
 * buffer pool (runtime/ring/pool.ts), on every available backend against the BigInt
 * reference computed fresh: the result lands in `out` and `out` is returned; in-place
 * elementwise ops are exact; a wrong shape or an aliased matmul/conv2d output is an
 * error, not a wrong answer. The pool test catches a premature reuse: with poisoning on,
 * a buffer given back while still referenced would show as a wrong product.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Conv2dOptions, RingBackend } from '../../runtime/ring/backend.js';
import { tryBackend } from '../../runtime/ring/index.js';
import { jsBackend } from '../../runtime/ring/js.js';
import { BufferPool } from '../../runtime/ring/pool.js';
import { ringTensor, type RingTensor } from '../../runtime/ring/tensor.js';
import { assertSameTensor, assertTfeError, randomTensor } from '../support/ring-check.js';

const backends: RingBackend[] = (['native', 'wasm', 'js'] as const).map((n) => tryBackend(n)).filter((b): b is RingBackend => b !== undefined);
const copy = (t: RingTensor): RingTensor => ringTensor(t.shape, t.data.slice());

for (const be of backends) {
  describe(`${be.name}: out-parameters`, () => {
    test('matmul into out (2-D, batched with shared b, batched with broadcast batch) equals the fresh reference', () => {
      const cases: [number[], number[]][] = [[[5, 7], [7, 9]], [[1, 784], [784, 128]], [[3, 4, 6], [6, 5]], [[2, 3, 4], [1, 4, 5]], [[17, 33], [33, 40]]];
      for (const [sa, sb] of cases) {
        const a = randomTensor(sa);
        const b = randomTensor(sb);
        const want = jsBackend.matmul(a, b);
        const out = randomTensor(want.shape); // garbage that must be overwritten
        const got = be.matmul(a, b, out);
        assert.equal(got, out, 'returns out itself');
        assertSameTensor(out, want, `matmul ${sa} x ${sb}`);
      }
    });

    test('conv2d into out (SAME with padding, VALID, stride 2) equals the fresh reference, twice in a row', () => {
      const opts: Conv2dOptions[] = [{ strides: [1, 1], padding: 'SAME' }, { strides: [1, 1], padding: 'VALID' }, { strides: [2, 2], padding: 'SAME' }];
      for (const o of opts) {
        // two different inputs through the same out buffer and the same im2col scratch:
        // stale patches from the first call must not leak into the second's padding
        for (const x of [randomTensor([2, 6, 6, 3]), randomTensor([2, 6, 6, 3])]) {
          const w = randomTensor([3, 3, 3, 4]);
          const want = jsBackend.conv2d(x, w, o);
          const out = randomTensor(want.shape);
          assertSameTensor(be.conv2d(x, w, o, out), want, `conv2d ${o.padding} ${o.strides}`);
          assertSameTensor(be.conv2d(x, w, o), want, `conv2d fresh ${o.padding} ${o.strides}`);
        }
      }
    });

    test('elementwise ops in place (out = a, out = b) and with broadcasting', () => {
      for (const op of ['add', 'sub', 'mul', 'and', 'xor', 'or'] as const) {
        const a = randomTensor([4, 5]);
        const b = randomTensor([4, 5]);
        const want = jsBackend[op](a, b);
        const a1 = copy(a);
        assertSameTensor(be[op](a1, b, a1), want, `${op} out = a`);
        const b1 = copy(b);
        assertSameTensor(be[op](a, b1, b1), want, `${op} out = b`);
        const row = randomTensor([5]);
        const out = randomTensor([4, 5]);
        assertSameTensor(be[op](a, row, out), jsBackend[op](a, row), `${op} broadcast into out`);
      }
    });

    test('a wrong out shape is E_SHAPE; an out overlapping a matmul/conv2d input is E_ARG', () => {
      const a = randomTensor([3, 4]);
      const b = randomTensor([4, 3]);
      assertTfeError(() => be.matmul(a, b, randomTensor([3, 4])), 'E_SHAPE', /out has shape \[3,4\] but the result is \[3,3\]/);
      assertTfeError(() => be.add(a, a, randomTensor([4, 3])), 'E_SHAPE', /out has shape/);
      const sq = randomTensor([4, 4]);
      assertTfeError(() => be.matmul(sq, sq, sq), 'E_ARG', /must not overlap/);
      const x = randomTensor([1, 3, 3, 1]);
      const w = randomTensor([1, 1, 1, 9]);
      const big = ringTensor([1, 3, 3, 9], new BigUint64Array(81));
      const view = ringTensor([1, 3, 3, 1], big.data.subarray(0, 9));
      assertTfeError(() => be.conv2d(view, w, { strides: [1, 1], padding: 'VALID' }, big), 'E_ARG', /must not overlap/);
      assert.ok(x);
    });
  });
}

describe('BufferPool', () => {
  test('reuses a given-back buffer of the same length, refuses a double or foreign give', () => {
    const pool = new BufferPool();
    const a = pool.take(100);
    pool.give(a);
    const b = pool.take(100);
    assert.equal(b, a, 'the idle buffer is reused');
    assert.notEqual(pool.take(100), a, 'a taken buffer is never handed out twice');
    pool.give(b);
    assertTfeError(() => pool.give(b), 'E_BACKEND', /did not lend it \(or twice\)/);
    assertTfeError(() => pool.give(new BigUint64Array(100)), 'E_BACKEND', /did not lend it/);
    assert.deepEqual(pool.stats, { taken: 3, reused: 1 });
  });

  test('poison overwrites a given-back buffer; idle memory stays bounded', () => {
    const pool = new BufferPool();
    pool.poison = true;
    const a = pool.take(4);
    a.fill(7n);
    pool.give(a);
    assert.deepEqual([...a], [0xdeadbeefdeadbeefn, 0xdeadbeefdeadbeefn, 0xdeadbeefdeadbeefn, 0xdeadbeefdeadbeefn]);
    const capped = new BufferPool();
    const same = Array.from({ length: 20 }, () => capped.take(1 << 17));
    for (const b of same) capped.give(b);
    assert.equal(capped.idleSize, 8 * 8 * (1 << 17), 'at most 8 idle buffers of one length');
    const many = Array.from({ length: 9 * 8 }, (_, i) => capped.take((1 << 17) + 1 + (i % 9)));
    for (const b of many) capped.give(b);
    assert.ok(capped.idleSize <= 64 << 20, `idle ${capped.idleSize} bytes, above the 64 MB bound`);
  });
});
