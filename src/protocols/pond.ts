/**
 * The Pond protocol's kernel specifications (2 servers + a dealer; Dahl et al.,
 * "Private Machine Learning in TensorFlow using Secure Computation", 2018): names,
 * operands, output shapes and declared costs, in one table. The implementations are
 * in runtime/protocols/pond/, whose doc comments give each protocol and its bounds.
 * Byte counts: ring elements are 8 bytes; "each server" means both send that much.
 */
import { TfeError } from '../errors.js';
import { broadcastShapes, sizeOf, type Padding, type Shape } from '../shape.js';
import { intAttr, intsAttr, numsAttr, optStrAttr, pairsAttr, strAttr } from './attrs.js';
import { conv2dShape, matmulShape, normAxis, poolShape } from './shapes.js';
import { compareCostFss, compareMethod } from './pond-fss.js';
import { COMPUTE_ONLY, FREE, WITH_DEALER, type Cost, type KernelAttrs, type KernelParties, type KernelSpec, type ProtocolSpec, type Role } from './spec.js';

/** Pond's compute roles, in order. */
export const POND_SERVERS = ['server0', 'server1'] as const;
export const POND_DEALER = 'dealer';

/** A role name in a kernel attribute (the plan verifier checks it names one of the plan's roles). */
export function roleAttr(kernel: string, attrs: KernelAttrs, name: string): Role {
  const v = optStrAttr(attrs, name);
  if (v === undefined || !/^[a-z][a-z0-9_-]{0,63}$/.test(v)) {
    throw new TfeError('E_PLAN', `${kernel}: attribute '${name}' must name a role (lowercase letters, digits, '-', '_'), got ${JSON.stringify(attrs[name])}`);
  }
  return v;
}

/** A kernel that also involves the role named by attribute `name`. */
const withRole = (kernel: string, name: string) => (attrs: KernelAttrs): KernelParties => ({ dealer: false, roles: [roleAttr(kernel, attrs, name)] });

const B = (n: number): number => 8 * n;
const eachServer = (bytes: number, dealerBytes: number, rounds: number): Cost => ({ rounds, bytes: { server0: bytes, server1: bytes }, dealerBytes });

// ---- comparison (runtime/protocols/pond/compare.ts) -------------------------------------

/**
 * The comparison's carry circuit (runtime/protocols/pond/compare.ts) is a reduction
 * tree over the (generate, propagate) pairs of bits 0..62: 63 groups, halved per level
 * by combining adjacent groups (an odd top group passes up unchanged), so
 * ceil(log2 63) = 6 levels. CARRY_TREE lists the groups alive before each level.
 */
export const CARRY_GROUPS = 63;
export const CARRY_TREE: readonly number[] = (() => {
  const out: number[] = [];
  for (let g = CARRY_GROUPS; g > 1; g = Math.ceil(g / 2)) out.push(g);
  return out;
})();

/**
 * One level of the carry tree over `groups` groups: floor(groups / 2) pairs; the
 * lowest pair needs only its generate (1 AND), every other pair 2 ANDs sharing the
 * mask of P_hi; each pair opens P_hi ^ a plus one masked word per AND.
 */
export function carryLevel(groups: number): { pairs: number; ands: number; opened: number } {
  const pairs = Math.floor(groups / 2);
  const ands = 2 * pairs - 1;
  return { pairs, ands, opened: pairs + ands };
}

/** Bit-plane words opened by the carry tree per 64 compared elements (180). */
export const CARRY_OPENED_WORDS = CARRY_TREE.reduce((s, g) => s + carryLevel(g).opened, 0);
/** AND gates (= dealer triple words) of the carry tree per 64 compared elements (118). */
export const CARRY_AND_WORDS = CARRY_TREE.reduce((s, g) => s + carryLevel(g).ands, 0);
/** Open c and the payload masks, six carry levels, open the injected bit. */
export const COMPARE_ROUNDS = 1 + CARRY_TREE.length + 1;

/**
 * Exact comparison of n elements with zero, multiplying the result into `payloads`
 * tensors, `self` of which are the compared value x itself (relu_s, the tournament:
 * x s = c s - r s needs no opening of its own). Bit planes hold 64 elements per word:
 * W = ceil(n / 64) words per plane. Each server sends 8n(1 + m - self) (c and the
 * other y_j - a_j) + 8 * 180 W (the carry tree) + 8W (e); the dealer 8 * 64 W (r's bit
 * planes) + 8 * 118 W (AND triples) + 8n (s) + 8nm (a_j s).
 */
