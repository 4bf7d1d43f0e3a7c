/**
 * Exact comparison with zero, and products with its result: for a secret x and
 * secret payloads y_j (same shape), shares of b = [x >= 0] (as 0/1, i.e. DReLU(x),
 * x read as a signed 64-bit value) and of b * y_j. Exact for every ring element: no
 * approximation and no range condition.
 *
 * Protocol (8 rounds), on bit planes (bitplanes.ts: 64 elements per word, one plane
 * per bit position, W = ceil(n / 64) words per plane):
 *  1. Arithmetic-to-binary with dealer bits: the dealer supplies [r] and XOR shares of
 *     r's 64 bit planes. The servers open c = x + r (uniform: reveals nothing). Then
 *     x = c - r = c + u + 1 (mod 2^64) with u = ~r. In the same round they open
 *     y_j - a_j for the select triples of step 3, except for a payload that is x
 *     itself (the same operand object on every party): there a_j = -r, so
 *     y_j - a_j = c is already open and the dealer's a_j s is -r s.
 *  2. The carry into bit 63 by a reduction tree (6 rounds). Per bit i: generate
 *     g_i = c_i & u_i and propagate p_i = c_i ^ u_i, local because c is public (c is
 *     transposed into planes). msb(x) = p_63 ^ k_63, where k_63 is the carry into bit
 *     63 of c + u + 1. Fold the carry-in 1 into bit 0: (g_0, p_0) := (g_0 | p_0, 0);
 *     then k_63 is the carry out of bits 0..62 with carry-in 0.
 *     For a run of bits R, let G_R be its carry out with carry-in 0 and P_R = [every
 *     bit of R propagates] (its carry out equals its carry in). For adjacent runs
 *     lo (lower) and hi: G = G_hi ^ (P_hi & G_lo) and P = P_hi & P_lo. Proof: the
 *     carry out of hi is 1 iff hi generates on its own, or it propagates and lo
 *     delivers a carry (G_lo); the two cases exclude each other, since a run that
 *     propagates delivers its carry-in, 0, so the OR is an XOR. Runs of one bit
 *     satisfy it by the full-adder carry c_{i+1} = g_i | (p_i & c_i) (g_i and p_i
 *     exclusive). Kogge & Stone, IEEE Trans. Computers C-22(8), 1973, combine (G, P)
 *     with this operator in a full prefix; here only the carry into bit 63 is needed,
 *     so 63 runs of one bit are combined pairwise (lowest pair first, an odd top run
 *     passes up) in ceil(log2 63) = 6 levels of 31, 16, 8, 4, 2, 1 pairs, 62 combines in
 *     all. The lowest run's P is never used (nothing lies below it), so its pair needs
 *     1 AND, every other pair 2 ANDs sharing the mask of P_hi: 118 ANDs, 180 opened
 *     words per 64 elements (vs 64 gates per element per level for the full prefix).
 *     Each AND x & y of XOR-shared words uses a triple (a, b, c = a & b): open
 *     d = x ^ a, e = y ^ b, then x & y = d&e ^ d&b ^ e&a ^ c (Beaver's trick over
 *     GF(2); as the secure adder of an A2B conversion: Demmler, Schneider, Zohner,
 *     "ABY", NDSS 2015, sec. III-C; Mohassel & Rindal, "ABY3", CCS 2018, sec. 5.3).
 *  3. Bit injection (inject.ts): with a dealer bit s (a plane in XOR shares, elements in additive
 *     shares) and triples (a_j, a_j * s), open e = b ^ s (the plane: one bit per
 *     element); then b = e + (1 - 2e) s and b * y_j = e y_j + (1 - 2e)(y_j s), where
 *     y_j s = (y_j - a_j) s + a_j s is local once y_j - a_j is open (step 1).
 *
 * Material: drawn in the order it is used, on the dealer and both servers alike
 * ([r] and r's planes, the a_j; each level's AND triples just before that level; the
 * select bit and products last), so a server holds at most two levels' triples at once.
 *
 * Cost for n elements and m payloads, `self` of them x itself (src/protocols/pond.ts
 * compareCost), W = ceil(n/64): 8 rounds; each server sends 8n(1 + m - self) +
 * 8 * 180 W + 8W bytes; the dealer 8 * 64 W + 8 * 118 W + 8n(1 + m).
 */
import { TfeError } from '../../../src/errors.js';
import { CARRY_GROUPS, CARRY_TREE, carryLevel } from '../../../src/protocols/pond.js';
import { sameShapes } from '../../../src/protocols/shapes.js';
import { sizeOf, type RingTensor } from '../../ring/tensor.js';
import { exchange, isServerCtx, openA } from '../open.js';
import { secret, type PartyContext, type Secret } from '../types.js';
import { planeWords, STATE_PLANES } from './bitplanes.js';
import { planeKernelsFor } from './bitplanes-native.js';
import { injectorFor } from './inject.js';
import { andTriples, maskedBits, selectBits, selectMasks, type AndTriplesShare } from './material.js';

