/**
 * Non-linear kernels built on the exact comparison (compare.ts): DReLU, ReLU and
 * select. None of them approximates: the comparison is exact for every ring element.
 */
import { TfeError } from '../../../src/errors.js';
import { beaver } from '../beaver.js';
import { isServerCtx } from '../open.js';
import { sameShapes, sizeOf } from '../shapes.js';
import { secret, type Kernel, type Secret } from '../types.js';
import { compareCost, compareMul } from './compare.js';

function asSecret(kernel: string, o: { kind: string }): Secret {
  if (o.kind !== 'secret') throw new TfeError('E_PLAN', `${kernel}: operands must be secret`);
  return o as Secret;
}

export const dreluS: Kernel = {
  name: 'drelu_s',
  summary: '[x >= 0] as a secret 0/1 (exact comparison, 8 rounds)',
  reveals: false,
  operands: ['secret'],
  outputShapes: (s) => [s[0]],
  cost: (s) => compareCost(sizeOf(s[0]), 0),
  async run(ctx, [x]) {
    return [(await compareMul(ctx, asSecret('drelu_s', x), [])).b];
  },
};

export const reluS: Kernel = {
  name: 'relu_s',
  summary: 'max(x, 0) exactly: x * [x >= 0] with the product fused into the comparison (8 rounds)',
  reveals: false,
  operands: ['secret'],
  outputShapes: (s) => [s[0]],
  cost: (s) => compareCost(sizeOf(s[0]), 1),
  async run(ctx, [x]) {
    const xs = asSecret('relu_s', x);
    return [(await compareMul(ctx, xs, [xs])).products[0]];
  },
};

/** select_s(c, x, y) = c ? x : y for a secret bit c (0/1): y + c * (x - y), one Beaver product. */
export const selectS: Kernel = {
  name: 'select_s',
  summary: 'c ? x : y for a secret 0/1 c, as y + c * (x - y) (1 round)',
  reveals: false,
  operands: ['secret', 'secret', 'secret'],
  outputShapes: (s) => [s[1]],
  cost(s) {
    const n = sizeOf(s[1]);
    return { rounds: 1, bytes: { server0: 16 * n, server1: 16 * n }, dealerBytes: 8 * n };
  },
  async run(ctx, [c, x, y]) {
    const [cs, xs, ys] = [asSecret('select_s', c), asSecret('select_s', x), asSecret('select_s', y)];
    sameShapes(cs.shape, xs.shape, 'select_s');
    sameShapes(xs.shape, ys.shape, 'select_s');
    const diff = isServerCtx(ctx) && xs.share && ys.share ? secret(xs.shape, ctx.ring.sub(xs.share, ys.share)) : secret(xs.shape);
    const prod = await beaver(ctx, cs, diff, (a, b) => ctx.ring.mul(a, b), xs.shape);
    if (!isServerCtx(ctx)) return [secret(xs.shape)];
    if (!prod.share || !ys.share) throw new TfeError('E_PROTOCOL', `select_s: ${ctx.role} lacks its shares`);
    return [secret(xs.shape, ctx.ring.add(ys.share, prod.share))];
  },
};