export function compareCost(n: number, payloads: number, self = 0): Cost {
  const w = Math.ceil(n / 64);
  const perServer = B(n * (1 + payloads - self)) + B(w * CARRY_OPENED_WORDS) + B(w);
  const dealer = B(64 * w) + B(w * CARRY_AND_WORDS) + B(n) + B(n * payloads);
  return eachServer(perServer, dealer, COMPARE_ROUNDS);
}

/** A comparison's cost for n elements and `payloads` products, `self` of them the compared value itself (the exact comparison opens nothing for those). */
export type CompareCostFn = (n: number, payloads: number, self?: number) => Cost;

/** The cost of one comparison layer by the method a kernel's attrs.compare names: compareCost or, with attrs.compare = 'fss', compareCostFss (src/protocols/pond-fss.ts). */
export function compareCostOf(kernel: string, attrs: KernelAttrs): CompareCostFn {
  return compareMethod(kernel, attrs) === 'fss' ? compareCostFss : compareCost;
}

/** Levels of a tournament over k candidates, as pair counts. */
export function tournamentPairs(k: number): number[] {
  const pairs: number[] = [];
  while (k > 1) {
    pairs.push(Math.floor(k / 2));
    k = Math.ceil(k / 2);
  }
  return pairs;
}

export function tournamentCost(k: number, elems: number, fields: number, cmp: CompareCostFn = compareCost): Cost {
  let rounds = 0;
  let bytes = 0;
  let dealer = 0;
  for (const p of tournamentPairs(k)) {
    const c = cmp(p * elems, 1 + fields, 1);
    rounds += c.rounds;
    bytes += c.bytes.server0 ?? 0;
    dealer += c.dealerBytes;
  }
  return eachServer(bytes, dealer, rounds);
}

/**
 * How maxpool_s reduces a window of K candidates (attrs.method):
 *  - pairs: every pair compared at once (pairwiseMaxCost): 8 + ceil(log2 K) rounds,
 *    K(K-1)/2 comparisons per output element;
 *  - tournament: halving levels: 8 ceil(log2 K) rounds, K-1 comparisons;
 *  - auto (`tfe compile`'s default): pairs when K <= PAIRWISE_MAX_CANDIDATES (a 2x2
 *    window and a folded ReLU's 0) and the session's pooled tensor has at most
 *    PAIRWISE_AUTO_MAX_ELEMENTS elements, else tournament. For K = 5, pairs makes 6
 *    more comparisons per element (about 0.9 KB per server) to save 13 rounds: at
 *    4096 elements that is ~3.7 MB (~30 ms at 1 Gbit/s) against 13 round trips, about
 *    even at a 2.3 ms round trip; so small batches (the latency case) get pairs, large
 *    ones (the throughput case) the tournament. Zoo net C: pairs up to batch 1 for the
 *    first pool, batch 5 for the second.
 * A plan may ask for pairs up to PAIRWISE_MAX_LIMIT candidates (45 comparisons per
 * output element).
 */
export const PAIRWISE_MAX_CANDIDATES = 5;
export const PAIRWISE_AUTO_MAX_ELEMENTS = 4096;
export const PAIRWISE_MAX_LIMIT = 10;

export type MaxpoolMethod = 'pairs' | 'tournament';

/**
 * All-pairs maximum of `real` candidates per element (plus a zero candidate when
 * `zero`, for a folded ReLU) over n elements: one compareMul of the K(K-1)/2 pairwise
 * differences (K candidates), then for each real candidate the product of its K-1
 * "beats" bits and its value (K factors, a tree of ceil(log2 K) Beaver products, 1
 * round each, no truncation: the bits have scale 0).
 */
export function pairwiseMaxCost(real: number, zero: boolean, n: number, cmp: CompareCostFn = compareCost): Cost {
  const k = real + (zero ? 1 : 0);
  const pairs = (k * (k - 1)) / 2;
  let rounds = 0;
  let bytes = 0;
  let dealer = 0;
  if (pairs > 0) {
    const c = cmp(pairs * n, 0);
    rounds += c.rounds;
    bytes += c.bytes.server0 ?? 0;
    dealer += c.dealerBytes;
  }
  for (const p of tournamentPairs(k)) {
    rounds += 1;
    bytes += B(2 * p * real * n);
    dealer += B(p * real * n);
  }
  return eachServer(bytes, dealer, rounds);
}

