/**
 * Distributed comparison functions (DCF): two-party function secret sharing of
 * f_{alpha,beta}(x) = beta if x < alpha else 0, x an n-bit unsigned integer (n <= 64),
 * beta a vector of k words of Z_2^64. Key generation (the dealer) gives each server a
 * key; Eval_0(k_0, x) + Eval_1(k_1, x) = f(x) (mod 2^64, word by word), and each key
 * alone is pseudorandom: it reveals neither alpha nor beta.
 *
 * Construction: Boyle, Chandran, Gilboa, Gupta, Ishai, Kumar, Rathee, "Function Secret
 * Sharing for Mixed-Mode and Fixed-Point Secure Computation", Eurocrypt 2021, sec. 3
 * (Fig. 1, Gen< and Eval<), as used by LLAMA (Gupta et al., PETS 2022). A GGM tree of
 * 128-bit seeds with control bits: at level i both parties expand their seed into
 * (s_L, v_L, t_L, s_R, v_R, t_R); one correction word per level (a seed, two control
 * bits, k output words) keeps the two parties' seeds equal off alpha's path and makes
 * the outputs collected along the path sum to beta exactly where x leaves the path to
 * the left of alpha (x_i = 0 < alpha_i = 1). A last correction word cancels the leaf.
 *
 * PRG: fixed-key AES-MMO (mmo.ts); the control bit of a child is bit 0 of its seed
 * block, and bits 0 and 1 are cleared from the seed (126-bit seeds), which frees them
 * in the seed correction word to carry the two control-bit corrections: so every bit
 * of a key is pseudorandom (a separate word of control bits, or a seed correction
 * with a constant bit, is not: the party-view privacy test flags such bits).
 *
 * Batched: one key per element of a tensor, all elements expanded together per tree
 * level (one AES call per level); the Z_2^64 arithmetic inline on uint32 pairs (no
 * allocation per node: an element-wise ring-backend version spent most of its time
 * allocating level-sized temporaries).
 *
 * Key layout for N elements (words of 64 bits; the part both servers hold, sent by the
 * dealer): seed corrections [level][element] (2 words each, bits 0 and 1 the left and
 * right control-bit corrections), output corrections [level][element][k], leaf
 * corrections [element][k]: N (2n + k(n + 1)) words. Each server's root seed (2 words per element) it draws
 * from the PRG stream it shares with the dealer, so it is never sent.
 * For n = 63: 8 (126 + 64k) bytes per element, 1,520 for k = 1, 2,032 for k = 2.
 */
import { TfeError } from '../../../../src/errors.js';
import { dcfKeyWords } from '../../../../src/protocols/pond-fss.js';
import { nativeDcfAvailable, nativeDcfEval, nativeDcfGen } from './dcf-native.js';
import { SEED_U32, mmo } from './mmo.js';

/** Shape of a batch of DCF keys: input bits n, output words k, element count N. */
export interface DcfShape {
  readonly bits: number;
  readonly outWords: number;
  readonly count: number;
}

/** Words of the public (correction-word) part of one element's key (declared in the contract, for the cost model). */
export { dcfKeyWords };

/** Words of each server's root seeds for N elements (drawn, never sent). */
export function dcfRootWords(count: number): number {
  return 2 * count;
}

function check(s: DcfShape): void {
  if (!Number.isInteger(s.bits) || s.bits < 1 || s.bits > 64) throw new TfeError('E_ARG', `DCF: input bits must be 1..64, got ${s.bits}`);
  if (!Number.isInteger(s.outWords) || s.outWords < 1) throw new TfeError('E_ARG', `DCF: output words must be >= 1, got ${s.outWords}`);
  if (!Number.isInteger(s.count) || s.count < 0) throw new TfeError('E_ARG', `DCF: element count must be >= 0, got ${s.count}`);
}

/** Offsets (in words) of the parts of a key batch. */
function layout(s: DcfShape): { vcw: number; last: number; total: number } {
  const { bits: n, outWords: k, count: N } = s;
  const vcw = 2 * n * N;
  const last = vcw + n * N * k;
  return { vcw, last, total: N * dcfKeyWords(n, k) };
}

/** Bit p of element e of `x` (as uint32 pairs, little-endian words). */
function bitOf(x32: Uint32Array, e: number, p: number): number {
  return p < 32 ? (x32[2 * e] >>> p) & 1 : (x32[2 * e + 1] >>> (p - 32)) & 1;
}

/** Output blocks per side of a node: k words, two per block. */
function outBlocks(k: number): number {
  return Math.ceil(k / 2);
}

