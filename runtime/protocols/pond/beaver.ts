/**
 * One Beaver multiplication for every bilinear map f (elementwise mul, matmul,
 * conv2d): Beaver, "Efficient Multiparty Protocols Using Circuit Randomization",
 * CRYPTO 1991. With a dealer triple (A, B, C = f(A, B)) the servers open
 * E = X - A and F = Y - B (one round), then each computes
 *     Z_i = f(E, Y_i) + f(A_i, F) + C_i,
 * and sum_i Z_i = f(E, Y) + f(A, F) + f(A, B) = f(X, Y) since f is bilinear.
 *
 * Cached second operand (Pond's masked weights): with a `cacheKey`, the weight's mask
 * B was drawn and F = Y - B opened once, at the deployment's setup (kernel mask_s,
 * below); the dealer keeps B, so each product opens E alone. F reveals nothing: B is
 * uniform and masks this one Y only.
 */
import { TfeError } from '../../../src/errors.js';
import { optStrAttr } from '../../../src/protocols/attrs.js';
import { pondSpec } from '../../../src/protocols/pond.js';
import { ringPool } from '../../ring/pool.js';
import type { RingTensor, Shape } from '../../ring/tensor.js';
import { isServerCtx, openA } from '../open.js';
import { implement, pub, secret, type PartyContext, type Secret } from '../types.js';
import { triple, weightMask } from './material.js';

/** A bilinear map; with `out` it writes its result there (an owned buffer, not overlapping a or b) and returns it. */
export type Bilinear = (a: RingTensor, b: RingTensor, out?: RingTensor) => RingTensor;

interface CachedMask {
  readonly f: RingTensor;
  readonly y: RingTensor;
  /** F and the weight share prepared as constant operands (packed once, ring.prepareConstant), made at the first product. */
  prepared?: { readonly f: RingTensor; readonly y: RingTensor };
}

export async function beaver(ctx: PartyContext, x: Secret, y: Secret, f: Bilinear, outShape: Shape, cacheKey?: string): Promise<Secret> {
  const t = ctx.dealer ? await triple(ctx.dealer, { a: x.shape, b: y.shape, c: outShape }, f, cacheKey) : undefined;
  if (!isServerCtx(ctx)) return secret(outShape);
  if (!t || !x.share || !y.share) throw new TfeError('E_PROTOCOL', `${ctx.role} runs a multiplication without its shares`);
  const e0 = ctx.ring.sub(x.share, t.a);
  let E: RingTensor;
  let F: RingTensor;
  let Y: RingTensor = y.share;
  if (cacheKey !== undefined) {
    const cached = ctx.cache.get(cacheKeyOf(cacheKey)) as CachedMask | undefined;
    if (!cached) throw new TfeError('E_PROTOCOL', `the mask of '${cacheKey}' is not open: the deployment's setup (mask_s) did not run`);
    if (cached.y !== y.share) throw new TfeError('E_PROTOCOL', `mask '${cacheKey}' was opened for another tensor; one cache key per weight tensor`);
    [E] = await openA(ctx, [e0]);
    // both constant operands of this weight's products, packed once per deployment
    cached.prepared ??= { f: ctx.ring.prepareConstant(cached.f), y: ctx.ring.prepareConstant(cached.y) };
    F = cached.prepared.f;
    Y = cached.prepared.y;
  } else {
    if (!t.b) throw new TfeError('E_PROTOCOL', `${ctx.role} has no triple mask for a product without cacheKey`);
    [E, F] = await openA(ctx, [e0, ctx.ring.sub(y.share, t.b)]);
  }
  // z = f(E, Y_i) + f(A_i, F) + C_i: the output is the one fresh buffer (it outlives this
  // call); the second term lives in a pooled buffer given back before returning, and
  // nothing else sees it (see runtime/ring/pool.ts for the ownership rule)
  const z = f(E, Y);
  const term = ringPool.tensor(z.shape);
  try {
    ctx.ring.add(z, f(t.a, F, term), z);
  } finally {
    ringPool.give(term.data);
  }
  ctx.ring.add(z, t.c, z);
  return secret(outShape, z);
}

function cacheKeyOf(key: string): string {
  return `beaver:${key}`;
}

/**
 * mask_s: opens F = W - B for a secret weight W and a fresh uniform mask B that the
 * dealer keeps for this weight alone (randomness kind `triple`, key attrs.cacheKey).
 * Run once per deployment, as a setup step; every later product under the same key
 * (matmul_ss, conv2d_ss, ... with attrs.cacheKey) opens only its input side.
 * F is public to the servers and reveals nothing about W: B is uniform and used for
 * W only. Cost: 1 round, |W| elements per server, no dealer bytes (B is drawn from the
 * seeds).
 */
export const maskS = implement(pondSpec('mask_s'), async (ctx, [w], attrs) => {
  const key = optStrAttr(attrs, 'cacheKey');
  if (key === undefined) throw new TfeError('E_PLAN', 'mask_s: attribute cacheKey is required');
  if (w.kind !== 'secret') throw new TfeError('E_PLAN', 'mask_s: operand must be secret');
  const b = ctx.dealer ? weightMask(ctx.dealer, w.shape, key) : undefined;
  if (!isServerCtx(ctx)) return [pub(w.shape)];
  if (!b || !w.share) throw new TfeError('E_PROTOCOL', `mask_s: ${ctx.role} lacks its share or mask`);
  const [F] = await openA(ctx, [ctx.ring.sub(w.share, b)]);
  ctx.cache.set(cacheKeyOf(key), { f: F, y: w.share });
  return [pub(w.shape, F)];
});
