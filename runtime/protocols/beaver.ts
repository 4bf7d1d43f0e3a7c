/**
 * One Beaver multiplication for every bilinear map f (elementwise mul, matmul,
 * conv2d): Beaver, "Efficient Multiparty Protocols Using Circuit Randomization",
 * CRYPTO 1991. With a dealer triple (A, B, C = f(A, B)) the servers open
 * E = X - A and F = Y - B (one round), then each computes
 *     Z_i = f(E, Y_i) + f(A_i, F) + C_i,
 * and sum_i Z_i = f(E, Y) + f(A, F) + f(A, B) = f(X, Y) since f is bilinear.
 *
 * Cached second operand (Pond's masked weights): with a `cacheKey`, the dealer keeps
 * B for that key and F = Y - B is opened on the first run only; later runs open E
 * alone. F reveals nothing: B is uniform and used to mask this one Y only.
 */
import { TfeError } from '../../src/errors.js';
import type { RingTensor, Shape } from '../ring/tensor.js';
import { isServerCtx, openA } from './open.js';
import { secret, type PartyContext, type Secret } from './types.js';

export type Bilinear = (a: RingTensor, b: RingTensor) => RingTensor;

interface CachedMask {
  readonly f: RingTensor;
  readonly y: RingTensor;
}

export async function beaver(ctx: PartyContext, x: Secret, y: Secret, f: Bilinear, outShape: Shape, cacheKey?: string): Promise<Secret> {
  const t = await ctx.dealer.triple({ a: x.shape, b: y.shape, c: outShape }, f, cacheKey);
  if (!isServerCtx(ctx)) return secret(outShape);
  if (!t || !x.share || !y.share) throw new TfeError('E_PROTOCOL', `${ctx.role} runs a multiplication without its shares`);
  const key = cacheKey === undefined ? undefined : `beaver:${cacheKey}`;
  const cached = key === undefined ? undefined : (ctx.cache.get(key) as CachedMask | undefined);
  if (cached && cached.y !== y.share) {
    throw new TfeError('E_PROTOCOL', `masked operand '${cacheKey}' was cached for another tensor; use one cache key per weight tensor`);
  }
  const e0 = ctx.ring.sub(x.share, t.a);
  let E: RingTensor;
  let F: RingTensor;
  if (cached) {
    [E] = await openA(ctx, [e0]);
    F = cached.f;
  } else {
    [E, F] = await openA(ctx, [e0, ctx.ring.sub(y.share, t.b)]);
    if (key !== undefined) ctx.cache.set(key, { f: F, y: y.share });
  }
  const z = ctx.ring.add(ctx.ring.add(f(E, y.share), f(t.a, F)), t.c);
  return secret(outShape, z);
}