/** Copies output word q of the v blocks that start at block `first` of `out` (element base `base`, in uint32) to dst[2j, 2j+1]. */
function takeWord(out: Uint32Array, base: number, first: number, q: number, dst: Uint32Array, j: number): void {
  const o = base + (first + (q >> 1)) * SEED_U32 + (q & 1) * 2;
  dst[2 * j] = out[o];
  dst[2 * j + 1] = out[o + 1];
}

/** The leaf conversion: k words of the MMO expansion of each seed (tweaks 2 ..). */
function leafWords(seeds: Uint32Array, k: number): BigUint64Array {
  const N = seeds.length / SEED_U32;
  const vb = outBlocks(k);
  const tw = new Uint32Array(N * vb);
  for (let e = 0; e < N; e++) for (let q = 0; q < vb; q++) tw[e * vb + q] = 2 + q;
  const out = mmo(seeds, tw, vb);
  const res = new BigUint64Array(N * k);
  const r32 = new Uint32Array(res.buffer);
  for (let e = 0; e < N; e++) for (let q = 0; q < k; q++) takeWord(out, e * vb * SEED_U32, 0, q, r32, e * k + q);
  return res;
}

/**
 * 64-bit arithmetic on (lo, hi) uint32 pairs held in two registers, so that the per-node
 * work allocates nothing (V8 inlines these): the accumulator is (LO, HI).
 */
let LO = 0;
let HI = 0;

function load(w32: Uint32Array, j: number): void {
  LO = w32[2 * j];
  HI = w32[2 * j + 1];
}

function store(w32: Uint32Array, j: number): void {
  w32[2 * j] = LO;
  w32[2 * j + 1] = HI;
}

/** (LO, HI) += w32[j] */
function addAt(w32: Uint32Array, j: number): void {
  const s = LO + w32[2 * j];
  LO = s >>> 0;
  HI = (HI + w32[2 * j + 1] + (s > 0xffffffff ? 1 : 0)) >>> 0;
}

/** (LO, HI) -= w32[j] */
function subAt(w32: Uint32Array, j: number): void {
  const s = LO - w32[2 * j];
  LO = s >>> 0;
  HI = (HI - w32[2 * j + 1] - (s < 0 ? 1 : 0)) >>> 0;
}

/** (LO, HI) = -(LO, HI) */
function negate(): void {
  const l = (~LO >>> 0) + 1;
  LO = l >>> 0;
  HI = ((~HI >>> 0) + (l > 0xffffffff ? 1 : 0)) >>> 0;
}

/**
 * The dealer's key generation for N elements: alpha[e] < 2^n, beta[e*k + q], and the
 * two servers' root seeds (2N words each, from their PRG streams). Returns the public
 * part of the keys (layout above); server b's key is (roots[b], that part).
 *
 * Per level, with d = v1_lose - v0_lose - V_alpha + [lose = L] beta (Fig. 1):
 * V_CW = (-1)^t1 d, and V_alpha += v0_keep - v1_keep + (-1)^t1 V_CW = ... + d.
 * Runs the native AES-NI generator when available (dcf-native.ts), else dcfGenJs.
 */
export function dcfGen(s: DcfShape, alpha: BigUint64Array, beta: BigUint64Array, roots: readonly [BigUint64Array, BigUint64Array]): BigUint64Array {
  checkGen(s, alpha, beta, roots);
  if (nativeDcfAvailable(s.outWords)) {
    const key = nativeDcfGen(s.bits, s.outWords, alpha, beta, roots, layout(s).total);
    if (key) return key;
  }
  return dcfGenJs(s, alpha, beta, roots);
}

function checkGen(s: DcfShape, alpha: BigUint64Array, beta: BigUint64Array, roots: readonly [BigUint64Array, BigUint64Array]): void {
  check(s);
  const { outWords: k, count: N } = s;
  if (alpha.length !== N || beta.length !== N * k || roots[0].length !== 2 * N || roots[1].length !== 2 * N) {
    throw new TfeError('E_ARG', `DCF keygen: ${alpha.length} alphas, ${beta.length} betas, root seeds of ${roots[0].length}/${roots[1].length} words for ${N} elements of ${k} output words`);
  }
}

