/**
 * Pooling over NHWC secrets. attrs: ksize [kh, kw], strides [sh, sw], padding.
 *  - maxpool_s: exact maximum over the kh*kw taps (and 0 with attrs.relu: a ReLU after
 *    the pool folded in): when attrs.method resolves to pairs, all pairs compared at once
 *    (pairwise-max.ts, 8 + ceil(log2 K) rounds), else a comparison tournament
 *    (8 * ceil(log2 K) rounds). Requires |x| < 2^62; SAME padding fills with -2^62,
 *    which never wins against a valid value.
 *  - avgpool_s: local window sum times a public reciprocal round(2^fracBits / count)
 *    (count excludes padding, as TF does); no communication. The output has scale
 *    input scale + attrs.fracBits: the compiler truncates it. Error of the reciprocal:
 *    at most 2^-(fracBits+1) absolute, i.e. relative error <= count * 2^-(fracBits+1).
 */
import { TfeError } from '../../../src/errors.js';
import { encode } from '../../../src/fixed/index.js';
import { ringTensor, sizeOf, type RingTensor } from '../../ring/tensor.js';
import { intAttr } from '../../../src/protocols/attrs.js';
import { maxpoolMethod, maxpoolRelu, pondSpec, windowAttrs } from '../../../src/protocols/pond.js';
import { poolShape } from '../../../src/protocols/shapes.js';
import { isServerCtx } from '../open.js';
import { implement, secret, type Operand, type Secret } from '../types.js';
import { pairwiseMax } from './pairwise-max.js';
import { tournament } from './tree.js';
import { comparator } from './fss/dispatch.js';
import { windowCounts, windowTaps, type WindowGeometry } from './windows.js';

function asSecret(kernel: string, o: Operand): Secret {
  if (o.kind !== 'secret') throw new TfeError('E_PLAN', `${kernel}: operand must be secret`);
  return o;
}

const MAXPOOL_FILL = -(1n << 62n);

export const maxpoolS = implement(pondSpec('maxpool_s'), async (ctx, [x], attrs) => {
  const xs = asSecret('maxpool_s', x);
  const g = windowAttrs('maxpool_s', attrs);
  const relu = maxpoolRelu(attrs);
  const shape = poolShape(xs.shape, g.ksize, g.strides, g.padding);
  const k = g.ksize[0] * g.ksize[1];
  let taps: RingTensor[] = [];
  if (isServerCtx(ctx)) {
    if (!xs.share) throw new TfeError('E_PROTOCOL', `maxpool_s: ${ctx.role} lacks its share`);
    taps = windowTaps(xs.share, g, ctx.role === 'server0' ? MAXPOOL_FILL : 0n);
  }
  if (maxpoolMethod(attrs, k + (relu ? 1 : 0), sizeOf(shape)) === 'pairs') return [secret(shape, await pairwiseMax(ctx, k, relu, shape, taps, comparator('maxpool_s', attrs)))];
  const cands = taps.map((t) => [t]);
  if (relu && isServerCtx(ctx)) cands.push([ringTensor(shape, new BigUint64Array(sizeOf(shape)))]);
  const win = await tournament(ctx, k + (relu ? 1 : 0), shape, 0, cands, comparator('maxpool_s', attrs));
  return [secret(shape, win?.[0])];
});

/** Public [1, OH, OW, 1] tensor of round(2^fracBits / count) per output position. */
function reciprocals(h: number, w: number, g: WindowGeometry, fracBits: number): RingTensor {
  const { counts, oh, ow } = windowCounts(h, w, g);
  return ringTensor([1, oh, ow, 1], encode(Array.from(counts, (c) => 1 / c), fracBits, 'avgpool reciprocal'));
}

export const avgpoolS = implement(pondSpec('avgpool_s'), async (ctx, [x], attrs) => {
  const xs = asSecret('avgpool_s', x);
  const g = windowAttrs('avgpool_s', attrs);
  const f = intAttr('avgpool_s', attrs, 'fracBits', 0, 62);
  const shape = poolShape(xs.shape, g.ksize, g.strides, g.padding);
  if (!isServerCtx(ctx)) return [secret(shape)];
  if (!xs.share) throw new TfeError('E_PROTOCOL', `avgpool_s: ${ctx.role} lacks its share`);
  const taps = windowTaps(xs.share, g, 0n);
  let sum = taps[0];
  for (let i = 1; i < taps.length; i++) sum = ctx.ring.add(sum, taps[i]);
  return [secret(shape, ctx.ring.mul(sum, reciprocals(xs.shape[1], xs.shape[2], g, f)))];
});
