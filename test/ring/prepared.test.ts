/**
 * Constant operands prepared once (RingBackend.prepareConstant: the native engine keeps a
 * packed copy of a weight) give the same products as the plain operand, against the
 * BigInt reference: matmul with m from 1 to 300 (the one-thread path, the row-split and
 * column-split two-thread paths), into out-parameters and fresh, and conv2d with a
 * prepared HWIO filter. A packed copy made for another code path or another shape is
 * ignored (the result is still right), which is what keeps a prepared weight correct
 * after TFE_RING_ISA or setIsa changes the path.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RingBackend } from '../../runtime/ring/backend.js';
import { tryBackend } from '../../runtime/ring/index.js';
import { jsBackend } from '../../runtime/ring/js.js';
import { loadNativeKernels } from '../../runtime/ring/native.js';
import { ringTensor } from '../../runtime/ring/tensor.js';
import { assertSameData, assertSameTensor, randomRing, randomTensor } from '../support/ring-check.js';

const backends: RingBackend[] = (['native', 'wasm', 'js'] as const).map((n) => tryBackend(n)).filter((b): b is RingBackend => b !== undefined);

for (const be of backends) {
  describe(`${be.name}: prepared constant operands`, () => {
    for (const threads of be.name === 'native' ? [1, 2] : [1]) {
      test(`matmul and conv2d with a prepared second operand equal the reference (${threads} thread(s))`, () => {
        be.setThreads(threads);
        try {
          for (const [m, k, n] of [[1, 784, 128], [5, 33, 17], [8, 40, 40], [9, 64, 50], [64, 500, 50], [300, 96, 72], [2, 64, 400]]) {
            const w = randomTensor([k, n]);
            const wp = be.prepareConstant(w);
            assertSameTensor(wp, w, 'a prepared tensor holds the same values');
            const x = randomTensor([m, k]);
            const want = jsBackend.matmul(x, w);
            assertSameTensor(be.matmul(x, wp), want, `matmul ${m}x${k}x${n} fresh`);
            assertSameTensor(be.matmul(x, wp, randomTensor([m, n])), want, `matmul ${m}x${k}x${n} into out`);
            // used again: the packed copy is reused, not consumed
            const x2 = randomTensor([m, k]);
            assertSameTensor(be.matmul(x2, wp), jsBackend.matmul(x2, w), `matmul ${m}x${k}x${n} second use`);
          }
          const f = randomTensor([5, 5, 3, 20]);
          const fp = be.prepareConstant(f);
          const img = randomTensor([2, 12, 12, 3]);
          for (const padding of ['SAME', 'VALID'] as const) {
            const o = { strides: [1, 1] as [number, number], padding };
            assertSameTensor(be.conv2d(img, fp, o), jsBackend.conv2d(img, f, o), `conv2d ${padding}`);
          }
        } finally {
          be.setThreads(1);
        }
      });
    }
  });
}

const native = loadNativeKernels();

test('native: a packed copy for another shape or code path is ignored, never misread', { skip: native ? false : 'native addon not built' }, () => {
  const k = native as NonNullable<typeof native>;
  const packB = k.packB;
  const matmulPacked = k.matmulPacked;
  assert.ok(packB && matmulPacked);
  const b = randomRing(24);
  const a = randomRing(5 * 6);
  const want = jsBackend.matmul(ringTensor([5, 6], a), ringTensor([6, 4], b)).data;
  // packed as 4 x 6 (same element count), used as 6 x 4: the header differs, b is read
  const wrongShape = packB.call(k, b, 4, 6);
  const out = new BigUint64Array(20);
  if (wrongShape.length === packB.call(k, b, 6, 4).length) {
    matmulPacked.call(k, a, b, wrongShape, out, 5, 6, 4);
    assertSameData(out, want, 'packed for another shape');
  }
  const isa0 = k.isa();
  const other = k.isas().find((x) => x !== isa0);
  if (other) {
    const packed = packB.call(k, b, 6, 4);
    k.setIsa(other);
    try {
      out.fill(0n);
      matmulPacked.call(k, a, b, packed, out, 5, 6, 4);
      assertSameData(out, want, `packed for ${isa0}, run on ${other}`);
    } finally {
      k.setIsa(isa0);
    }
  }
  assert.throws(() => matmulPacked.call(k, a, b, wrongShape, a, 5, 6, 4), /E_SHAPE|E_ARG|out/);
});
