/**
 * The full RingBackend built from the wasm kernels (composeBackend('wasm', ...))
 * against the BigInt reference backend, exactly: broadcasting elementwise ops,
 * shifts and bit extraction, batched matmul, conv2d and depthwise conv2d in both
 * paddings and strides 1 and 2, sums over axes, and the layout ops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conv2dOptions, RingBackend } from '../../runtime/ring/backend.js';
import { composeBackend } from '../../runtime/ring/compose.js';
import type { FlatKernels } from '../../runtime/ring/flat.js';
import { backendByName } from '../../runtime/ring/index.js';
import { jsBackend } from '../../runtime/ring/js.js';
import type { Shape } from '../../runtime/ring/tensor.js';
import { assertSameTensor, kernels, randomTensor, skipUnlessBuilt } from './helpers.js';

const shp = (s: Shape): string => `[${s.join(',')}]`;

describe('wasm ring backend', { skip: skipUnlessBuilt }, () => {
  const wasm: RingBackend = composeBackend('wasm', kernels as FlatKernels);

  it('is what the backend selection returns for "wasm"', () => {
    const b = backendByName('wasm');
    assert.equal(b.name, 'wasm');
    assert.equal(b.threads(), 1);
  });

  const PAIRS: readonly (readonly [Shape, Shape])[] = [
    [[7], [7]], [[3, 5], [3, 5]], [[3, 1, 5], [4, 5]], [[2, 3], [1]], [[1], [4, 1, 3]], [[], [2, 2]], [[5, 1], [1, 6]],
  ];
  for (const name of ['add', 'sub', 'mul', 'and', 'xor', 'or'] as const) {
    it(`${name} with broadcasting`, () => {
      for (const [sa, sb] of PAIRS) {
        const a = randomTensor(sa);
        const b = randomTensor(sb);
        assertSameTensor(wasm[name](a, b), jsBackend[name](a, b), `${name} ${shp(sa)} ${shp(sb)}`);
      }
    });
  }

  it('neg and not', () => {
    const a = randomTensor([3, 7]);
    assertSameTensor(wasm.neg(a), jsBackend.neg(a), 'neg');
    assertSameTensor(wasm.not(a), jsBackend.not(a), 'not');
  });

  it('shifts and bit extraction', () => {
    const a = randomTensor([5, 9]);
    for (const s of [0, 1, 13, 31, 32, 63]) {
      assertSameTensor(wasm.shr(a, s), jsBackend.shr(a, s), `shr ${s}`);
      assertSameTensor(wasm.sar(a, s), jsBackend.sar(a, s), `sar ${s}`);
      assertSameTensor(wasm.shl(a, s), jsBackend.shl(a, s), `shl ${s}`);
      assertSameTensor(wasm.bit(a, s), jsBackend.bit(a, s), `bit ${s}`);
    }
    assert.throws(() => wasm.shr(a, 64), /outside 0\.\.63/);
  });

  const MATMULS: readonly (readonly [Shape, Shape])[] = [
    [[1, 1], [1, 1]], [[1, 784], [784, 128]], [[7, 13], [13, 5]], [[33, 65], [65, 17]],
    [[2, 3, 7, 13], [13, 5]], // batched a, shared 2-D b
    [[2, 7, 6], [2, 6, 5]], // batched both
    [[2, 1, 4, 6], [3, 6, 5]], // broadcast batch axes
    [[4, 6], [3, 6, 2]], // 2-D a against batched b
  ];
  for (const [sa, sb] of MATMULS) {
    it(`matmul ${shp(sa)} x ${shp(sb)}`, () => {
      const a = randomTensor(sa);
      const b = randomTensor(sb);
      assertSameTensor(wasm.matmul(a, b), jsBackend.matmul(a, b), `matmul ${shp(sa)} x ${shp(sb)}`);
    });
  }

  const CONVS: readonly (readonly [Shape, Shape])[] = [
    [[2, 7, 6, 3], [3, 3, 3, 4]],
    [[1, 8, 8, 2], [2, 2, 2, 3]],
    [[1, 5, 9, 1], [1, 3, 1, 2]],
  ];
  const OPTS: readonly Conv2dOptions[] = [
    { strides: [1, 1], padding: 'SAME' }, { strides: [1, 1], padding: 'VALID' },
    { strides: [2, 2], padding: 'SAME' }, { strides: [2, 2], padding: 'VALID' },
    { strides: [1, 2], padding: 'SAME' },
  ];
  it('conv2d, SAME and VALID, strides 1 and 2', () => {
    for (const [sx, sw] of CONVS) {
      const x = randomTensor(sx);
      const w = randomTensor(sw);
      for (const o of OPTS) {
        assertSameTensor(wasm.conv2d(x, w, o), jsBackend.conv2d(x, w, o), `conv2d ${shp(sx)} ${shp(sw)} ${o.padding} ${o.strides.join('x')}`);
      }
    }
  });

  it('depthwise conv2d, SAME and VALID, strides 1 and 2', () => {
    for (const [sx, sw] of [[[2, 7, 6, 3], [3, 3, 3, 2]], [[1, 6, 5, 4], [2, 2, 4, 1]]] as const) {
      const x = randomTensor(sx);
      const w = randomTensor(sw);
      for (const o of OPTS) {
        assertSameTensor(wasm.depthwiseConv2d(x, w, o), jsBackend.depthwiseConv2d(x, w, o), `depthwise ${shp(sx)} ${shp(sw)} ${o.padding} ${o.strides.join('x')}`);
      }
    }
  });

  it('sum over axes, with and without kept dimensions', () => {
    const a = randomTensor([3, 4, 5]);
    for (const axes of [[0], [1], [2], [-1], [0, 2], [1, 2], [0, 1, 2], []]) {
      for (const keep of [false, true]) {
        assertSameTensor(wasm.sum(a, axes, keep), jsBackend.sum(a, axes, keep), `sum [${axes.join(',')}] keepDims=${keep}`);
      }
    }
  });

  it('transpose, pad, slice, concat and broadcastTo', () => {
    const a = randomTensor([2, 3, 4]);
    for (const perm of [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]]) {
      assertSameTensor(wasm.transpose(a, perm), jsBackend.transpose(a, perm), `transpose [${perm.join(',')}]`);
    }
    const pads: readonly (readonly [number, number])[] = [[1, 0], [0, 2], [3, 1]];
    assertSameTensor(wasm.pad(a, pads), jsBackend.pad(a, pads), 'pad with 0');
    assertSameTensor(wasm.pad(a, pads, -1n), jsBackend.pad(a, pads, -1n), 'pad with -1');
    assertSameTensor(wasm.slice(a, [1, 0, 1], [1, -1, 2]), jsBackend.slice(a, [1, 0, 1], [1, -1, 2]), 'slice');
    const b = randomTensor([2, 5, 4]);
    const c = randomTensor([2, 1, 4]);
    assertSameTensor(wasm.concat([a, b, c], 1), jsBackend.concat([a, b, c], 1), 'concat axis 1');
    assertSameTensor(wasm.concat([a, a], -1), jsBackend.concat([a, a], -1), 'concat axis -1');
    const d = randomTensor([3, 1]);
    assertSameTensor(wasm.broadcastTo(d, [2, 3, 4]), jsBackend.broadcastTo(d, [2, 3, 4]), 'broadcastTo');
  });
});
