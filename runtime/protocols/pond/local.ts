/**
 * Linear ops on shares, computed locally (no communication): add/sub of two secrets,
 * of a secret and a public tensor (server0 alone adds the public term), negation.
 */
import { TfeError } from '../../../src/errors.js';
import type { RingTensor } from '../../ring/tensor.js';
import { broadcastShapes } from '../shapes.js';
import { isServerCtx } from '../open.js';
import { secret, type Kernel, type Operand, type PartyContext } from '../types.js';

const FREE = { rounds: 0, bytes: {}, dealerBytes: 0 } as const;

function shareOf(ctx: PartyContext, o: Operand, kernel: string): RingTensor {
  const t = o.kind === 'secret' ? o.share : o.value;
  if (!t) throw new TfeError('E_PROTOCOL', `${kernel}: ${ctx.role} lacks its ${o.kind} operand`);
  return t;
}

type Combine = (ctx: PartyContext, a: RingTensor, b: RingTensor) => RingTensor;

function binaryKernel(name: string, summary: string, kinds: ['secret' | 'public', 'secret' | 'public'], f: Combine): Kernel {
  return {
    name,
    summary,
    reveals: false,
    operands: kinds,
    outputShapes: (s) => [broadcastShapes(s[0], s[1])],
    cost: () => FREE,
    async run(ctx, [a, b]) {
      const shape = broadcastShapes(a.shape, b.shape);
      if (!isServerCtx(ctx)) return [secret(shape)];
      return [secret(shape, f(ctx, shareOf(ctx, a, name), shareOf(ctx, b, name)))];
    },
  };
}

/** Public term added by server0 only, so the shares still sum to the right value. */
const onS0 = (ctx: PartyContext, p: RingTensor, like: RingTensor): RingTensor =>
  ctx.role === 'server0' ? p : ctx.ring.sub(like, like);

export const addSS = binaryKernel('add_ss', 'secret + secret, locally', ['secret', 'secret'], (ctx, a, b) => ctx.ring.add(a, b));
export const subSS = binaryKernel('sub_ss', 'secret - secret, locally', ['secret', 'secret'], (ctx, a, b) => ctx.ring.sub(a, b));
export const addSP = binaryKernel('add_sp', 'secret + public, locally (server0 adds the public term)', ['secret', 'public'],
  (ctx, a, p) => (ctx.role === 'server0' ? ctx.ring.add(a, p) : ctx.ring.add(a, onS0(ctx, p, p))));
export const subSP = binaryKernel('sub_sp', 'secret - public, locally (server0 subtracts the public term)', ['secret', 'public'],
  (ctx, a, p) => (ctx.role === 'server0' ? ctx.ring.sub(a, p) : ctx.ring.add(a, onS0(ctx, p, p))));
export const subPS = binaryKernel('sub_ps', 'public - secret, locally', ['public', 'secret'],
  (ctx, p, a) => (ctx.role === 'server0' ? ctx.ring.sub(p, a) : ctx.ring.sub(onS0(ctx, p, p), a)));

export const negS: Kernel = {
  name: 'neg_s',
  summary: '-secret, locally',
  reveals: false,
  operands: ['secret'],
  outputShapes: (s) => [s[0]],
  cost: () => FREE,
  async run(ctx, [a]) {
    if (!isServerCtx(ctx)) return [secret(a.shape)];
    return [secret(a.shape, ctx.ring.neg(shareOf(ctx, a, 'neg_s')))];
  },
};
