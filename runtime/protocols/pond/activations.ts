/**
 * Non-linear kernels built on the exact comparison (compare.ts, or with attrs.compare
 * = 'fss' fss/compare-fss.ts): DReLU, ReLU and select. None of them approximates: the comparison is exact for every ring element.
 */
import { TfeError } from '../../../src/errors.js';
import { pondSpec } from '../../../src/protocols/pond.js';
import { sameShapes } from '../../../src/protocols/shapes.js';
import { beaver } from './beaver.js';
import { isServerCtx } from '../open.js';
import { implement, secret, type Operand, type Secret } from '../types.js';
import { comparator } from './fss/dispatch.js';

function asSecret(kernel: string, o: Operand): Secret {
  if (o.kind !== 'secret') throw new TfeError('E_PLAN', `${kernel}: operands must be secret`);
  return o;
}

export const dreluS = implement(pondSpec('drelu_s'), async (ctx, [x], attrs) => [(await comparator('drelu_s', attrs)(ctx, asSecret('drelu_s', x), [])).b]);

export const reluS = implement(pondSpec('relu_s'), async (ctx, [x], attrs) => {
  const xs = asSecret('relu_s', x);
  return [(await comparator('relu_s', attrs)(ctx, xs, [xs])).products[0]];
});

/** select_s(c, x, y) = c ? x : y for a secret bit c (0/1): y + c * (x - y), one Beaver product. */
export const selectS = implement(pondSpec('select_s'), async (ctx, [c, x, y]) => {
  const [cs, xs, ys] = [asSecret('select_s', c), asSecret('select_s', x), asSecret('select_s', y)];
  sameShapes(cs.shape, xs.shape, 'select_s');
  sameShapes(xs.shape, ys.shape, 'select_s');
  const diff = isServerCtx(ctx) && xs.share && ys.share ? secret(xs.shape, ctx.ring.sub(xs.share, ys.share)) : secret(xs.shape);
  const prod = await beaver(ctx, cs, diff, (a, b) => ctx.ring.mul(a, b), xs.shape);
  if (!isServerCtx(ctx)) return [secret(xs.shape)];
  if (!prod.share || !ys.share) throw new TfeError('E_PROTOCOL', `select_s: ${ctx.role} lacks its shares`);
  return [secret(xs.shape, ctx.ring.add(ys.share, prod.share))];
});