/** One comparison layer of a kernel: n elements compared with zero, carrying m payloads. */
export interface ComparisonLayer {
  readonly n: number;
  readonly payloads: number;
}

/**
 * The comparison layers a kernel runs, in order (the same structure its cost adds up):
 * for --explain's FSS key bytes per layer (src/protocols/pond-fss.ts fssKeyBytes). Empty
 * for kernels that compare nothing.
 */
export function comparisonLayers(kernel: string, shapes: readonly Shape[], attrs: KernelAttrs): ComparisonLayer[] {
  const tour = (k: number, n: number, fields: number): ComparisonLayer[] => tournamentPairs(k).map((p) => ({ n: p * n, payloads: 1 + fields }));
  if (kernel === 'drelu_s') return [{ n: sizeOf(shapes[0]), payloads: 0 }];
  if (kernel === 'relu_s') return [{ n: sizeOf(shapes[0]), payloads: 1 }];
  if (kernel === 'argmax_s') return tour(shapes[0][shapes[0].length - 1], sizeOf(shapes[0].slice(0, -1)), 1);
  if (kernel === 'maxpool_s') {
    const g = windowAttrs('maxpool_s', attrs);
    const k = g.ksize[0] * g.ksize[1] + (maxpoolRelu(attrs) ? 1 : 0);
    const n = sizeOf(poolShape(shapes[0], g.ksize, g.strides, g.padding));
    if (maxpoolMethod(attrs, k, n) === 'pairs') return k > 1 ? [{ n: ((k * (k - 1)) / 2) * n, payloads: 0 }] : [];
    return tour(k, n, 0);
  }
  return [];
}

// ---- polynomials (runtime/protocols/pond/poly.ts) ---------------------------------------

/** The powers computed at each level of poly_s for degree d: x^(h+1..2h) = x^h * x^(1..h). */
export function polyLevels(d: number): number[][] {
  const out: number[][] = [];
  let have = 1;
  while (have < d) {
    const top = Math.min(2 * have, d);
    out.push(Array.from({ length: top - have }, (_, i) => have + 1 + i));
    have = top;
  }
  return out;
}

/**
 * Upper bound, in ulps (2^-fracBits), on |poly_s(x) - p(x)| for |x| <= bound: each
 * truncation adds at most 1, a product of computed powers carries their errors scaled
 * by the other factor, and each coefficient's encoding error 2^-(f+1) is scaled by |x|^k.
 */
export function polyErrorUlps(coeffs: readonly number[], bound: number, fracBits = 16): number {
  const d = coeffs.length - 1;
  const ulp = 2 ** -fracBits;
  const e = new Map<number, number>([[1, 0]]);
  for (const ks of polyLevels(d)) {
    const h = ks[0] - 1;
    for (const k of ks) {
      const eh = e.get(h) as number;
      const ek = e.get(k - h) as number;
      e.set(k, 1 + bound ** h * ek + bound ** (k - h) * eh + eh * ek * ulp);
    }
  }
  let total = 1 + 0.5; // the final truncation; c_0 encoded at scale 2f
  for (let k = 1; k <= d; k++) total += (Math.abs(coeffs[k]) + ulp / 2) * (e.get(k) as number) + bound ** k / 2;
  return total;
}

export function polyCoeffs(attrs: KernelAttrs): number[] {
  const c = numsAttr('poly_s', attrs, 'coeffs');
  if (c.length < 2) throw new TfeError('E_PLAN', 'poly_s: needs at least coefficients c_0 and c_1');
  return c;
}

// ---- attribute readers shared with the runtime -------------------------------------------

export interface WindowAttrs {
  readonly ksize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
}

export function convAttrs(kernel: string, attrs: KernelAttrs): { strides: readonly [number, number]; padding: Padding } {
  const s = intsAttr(kernel, attrs, 'strides', 2);
  return { strides: [s[0], s[1]], padding: strAttr<Padding>(kernel, attrs, 'padding', ['SAME', 'VALID']) };
}

/**
 * maxpool_s attrs.method (pairs, tournament, or auto; absent: tournament) resolved for
 * K candidates and n pooled elements in this session (the batch included), the same
 * way by the cost model and by every party.
 */