export interface CompareResult {
  /** [x >= 0] as 0/1. */
  readonly b: Secret;
  /** b * y_j for each payload. */
  readonly products: Secret[];
}

const EMPTY = new BigUint64Array(0);

export async function compareMul(ctx: PartyContext, x: Secret, payloads: readonly Secret[]): Promise<CompareResult> {
  const shape = x.shape;
  for (const y of payloads) sameShapes(y.shape, shape, 'compare payload');
  const m = ctx.dealer;
  const W = planeWords(sizeOf(shape));
  const shapesOnly = (): CompareResult => ({ b: secret(shape), products: payloads.map((y) => secret(y.shape)) });
  // a payload that is x itself is y s = c s - r s: nothing more to open (material.ts selectMasks)
  const self = payloads.map((y) => y === x);
  if (!isServerCtx(ctx)) {
    // the dealer draws the material in the servers' order (below)
    if (m) {
      const mb = await maskedBits(m, shape);
      const a = selectMasks(m, shape, self, mb.r);
      for (const g of CARRY_TREE) await andTriples(m, W, g);
      await selectBits(m, shape, a.length, a);
    }
    return shapesOnly();
  }
  // material and intermediates are dropped (set undefined) as soon as they are used,
  // so that the garbage collector can reclaim them while the later rounds wait
  let mask = m ? await maskedBits(m, shape) : undefined;
  let selA = m && mask ? selectMasks(m, shape, self, mask.r) : [];
  let t = m ? await andTriples(m, W, CARRY_TREE[0]) : undefined;
  if (!m || !mask || !t || !x.share || payloads.some((y) => !y.share)) {
    throw new TfeError('E_PROTOCOL', `compare: ${ctx.role} lacks its shares or material`);
  }
  const ring = ctx.ring;
  const k = planeKernelsFor(ring);
  const s0 = ctx.role === 'server0';
  const ys = payloads.map((y) => y.share as RingTensor);

  // round 1: c = x + r, and y_j - a_j for the select products (c itself for y_j = x)
  const opened = await openA(ctx, [ring.add(x.share, mask.r), ...ys.flatMap((y, j) => (self[j] ? [] : [ring.sub(y, selA[j])]))]);
  const c = opened[0];
  let at = 1;
  const eY = self.map((isX) => (isX ? c : opened[at++]));
  selA = [];

  // rounds 2-7: the carry tree; each level's triples drawn just before it
  const state = new BigUint64Array(STATE_PLANES * W);
  let mine = new BigUint64Array(carryLevel(CARRY_GROUPS).opened * W);
  k.init(c.data, mask.rPlanes.data, s0, state, t.a.data, t.b.data, mine);
  mask = undefined;
  for (let l = 0; l < CARRY_TREE.length; l++) {
    if (!t) throw new TfeError('E_PROTOCOL', `compare: ${ctx.role} lacks the AND triples of level ${l}`);
    const theirs = await exchange(ctx, mine);
    const last = l === CARRY_TREE.length - 1;
    const next: AndTriplesShare | undefined = last ? undefined : await andTriples(m, W, CARRY_TREE[l + 1]);
    // a new array per level: never change what was sent (a link may still hold it)
    const out = next ? new BigUint64Array(carryLevel(CARRY_TREE[l + 1]).opened * W) : EMPTY;
    k.level(CARRY_TREE[l], state, mine, theirs, t.a.data, t.b.data, t.c.data, s0, next?.a.data ?? EMPTY, next?.b.data ?? EMPTY, out);
    mine = out;
    t = next;
  }
  const sel = await selectBits(m, shape, payloads.length);
  if (!sel) throw new TfeError('E_PROTOCOL', `compare: ${ctx.role} lacks its select material`);

  // round 8: open e = [x >= 0] ^ s (a plane), then inject
  const mineE = new BigUint64Array(W);
  k.final(state, s0, sel.sBool.data, mineE);
  const theirsE = await exchange(ctx, mineE);
  const eBits = new BigUint64Array(W);
  for (let i = 0; i < W; i++) eBits[i] = mineE[i] ^ theirsE[i];
  const inj = injectorFor(ring);
  const bA = inj.bit(eBits, shape, s0, sel.sArith);
  const products = ys.map((y, j) => secret(shape, inj.product(eBits, shape, y, eY[j], sel.sArith, sel.c[j])));
  return { b: secret(shape, bA), products };
}
