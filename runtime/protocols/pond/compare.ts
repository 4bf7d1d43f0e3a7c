/**
 * Exact comparison with zero, and products with its result: for a secret x and
 * secret payloads y_j (same shape), shares of b = [x >= 0] (as 0/1, i.e. DReLU(x),
 * x read as a signed 64-bit value) and of b * y_j. Exact for every ring element: no
 * approximation and no range condition.
 *
 * Protocol (8 rounds):
 *  1. Arithmetic-to-binary with dealer bits: the dealer supplies [r] and XOR shares of
 *     r's 64 bits. The servers open c = x + r (uniform: reveals nothing). Then
 *     x = c - r = c + ~r + 1 (mod 2^64). In the same round they open y_j - a_j for the
 *     select triples of step 3.
 *  2. MSB by a parallel-prefix (Kogge-Stone) carry circuit over bit-sliced words (each
 *     64-bit word holds one element's 64 bits): generate g = c & ~r and propagate
 *     p = c ^ ~r are local because c is public; the carry-in 1 is folded into bit 0
 *     (g0 := g0 | p0, p0 := 0). Six levels d = 1, 2, ..., 32 compute
 *     G ^= P & (G << d), P &= P << d with AND triples (sharing the mask of P between
 *     its two ANDs), one round each. msb(x) = p63 ^ G62 (carry into bit 63).
 *     Cf. Kogge & Stone 1973; as a secure A2B adder: Demmler, Schneider, Zohner, "ABY",
 *     NDSS 2015, sec. III-C, and Mohassel & Rindal, "ABY3", CCS 2018, sec. 5.3.
 *  3. Bit injection: with a dealer bit s in XOR and additive shares and triples
 *     (a_j, a_j * s), open e = b ^ s (one bit per element, packed 64 to a word); then
 *     b = e + (1 - 2e) s and b * y_j = e y_j + (1 - 2e)(y_j s), where
 *     y_j s = (y_j - a_j) s + a_j s is local once y_j - a_j is open (step 1).
 *
 * Cost for n elements and m payloads (src/protocols/pond.ts compareCost): 8 rounds;
 * each server sends 8n(1 + m) + 8n(3*5 + 2) + 8 ceil(n/64) bytes; the dealer 8n(m + 13).
 */
import { TfeError } from '../../../src/errors.js';
import { andTriples, maskedBits, select, type AndTriplesShare } from './material.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { exchange, isServerCtx, openA, openB } from '../open.js';
import { CARRY_LEVELS as LEVELS } from '../../../src/protocols/pond.js';
import { sameShapes } from '../../../src/protocols/shapes.js';
import { secret, type PartyContext, type Secret } from '../types.js';


function fill(shape: Shape, v: bigint): RingTensor {
  return ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill(v));
}

/** Packs bit 0 of each element into 64-bit words (element k -> word k>>6, bit k&63). */
export function packBits(t: RingTensor): BigUint64Array {
  const n = t.data.length;
  const out = new BigUint64Array(Math.ceil(n / 64));
  const o32 = new Uint32Array(out.buffer);
  const s32 = new Uint32Array(t.data.buffer, t.data.byteOffset, 2 * n);
  for (let k = 0; k < n; k++) o32[k >>> 5] |= (s32[2 * k] & 1) << (k & 31);
  return out;
}

export function unpackBits(words: BigUint64Array, shape: Shape): RingTensor {
  const n = sizeOf(shape);
  const out = new BigUint64Array(n);
  const o32 = new Uint32Array(out.buffer);
  const s32 = new Uint32Array(words.buffer, words.byteOffset, 2 * words.length);
  for (let k = 0; k < n; k++) o32[2 * k] = (s32[k >>> 5] >>> (k & 31)) & 1;
  return ringTensor(shape, out);
}

export interface CompareResult {
  /** [x >= 0] as 0/1. */
  readonly b: Secret;
  /** b * y_j for each payload. */
  readonly products: Secret[];
}