export function maxpoolMethod(attrs: KernelAttrs, candidates: number, elements: number): MaxpoolMethod {
  const v = attrs.method ?? 'tournament';
  if (v !== 'pairs' && v !== 'tournament' && v !== 'auto') throw new TfeError('E_PLAN', `maxpool_s: attribute 'method' must be pairs, tournament or auto, got ${JSON.stringify(v)}`);
  if (v === 'pairs' && candidates > PAIRWISE_MAX_LIMIT) throw new TfeError('E_PLAN', `maxpool_s: method pairs takes at most ${PAIRWISE_MAX_LIMIT} candidates, the window has ${candidates}`);
  if (v === 'auto') return candidates <= PAIRWISE_MAX_CANDIDATES && elements <= PAIRWISE_AUTO_MAX_ELEMENTS ? 'pairs' : 'tournament';
  return v;
}

/** maxpool_s attrs.relu: the window's maximum and 0 (a ReLU after the max-pool, folded in). */
export function maxpoolRelu(attrs: KernelAttrs): boolean {
  const v = attrs.relu;
  if (v !== undefined && typeof v !== 'boolean') throw new TfeError('E_PLAN', `maxpool_s: attribute 'relu' must be a boolean, got ${JSON.stringify(v)}`);
  return v === true;
}

export function windowAttrs(kernel: string, attrs: KernelAttrs): WindowAttrs {
  const k = intsAttr(kernel, attrs, 'ksize', 2);
  return { ksize: [k[0], k[1]], ...convAttrs(kernel, attrs) };
}

export function reshapeTarget(kernel: string, s: Shape, attrs: KernelAttrs): number[] {
  const want = intsAttr(kernel, attrs, 'shape');
  const n = sizeOf(s);
  const free = want.filter((d) => d === -1).length;
  const known = want.filter((d) => d !== -1).reduce((a, d) => a * d, 1);
  const out = want.map((d) => (d === -1 ? n / known : d));
  if (free > 1 || out.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(out) !== n) {
    throw new TfeError('E_SHAPE', `${kernel}: cannot reshape [${s.join(',')}] to [${want.join(',')}]`);
  }
  return out;
}

// ---- the table ----------------------------------------------------------------------------

type Spec = Omit<KernelSpec, 'name'>;

const same = (s: readonly Shape[]): Shape[] => [s[0]];
const local = (summary: string, operands: KernelSpec['operands'], outputShapes: KernelSpec['outputShapes']): Spec => ({
  summary: `${summary}, locally`,
  reveals: false,
  operands,
  results: ['secret'],
  randomness: [],
  parties: () => COMPUTE_ONLY,
  outputShapes,
  cost: () => FREE,
});

/** Material of one comparison: exact (compare.ts): masked bits, the select bit and triples, the AND triples; fss: DCF keys. */
const COMPARE_MATERIAL = ['maskedBits', 'select', 'andTriples', 'dcf'] as const;

/** The output shape of a comparison kernel, after checking its attrs.compare (so the plan verifier refuses an unknown method). */
const comparing = (kernel: string) => (s: readonly Shape[], attrs: KernelAttrs): Shape[] => {
  compareMethod(kernel, attrs);
  return [s[0]];
};

/** Beaver product: each server opens X - A (and Y - B unless the cached mask is open); dealer sends |Z| to server1. */
function beaverProduct(summary: string, out: (a: Shape, b: Shape, attrs: KernelAttrs) => Shape): Spec {
  return {
    summary: `secret x secret ${summary}, by a Beaver triple (1 round); with attrs.cacheKey the second operand's mask was opened at setup (mask_s)`,
    reveals: false,
    operands: ['secret', 'secret'],
    results: ['secret'],
    randomness: ['triple'],
    parties: () => WITH_DEALER,
    outputShapes: (s, attrs) => [out(s[0], s[1], attrs)],
    cost(s, attrs) {
      const cached = optStrAttr(attrs, 'cacheKey') !== undefined;
      return eachServer(B(sizeOf(s[0]) + (cached ? 0 : sizeOf(s[1]))), B(sizeOf(out(s[0], s[1], attrs))), 1);
    },
  };
}

const mulShape = (a: Shape, b: Shape): Shape => broadcastShapes(a, b);
const convShape = (kernel: string, depthwise: boolean) => (a: Shape, b: Shape, attrs: KernelAttrs): Shape => {
  const o = convAttrs(kernel, attrs);
  return conv2dShape(a, b, o.strides, o.padding, depthwise);
};