/** dcfGen in TypeScript (always available; the native generator is tested equal to it). */
export function dcfGenJs(s: DcfShape, alpha: BigUint64Array, beta: BigUint64Array, roots: readonly [BigUint64Array, BigUint64Array]): BigUint64Array {
  checkGen(s, alpha, beta, roots);
  const { bits: n, outWords: k, count: N } = s;
  const L = layout(s);
  const key = new BigUint64Array(L.total);
  const k32 = new Uint32Array(key.buffer);
  const a32 = new Uint32Array(alpha.buffer, alpha.byteOffset, 2 * N);
  const b32 = new Uint32Array(beta.buffer, beta.byteOffset, 2 * N * k);
  const vb = outBlocks(k);
  const B = 2 + 2 * vb;
  // both parties' seeds, party 0's elements first; control bits t_0 = 0, t_1 = 1
  const seeds = new Uint32Array(2 * N * SEED_U32);
  seeds.set(new Uint32Array(roots[0].buffer, roots[0].byteOffset, N * SEED_U32), 0);
  seeds.set(new Uint32Array(roots[1].buffer, roots[1].byteOffset, N * SEED_U32), N * SEED_U32);
  const t = new Uint8Array(2 * N);
  t.fill(1, N);
  const tweaks = new Uint32Array(2 * N * B);
  for (let i = 0; i < tweaks.length; i++) tweaks[i] = i % B;
  const va32 = new Uint32Array(2 * N * k); // V_alpha
  const tmp = new Uint32Array(8); // v0_lose, v1_lose, v0_keep, v1_keep
  for (let i = 0; i < n; i++) {
    const p = n - 1 - i;
    const out = mmo(seeds, tweaks, B);
    const vcwOff = L.vcw + i * N * k;
    for (let e = 0; e < N; e++) {
      const a = bitOf(a32, e, p);
      const b0 = e * B * SEED_U32;
      const b1 = (N + e) * B * SEED_U32;
      // children: block 0 = left seed, block 1 = right seed; their low bits are the control bits
      const keepOff = a * SEED_U32;
      const loseOff = (1 - a) * SEED_U32;
      const tLcw = (out[b0] & 1) ^ (out[b1] & 1) ^ a ^ 1;
      const tRcw = (out[b0 + SEED_U32] & 1) ^ (out[b1 + SEED_U32] & 1) ^ a;
      const tKeepCw = a ? tRcw : tLcw;
      const sc = 4 * (i * N + e);
      for (let w = 0; w < SEED_U32; w++) k32[sc + w] = out[b0 + loseOff + w] ^ out[b1 + loseOff + w];
      k32[sc] = (k32[sc] & ~3) | tLcw | (tRcw << 1);
      const t1 = t[N + e];
      for (let q = 0; q < k; q++) {
        const j = e * k + q;
        takeWord(out, b0, 2 + (1 - a) * vb, q, tmp, 0);
        takeWord(out, b1, 2 + (1 - a) * vb, q, tmp, 1);
        takeWord(out, b0, 2 + a * vb, q, tmp, 2);
        takeWord(out, b1, 2 + a * vb, q, tmp, 3);
        // d = v1_lose - v0_lose - V_alpha (+ beta when the lost side is the left one: x < alpha there)
        load(tmp, 1);
        subAt(tmp, 0);
        subAt(va32, j);
        if (a) addAt(b32, j);
        const dLo = LO;
        const dHi = HI;
        if (t1) negate();
        store(k32, vcwOff + j);
        // V_alpha += v0_keep - v1_keep + d
        load(va32, j);
        addAt(tmp, 2);
        subAt(tmp, 3);
        const sum = LO + dLo;
        LO = sum >>> 0;
        HI = (HI + dHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
        store(va32, j);
      }
      // next seeds and control bits (from the old control bits)
      for (let pb = 0; pb < 2; pb++) {
        const base = pb === 0 ? b0 : b1;
        const idx = pb * N + e;
        const tOld = t[idx];
        const so = idx * SEED_U32;
        seeds[so] = (out[base + keepOff] & ~3) ^ (tOld ? k32[sc] & ~3 : 0);
        seeds[so + 1] = out[base + keepOff + 1] ^ (tOld ? k32[sc + 1] : 0);
        seeds[so + 2] = out[base + keepOff + 2] ^ (tOld ? k32[sc + 2] : 0);
        seeds[so + 3] = out[base + keepOff + 3] ^ (tOld ? k32[sc + 3] : 0);
        t[idx] = (out[base + keepOff] & 1) ^ (tOld & tKeepCw);
      }
    }
  }
  // leaf: CW = (-1)^t1 (conv(s1) - conv(s0) - V_alpha)
  const c0 = new Uint32Array(leafWords(seeds.subarray(0, N * SEED_U32), k).buffer);
  const c1 = new Uint32Array(leafWords(seeds.subarray(N * SEED_U32), k).buffer);
  for (let e = 0; e < N; e++) {
    for (let q = 0; q < k; q++) {
      const j = e * k + q;
      load(c1, j);
      subAt(c0, j);
      subAt(va32, j);
      if (t[N + e]) negate();
      store(k32, L.last + j);
    }
  }
  return key;
}

/**
 * Server `party`'s evaluation at public points x (only the low n bits are read):
 * its additive shares of f(x), N*k words. `root`: its root seeds, `key`: the public part.
 * Per level: V += v_side + t V_CW, and at the leaf V += conv(s) + t CW; party 1 negates.
 * Runs the native AES-NI evaluator when the PRG backend is 'aes-ni' (dcf-native.ts), else
 * dcfEvalJs; both give the same words.
 */
export function dcfEval(party: 0 | 1, s: DcfShape, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array): BigUint64Array {
  checkEval(s, root, key, x);
  if (nativeDcfAvailable(s.outWords)) {
    const out = nativeDcfEval(party, s.bits, s.outWords, root, key, x);
    if (out) return out;
  }
  return dcfEvalJs(party, s, root, key, x);
}

function checkEval(s: DcfShape, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array): void {
  check(s);
  const N = s.count;
  const total = layout(s).total;
  if (root.length !== 2 * N || key.length !== total || x.length !== N) {
    throw new TfeError('E_PROTOCOL', `DCF eval: root seeds of ${root.length} words, key of ${key.length}, ${x.length} points for ${N} elements (expected ${2 * N}, ${total}, ${N})`);
  }
}

/** dcfEval in TypeScript (always available; the native evaluator is tested equal to it). */
export function dcfEvalJs(party: 0 | 1, s: DcfShape, root: BigUint64Array, key: BigUint64Array, x: BigUint64Array): BigUint64Array {
  checkEval(s, root, key, x);
  const { bits: n, outWords: k, count: N } = s;
  const L = layout(s);
  const k32 = new Uint32Array(key.buffer, key.byteOffset, 2 * key.length);
  const x32 = new Uint32Array(x.buffer, x.byteOffset, 2 * N);
  const vb = outBlocks(k);
  const B = 1 + vb;
  const seeds = new Uint32Array(N * SEED_U32);
  seeds.set(new Uint32Array(root.buffer, root.byteOffset, N * SEED_U32));
  const t = new Uint8Array(N).fill(party);
  const tweaks = new Uint32Array(N * B);
  const result = new BigUint64Array(N * k);
  const acc = new Uint32Array(result.buffer);
  for (let i = 0; i < n; i++) {
    const p = n - 1 - i;
    for (let e = 0; e < N; e++) {
      const d = bitOf(x32, e, p);
      tweaks[e * B] = d;
      for (let q = 0; q < vb; q++) tweaks[e * B + 1 + q] = 2 + d * vb + q;
    }
    const out = mmo(seeds, tweaks, B);
    const vcwOff = L.vcw + i * N * k;
    for (let e = 0; e < N; e++) {
      const d = tweaks[e * B];
      const base = e * B * SEED_U32;
      const tOld = t[e];
      const sc = 4 * (i * N + e);
      const so = e * SEED_U32;
      const cw0 = k32[sc];
      seeds[so] = (out[base] & ~3) ^ (tOld ? cw0 & ~3 : 0);
      seeds[so + 1] = out[base + 1] ^ (tOld ? k32[sc + 1] : 0);
      seeds[so + 2] = out[base + 2] ^ (tOld ? k32[sc + 2] : 0);
      seeds[so + 3] = out[base + 3] ^ (tOld ? k32[sc + 3] : 0);
      t[e] = (out[base] & 1) ^ (tOld & (cw0 >>> d) & 1);
      for (let q = 0; q < k; q++) {
        const j = e * k + q;
        const o = base + (1 + (q >> 1)) * SEED_U32 + (q & 1) * 2;
        load(acc, j);
        const sum = LO + out[o];
        LO = sum >>> 0;
        HI = (HI + out[o + 1] + (sum > 0xffffffff ? 1 : 0)) >>> 0;
        if (tOld) addAt(k32, vcwOff + j);
        store(acc, j);
      }
    }
  }
  const conv = new Uint32Array(leafWords(seeds, k).buffer);
  for (let e = 0; e < N; e++) {
    for (let q = 0; q < k; q++) {
      const j = e * k + q;
      load(acc, j);
      addAt(conv, j);
      if (t[e]) addAt(k32, L.last + j);
      if (party === 1) negate();
      store(acc, j);
    }
  }
  return result;
}
