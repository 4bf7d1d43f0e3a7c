/**
 * argmax_s: the index of the largest entry along the last axis, as a secret integer
 * (scale 0), by a comparison tournament that carries the index with the value
 * (8 * ceil(log2 K) rounds). Ties go to the lower index, as in TensorFlow.
 * Requires |x| < 2^62. Nothing is revealed: the plan reveals the label with `reveal`.
 */
import { TfeError } from '../../../src/errors.js';
import { ringTensor, sizeOf, type RingTensor } from '../../ring/tensor.js';
import { isServerCtx } from '../open.js';
import { pondSpec } from '../../../src/protocols/pond.js';
import { implement, secret, type Operand, type Secret } from '../types.js';
import { tournament } from './tree.js';
import { comparator } from './fss/dispatch.js';

function asSecret(o: Operand): Secret {
  if (o.kind !== 'secret') throw new TfeError('E_PLAN', 'argmax_s: operand must be secret');
  return o;
}

export const argmaxS = implement(pondSpec('argmax_s'), async (ctx, [x], attrs) => {
  const xs = asSecret(x);
  if (xs.shape.length < 1) throw new TfeError('E_SHAPE', 'argmax_s: operand must have rank >= 1');
  const k = xs.shape[xs.shape.length - 1];
  const outShape = xs.shape.slice(0, -1);
  const m = sizeOf(outShape);
  let cands: (readonly RingTensor[])[] = [];
  if (isServerCtx(ctx)) {
    if (!xs.share) throw new TfeError('E_PROTOCOL', `argmax_s: ${ctx.role} lacks its share`);
    const src = xs.share.data;
    cands = Array.from({ length: k }, (_, j) => {
      const v = new BigUint64Array(m);
      for (let i = 0; i < m; i++) v[i] = src[i * k + j];
      // the index is public: server0 holds it, server1 holds 0
      const idx = new BigUint64Array(m).fill(ctx.role === 'server0' ? BigInt(j) : 0n);
      return [ringTensor(outShape, v), ringTensor(outShape, idx)];
    });
  }
  const win = await tournament(ctx, k, outShape, 1, cands, comparator('argmax_s', attrs));
  return [secret(outShape, win?.[1])];
});