const SPECS: Record<string, Spec> = {
  share: {
    summary: 'secret-share a tensor held in the clear by attrs.owner; sends one uniformly masked share to each server',
    reveals: false,
    operands: ['private'],
    results: ['secret'],
    randomness: [],
    parties: withRole('share', 'owner'),
    outputShapes: same,
    cost(s, attrs) {
      const owner = roleAttr('share', attrs, 'owner');
      const isServer = owner === 'server0' || owner === 'server1';
      return { rounds: 1, bytes: { [owner]: B(sizeOf(s[0])) * (isServer ? 1 : 2) }, dealerBytes: 0 };
    },
  },
  publish: {
    summary: 'sends a tensor held in the clear by attrs.owner to both servers in the clear: only for values the plan makes public (compiler constants, weights under --public-weights)',
    reveals: false,
    operands: ['private'],
    results: ['public'],
    randomness: [],
    parties: withRole('publish', 'owner'),
    outputShapes: same,
    cost(s, attrs) {
      return { rounds: 1, bytes: { [roleAttr('publish', attrs, 'owner')]: 2 * B(sizeOf(s[0])) }, dealerBytes: 0 };
    },
  },
  reveal: {
    summary: 'REVEALS a secret tensor to attrs.to (a role, or "servers"): the servers send their shares',
    reveals: true,
    operands: ['secret'],
    results: ['private'],
    randomness: [],
    parties: (attrs) => {
      const to = roleAttr('reveal', attrs, 'to');
      return { dealer: false, roles: to === 'servers' || (POND_SERVERS as readonly string[]).includes(to) ? [] : [to] };
    },
    outputShapes: same,
    cost(s, attrs) {
      const to = roleAttr('reveal', attrs, 'to');
      const b = B(sizeOf(s[0]));
      if (to === 'server0') return { rounds: 1, bytes: { server1: b }, dealerBytes: 0 };
      if (to === 'server1') return { rounds: 1, bytes: { server0: b }, dealerBytes: 0 };
      return eachServer(b, 0, 1);
    },
  },
  mask_s: {
    summary: 'opens W - B for a secret weight W and a fresh uniform mask B the dealer keeps for attrs.cacheKey (setup, once per deployment); reveals nothing: B masks W only',
    reveals: false,
    operands: ['secret'],
    results: ['public'],
    randomness: ['triple'],
    parties: () => WITH_DEALER,
    outputShapes: same,
    cost: (s) => eachServer(B(sizeOf(s[0])), 0, 1),
  },
  add_ss: local('secret + secret', ['secret', 'secret'], (s) => [broadcastShapes(s[0], s[1])]),
  add_sp: local('secret + public (server0 adds the public term)', ['secret', 'public'], (s) => [broadcastShapes(s[0], s[1])]),
  sub_ss: local('secret - secret', ['secret', 'secret'], (s) => [broadcastShapes(s[0], s[1])]),
  sub_sp: local('secret - public (server0 subtracts the public term)', ['secret', 'public'], (s) => [broadcastShapes(s[0], s[1])]),
  sub_ps: local('public - secret', ['public', 'secret'], (s) => [broadcastShapes(s[0], s[1])]),
  neg_s: local('-secret', ['secret'], same),
  mul_ss: beaverProduct('elementwise product with broadcasting', mulShape),
  mul_sp: local('secret x public elementwise product', ['secret', 'public'], (s) => [mulShape(s[0], s[1])]),
  matmul_ss: beaverProduct('matrix product over the last two axes', matmulShape),
  matmul_sp: local('secret x public matrix product', ['secret', 'public'], (s) => [matmulShape(s[0], s[1])]),
  matmul_ps: local('public x secret matrix product', ['public', 'secret'], (s) => [matmulShape(s[0], s[1])]),
  conv2d_ss: beaverProduct('NHWC x HWIO convolution (attrs.strides [sh, sw], attrs.padding)', convShape('conv2d_ss', false)),
  conv2d_sp: local('secret NHWC x public HWIO convolution', ['secret', 'public'], (s, a) => [convShape('conv2d_sp', false)(s[0], s[1], a)]),
  depthwise_conv2d_ss: beaverProduct('NHWC x [KH,KW,C,M] depthwise convolution', convShape('depthwise_conv2d_ss', true)),
  depthwise_conv2d_sp: local('secret x public depthwise convolution', ['secret', 'public'], (s, a) => [convShape('depthwise_conv2d_sp', true)(s[0], s[1], a)]),
  trunc_s: {
    summary: 'secret / 2^attrs.bits, exact to +1 in the last place for |x| < 2^62 (1 round)',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: ['trunc'],
    parties: () => WITH_DEALER,
    // the verifier refuses a shift the kernel cannot do (found by fuzzing: it was accepted and failed mid-session)
    outputShapes(s, a) {
      intAttr('trunc_s', a, 'bits', 1, 62);
      return same(s);
    },
    cost: (s) => eachServer(B(sizeOf(s[0])), B(2 * sizeOf(s[0])), 1),
  },
  poly_s: {
    summary: 'p(x) for public coefficients attrs.coeffs on scale attrs.fracBits, output at the same scale',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: ['triple', 'trunc'],
    parties: () => WITH_DEALER,
    outputShapes(s, a) {
      // what the kernel reads, checked when the plan is verified rather than mid-session
      polyCoeffs(a);
      intAttr('poly_s', a, 'fracBits', 1, 30);
      return same(s);
    },
    cost(s, attrs) {
      const n = sizeOf(s[0]);
      const lv = polyLevels(polyCoeffs(attrs).length - 1);
      let server = B(n);
      let dealer = B(2 * n);
      for (const ks of lv) {
        server += B(2 * ks.length * n) + B(ks.length * n);
        dealer += B(ks.length * n) + B(2 * ks.length * n);
      }
      return eachServer(server, dealer, 2 * lv.length + 1);
    },
  },
  drelu_s: {
    summary: '[x >= 0] as a secret 0/1 (exact comparison, 8 rounds; attrs.compare fss: 1 round with DCF keys)',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: COMPARE_MATERIAL,
    parties: () => WITH_DEALER,
    outputShapes: comparing('drelu_s'),
    cost: (s, attrs) => compareCostOf('drelu_s', attrs)(sizeOf(s[0]), 0),
  },
  relu_s: {
    summary: 'max(x, 0) exactly: x * [x >= 0] with the product fused into the comparison (8 rounds; attrs.compare fss: 1 round with DCF keys)',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: COMPARE_MATERIAL,
    parties: () => WITH_DEALER,
    outputShapes: comparing('relu_s'),
    cost: (s, attrs) => compareCostOf('relu_s', attrs)(sizeOf(s[0]), 1, 1),
  },
  select_s: {
    summary: 'c ? x : y for a secret 0/1 c, as y + c * (x - y) (1 round)',
    reveals: false,
    operands: ['secret', 'secret', 'secret'],
    results: ['secret'],
    randomness: ['triple'],
    parties: () => WITH_DEALER,
    outputShapes: (s) => [s[1]],
    cost: (s) => eachServer(B(2 * sizeOf(s[1])), B(sizeOf(s[1])), 1),
  },
  maxpool_s: {
    summary: 'exact max over each window (with attrs.relu: of the window and 0), by comparing all pairs at once or by a tournament (attrs.method pairs, tournament or auto); requires |x| < 2^62',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: COMPARE_MATERIAL,
    parties: () => WITH_DEALER,
    outputShapes: (s, attrs) => {
      const g = windowAttrs('maxpool_s', attrs);
      const out = poolShape(s[0], g.ksize, g.strides, g.padding);
      maxpoolMethod(attrs, g.ksize[0] * g.ksize[1] + (maxpoolRelu(attrs) ? 1 : 0), sizeOf(out));
      compareMethod('maxpool_s', attrs);
      return [out];
    },
    cost(s, attrs) {
      const g = windowAttrs('maxpool_s', attrs);
      const k = g.ksize[0] * g.ksize[1];
      const relu = maxpoolRelu(attrs);
      const n = sizeOf(poolShape(s[0], g.ksize, g.strides, g.padding));
      const cmp = compareCostOf('maxpool_s', attrs);
      if (maxpoolMethod(attrs, k + (relu ? 1 : 0), n) === 'pairs') return pairwiseMaxCost(k, relu, n, cmp);
      return tournamentCost(k + (relu ? 1 : 0), n, 0, cmp);
    },
  },
  avgpool_s: {
    summary: 'window mean as a local sum times a public reciprocal; output scale grows by attrs.fracBits',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: [],
    parties: () => COMPUTE_ONLY,
    outputShapes: (s, attrs) => {
      const g = windowAttrs('avgpool_s', attrs);
      intAttr('avgpool_s', attrs, 'fracBits', 0, 62);
      return [poolShape(s[0], g.ksize, g.strides, g.padding)];
    },
    cost: () => FREE,
  },
  argmax_s: {
    summary: 'secret index of the maximum along the last axis (exact comparisons; ties -> lower index)',
    reveals: false,
    operands: ['secret'],
    results: ['secret'],
    randomness: COMPARE_MATERIAL,
    parties: () => WITH_DEALER,
    outputShapes: (s, attrs) => {
      compareMethod('argmax_s', attrs);
      return [s[0].slice(0, -1)];
    },
    cost: (s, attrs) => tournamentCost(s[0][s[0].length - 1], sizeOf(s[0].slice(0, -1)), 1, compareCostOf('argmax_s', attrs)),
  },
  reshape_s: local('reshape to attrs.shape (one -1 allowed)', ['secret'], (s, attrs) => [reshapeTarget('reshape_s', s[0], attrs)]),
  transpose_s: local('transpose by attrs.perm', ['secret'], (s, attrs) => [intsAttr('transpose_s', attrs, 'perm', s[0].length).map((p) => s[0][p])]),
  pad_s: local('zero padding by attrs.paddings [[before, after], ...]', ['secret'], (s, attrs) => {
    const p = pairsAttr('pad_s', attrs, 'paddings');
    if (p.length !== s[0].length) throw new TfeError('E_SHAPE', `pad_s: ${p.length} paddings for rank ${s[0].length}`);
    return [s[0].map((d, i) => d + p[i][0] + p[i][1])];
  }),
  slice_s: local('slice attrs.begin / attrs.size (-1: to the end)', ['secret'], (s, attrs) => {
    const b = intsAttr('slice_s', attrs, 'begin', s[0].length);
    return [intsAttr('slice_s', attrs, 'size', s[0].length).map((z, i) => (z === -1 ? s[0][i] - b[i] : z))];
  }),
  concat_s: local('concatenate along attrs.axis', ['secret...'], (ss, attrs) => {
    const ax = normAxis(intAttr('concat_s', attrs, 'axis'), ss[0].length);
    const out = [...ss[0]];
    out[ax] = ss.reduce((a, s) => a + s[ax], 0);
    return [out];
  }),
  sum_s: local('sum over attrs.axes (attrs.keepDims)', ['secret'], (s, attrs) => {
    const ax = intsAttr('sum_s', attrs, 'axes').map((a) => normAxis(a, s[0].length));
    return [attrs.keepDims === true ? s[0].map((d, i) => (ax.includes(i) ? 1 : d)) : s[0].filter((_, i) => !ax.includes(i))];
  }),
};