export async function compareMul(ctx: PartyContext, x: Secret, payloads: readonly Secret[]): Promise<CompareResult> {
  const shape = x.shape;
  for (const y of payloads) sameShapes(y.shape, shape, 'compare payload');
  // correlated randomness, requested in a fixed order on every party
  const m = ctx.dealer;
  const mask = m ? await maskedBits(m, shape) : undefined;
  const sel = m ? await select(m, shape, payloads.length) : undefined;
  const ands: (AndTriplesShare | undefined)[] = [];
  for (let l = 0; l < LEVELS.length; l++) ands.push(m ? await andTriples(m, shape, l === LEVELS.length - 1 ? 1 : 2) : undefined);
  if (!isServerCtx(ctx)) return { b: secret(shape), products: payloads.map((y) => secret(y.shape)) };
  if (!mask || !sel || !x.share || payloads.some((y) => !y.share)) {
    throw new TfeError('E_PROTOCOL', `compare: ${ctx.role} lacks its shares or material`);
  }
  const ring = ctx.ring;
  const s0 = ctx.role === 'server0';
  const ys = payloads.map((y) => y.share as RingTensor);

  // round 1: c = x + r, and y_j - a_j for the select products
  const opened = await openA(ctx, [ring.add(x.share, mask.r), ...ys.map((y, j) => ring.sub(y, sel.a[j]))]);
  const c = opened[0];
  const eY = opened.slice(1);

  // rounds 2-7: carry circuit for x = c + ~r + 1
  const ONE = fill(shape, 1n);
  const notR = s0 ? ring.not(mask.rBits) : mask.rBits;
  let G = ring.and(c, notR);
  let P = s0 ? ring.xor(c, notR) : notR;
  const pTop = P;
  G = ring.xor(G, ring.and(P, ONE));
  P = ring.and(P, ring.not(ONE));
  const andShare = (d: RingTensor, e: RingTensor, a: RingTensor, b: RingTensor, cc: RingTensor): RingTensor => {
    let z = ring.xor(ring.xor(ring.and(d, b), ring.and(e, a)), cc);
    if (s0) z = ring.xor(z, ring.and(d, e));
    return z;
  };
  for (let l = 0; l < LEVELS.length; l++) {
    const t = ands[l] as AndTriplesShare;
    const d = LEVELS[l];
    const last = l === LEVELS.length - 1;
    const toOpen = [ring.xor(P, t.a), ring.xor(ring.shl(G, d), t.b[0])];
    if (!last) toOpen.push(ring.xor(ring.shl(P, d), t.b[1]));
    const o = await openB(ctx, toOpen);
    const gNew = ring.xor(G, andShare(o[0], o[1], t.a, t.b[0], t.c[0]));
    if (!last) P = andShare(o[0], o[2], t.a, t.b[1], t.c[1]);
    G = gNew;
  }
  const msb = ring.and(ring.xor(ring.shr(pTop, 63), ring.shr(G, 62)), ONE);
  const beta = s0 ? ring.xor(msb, ONE) : msb; // XOR shares of [x >= 0]

  // round 8: open e = beta ^ s (packed bits), then inject
  const mine = packBits(ring.xor(beta, sel.sBool));
  const theirs = await exchange(ctx, mine);
  // a new array: never change what was sent (a link may still hold it)
  const eBits = new BigUint64Array(mine.length);
  for (let i = 0; i < mine.length; i++) eBits[i] = mine[i] ^ theirs[i];
  const e = unpackBits(eBits, shape);
  const oneMinus2e = ring.sub(ONE, ring.shl(e, 1));
  let bA = ring.mul(oneMinus2e, sel.sArith);
  if (s0) bA = ring.add(bA, e);
  const products = ys.map((y, j) => {
    const yS = ring.add(ring.mul(eY[j], sel.sArith), sel.c[j]);
    return secret(shape, ring.add(ring.mul(e, y), ring.mul(oneMinus2e, yS)));
  });
  return { b: secret(shape, bA), products };
}
