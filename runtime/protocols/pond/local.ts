/**
 * Linear ops on shares, computed locally (no communication): add/sub of two secrets,
 * of a secret and a public tensor (server0 alone adds the public term), negation.
 */
import { TfeError } from '../../../src/errors.js';
import { pondSpec } from '../../../src/protocols/pond.js';
import { broadcastShapes } from '../../../src/shape.js';
import type { RingTensor } from '../../ring/tensor.js';
import { isServerCtx } from '../open.js';
import { implement, secret, type Kernel, type Operand, type PartyContext } from '../types.js';

function valueOf(ctx: PartyContext, o: Operand, kernel: string): RingTensor {
  const t = o.kind === 'secret' ? o.share : o.value;
  if (!t) throw new TfeError('E_PROTOCOL', `${kernel}: ${ctx.role} lacks its ${o.kind} operand`);
  return t;
}

/** A local binary kernel; `f` gets this party's values of both operands. */
function binary(name: string, f: (ctx: PartyContext, a: RingTensor, b: RingTensor) => RingTensor): Kernel {
  return implement(pondSpec(name), async (ctx, [a, b]) => {
    const shape = broadcastShapes(a.shape, b.shape);
    if (!isServerCtx(ctx)) return [secret(shape)];
    return [secret(shape, f(ctx, valueOf(ctx, a, name), valueOf(ctx, b, name)))];
  });
}

/** A public term as server0 contributes it: itself on server0, zeros of its shape on server1. */
const publicPart = (ctx: PartyContext, p: RingTensor): RingTensor => (ctx.role === 'server0' ? p : ctx.ring.sub(p, p));

export const addSS = binary('add_ss', (ctx, a, b) => ctx.ring.add(a, b));
export const subSS = binary('sub_ss', (ctx, a, b) => ctx.ring.sub(a, b));
export const addSP = binary('add_sp', (ctx, a, p) => ctx.ring.add(a, publicPart(ctx, p)));
export const subSP = binary('sub_sp', (ctx, a, p) => ctx.ring.sub(a, publicPart(ctx, p)));
export const subPS = binary('sub_ps', (ctx, p, a) => ctx.ring.sub(publicPart(ctx, p), a));

export const negS = implement(pondSpec('neg_s'), async (ctx, [a]) => {
  if (!isServerCtx(ctx)) return [secret(a.shape)];
  return [secret(a.shape, ctx.ring.neg(valueOf(ctx, a, 'neg_s')))];
});