export const POND_SPECS: ReadonlyMap<string, KernelSpec> = new Map(Object.entries(SPECS).map(([name, s]) => [name, { name, ...s }]));

/** Pond as data (src/protocols/registry.ts lists it). */
export const POND: ProtocolSpec = {
  name: 'pond',
  summary: 'Pond (Dahl et al. 2018): two servers hold additive shares over Z_2^64 and a trusted dealer makes correlated randomness; semi-honest, no collusion between the servers (nor with the dealer)',
  computeRoles: POND_SERVERS,
  dealerRoles: [POND_DEALER],
  randomness: {
    triple: 'a Beaver triple (A, B, C = f(A, B)) for a bilinear f; B cached per weight tensor under attrs.cacheKey',
    trunc: 'a truncation pair: [r], [(r mod 2^63) >> bits], [msb(r)]',
    maskedBits: 'a random [r] with XOR shares of its 64 bits as bit planes (64 elements per word)',
    select: 'a random bit s in XOR and additive shares, with products a_j * s',
    andTriples: 'bit-plane AND triples of one carry-tree level, pairs sharing their first operand',
    dcf: 'for attrs.compare fss: [r], [msb(r)], [a_j], [msb(r) a_j] and DCF keys for [z < r mod 2^63] with outputs (1 - 2 msb(r)) (1, a_j); the keys\' correction words go to both servers',
  },
  kernels: POND_SPECS,
};

/** The spec of a Pond kernel; E_UNSUPPORTED naming the kernel if Pond has none. */
export function pondSpec(name: string): KernelSpec {
  const s = POND_SPECS.get(name);
  if (!s) throw new TfeError('E_UNSUPPORTED', `protocol pond has no kernel '${name}'`);
  return s;
}
