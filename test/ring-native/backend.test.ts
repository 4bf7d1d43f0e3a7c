/**
 * The composed native RingBackend (compose.ts over the native flat kernels, as
 * index.ts builds it) against the BigInt reference backend: broadcasting, batched
 * matmul, conv2d (SAME/VALID, strides 1 and 2), depthwise conv2d, sums over axes,
 * layout ops, shifts and bit extraction, with 1 and 2 threads.
 */
import { describe, test } from 'node:test';
import type { Conv2dOptions, RingBackend } from '../../runtime/ring/backend.js';
import { backendByName } from '../../runtime/ring/index.js';
import { jsBackend } from '../../runtime/ring/js.js';
import type { Shape } from '../../runtime/ring/tensor.js';
import { assertSameTensor, kernels, randomIndex, randomTensor, skipUnlessBuilt } from './helpers.js';

const CONV_OPTS: readonly Conv2dOptions[] = [
  { strides: [1, 1], padding: 'SAME' },
  { strides: [1, 1], padding: 'VALID' },
  { strides: [2, 2], padding: 'SAME' },
  { strides: [2, 2], padding: 'VALID' },
  { strides: [1, 2], padding: 'SAME' },
];

function optsStr(o: Conv2dOptions): string {
  return `${o.padding} strides ${o.strides.join('x')}`;
}

describe('native RingBackend', { skip: skipUnlessBuilt }, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread(s)`, () => {
      const nb = (): RingBackend => {
        const b = backendByName('native');
        b.setThreads(threads);
        return b;
      };

      test('elementwise ops with broadcasting', () => {
        const b = nb();
        const pairs: readonly (readonly [Shape, Shape])[] = [[[3, 4], [3, 4]], [[2, 3, 4], [4]], [[2, 1, 5], [3, 1]], [[1], [6]], [[300, 300], [300, 1]]];
        for (const [sa, sb] of pairs) {
          const x = randomTensor(sa);
          const y = randomTensor(sb);
          for (const op of ['add', 'sub', 'mul', 'and', 'xor', 'or'] as const) {
            assertSameTensor(b[op](x, y), jsBackend[op](x, y), `${op} [${sa.join(',')}] x [${sb.join(',')}]`);
          }
        }
        const x = randomTensor([5, 7]);
        assertSameTensor(b.neg(x), jsBackend.neg(x), 'neg');
        assertSameTensor(b.not(x), jsBackend.not(x), 'not');
      });

      test('shifts and bit extraction', () => {
        const b = nb();
        const x = randomTensor([4, 9]);
        for (const s of [0, 1, 15, 16, 31, 32, 33, 62, 63]) {
          assertSameTensor(b.shr(x, s), jsBackend.shr(x, s), `shr ${s}`);
          assertSameTensor(b.sar(x, s), jsBackend.sar(x, s), `sar ${s}`);
          assertSameTensor(b.shl(x, s), jsBackend.shl(x, s), `shl ${s}`);
          assertSameTensor(b.bit(x, s), jsBackend.bit(x, s), `bit ${s}`);
        }
      });

      test('matmul: 2-D, batched, shared and broadcast batch operands', () => {
        const b = nb();
        const cases: readonly (readonly [Shape, Shape])[] = [
          [[7, 13], [13, 5]], [[1, 784], [784, 10]], [[3, 7, 13], [3, 13, 5]], [[2, 3, 7, 9], [9, 4]],
          [[2, 1, 5, 6], [3, 6, 2]], [[1, 4, 6], [3, 6, 5]], [[4, 70, 64], [64, 70]],
        ];
        for (const [sa, sb] of cases) {
          const x = randomTensor(sa);
          const y = randomTensor(sb);
          assertSameTensor(b.matmul(x, y), jsBackend.matmul(x, y), `matmul [${sa.join(',')}] x [${sb.join(',')}]`);
        }
      });

      test('conv2d and depthwise conv2d, SAME and VALID, strides 1 and 2', () => {
        const b = nb();
        const x = randomTensor([2, 9, 8, 3]);
        const w = randomTensor([3, 3, 3, 4]);
        const w5 = randomTensor([5, 4, 3, 2]);
        const dw = randomTensor([3, 3, 3, 2]);
        for (const o of CONV_OPTS) {
          assertSameTensor(b.conv2d(x, w, o), jsBackend.conv2d(x, w, o), `conv2d 3x3 ${optsStr(o)}`);
          assertSameTensor(b.conv2d(x, w5, o), jsBackend.conv2d(x, w5, o), `conv2d 5x4 ${optsStr(o)}`);
          assertSameTensor(b.depthwiseConv2d(x, dw, o), jsBackend.depthwiseConv2d(x, dw, o), `depthwise ${optsStr(o)}`);
        }
        // an MNIST-like first layer, large enough for the thread pool
        const img = randomTensor([2, 28, 28, 1]);
        const f = randomTensor([5, 5, 1, 16]);
        const o: Conv2dOptions = { strides: [1, 1], padding: 'SAME' };
        assertSameTensor(b.conv2d(img, f, o), jsBackend.conv2d(img, f, o), 'conv2d 28x28x1 -> 16');
      });

      test('sum over axes, with and without keepDims', () => {
        const b = nb();
        const x = randomTensor([3, 4, 5]);
        const axesList: readonly (readonly number[])[] = [[0], [1], [2], [-1], [0, 2], [0, 1, 2], [1, 2], []];
        for (const axes of axesList) {
          for (const keep of [false, true]) {
            assertSameTensor(b.sum(x, axes, keep), jsBackend.sum(x, axes, keep), `sum [${axes.join(',')}] keepDims=${keep}`);
          }
        }
        const big = randomTensor([2, 40000]);
        assertSameTensor(b.sum(big, [1]), jsBackend.sum(big, [1]), 'sum of long rows');
        assertSameTensor(b.sum(big, [0]), jsBackend.sum(big, [0]), 'sum of many short columns');
      });

      test('transpose, pad, slice, concat, broadcastTo', () => {
        const b = nb();
        const x = randomTensor([2, 3, 4]);
        for (const perm of [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1], [2, 0, 1]]) {
          assertSameTensor(b.transpose(x, perm), jsBackend.transpose(x, perm), `transpose [${perm.join(',')}]`);
        }
        const pads: readonly (readonly [number, number])[] = [[1, 0], [0, 2], [1, 1]];
        assertSameTensor(b.pad(x, pads), jsBackend.pad(x, pads), 'pad');
        assertSameTensor(b.pad(x, pads, -1n), jsBackend.pad(x, pads, -1n), 'pad with -1');
        const begin = [randomIndex(2), 1, 0];
        assertSameTensor(b.slice(x, begin, [1, 2, -1]), jsBackend.slice(x, begin, [1, 2, -1]), 'slice');
        const y = randomTensor([2, 5, 4]);
        assertSameTensor(b.concat([x, y, x], 1), jsBackend.concat([x, y, x], 1), 'concat axis 1');
        assertSameTensor(b.concat([x, x], -1), jsBackend.concat([x, x], -1), 'concat axis -1');
        const v = randomTensor([3, 1]);
        assertSameTensor(b.broadcastTo(v, [2, 3, 4]), jsBackend.broadcastTo(v, [2, 3, 4]), 'broadcastTo');
      });
    });
  }

  test('the backend reports the thread count it was given', () => {
    const k = kernels();
    const b = backendByName('native');
    const t0 = b.threads();
    b.setThreads(3);
    const t = k.threads();
    b.setThreads(t0);
    if (t !== 3) throw new Error(`threads() is ${t} after setThreads(3)`);
  });
});
