/**
 * Bit-plane kernels of the exact comparison (compare.ts), in TypeScript: the fallback
 * used with the wasm and js ring backends or when the native addon is missing, and the
 * specification the native kernels (runtime/ring/native/compare.cc) are tested equal to.
 *
 * Layout: n elements are compared 64 per word. A bit plane holds bit i of 64
 * consecutive elements, W = ceil(n / 64) words: element 64w + k is bit k of word w.
 * A value of 64-bit elements becomes 64 planes, plane-major (plane i at words
 * [i W, (i + 1) W)); elements past n read as 0.
 *
 * The carry-tree state of one comparison (STATE_PLANES planes of W words): the group
 * generates G_0..G_62 (planes 0..62), the group propagates P_0..P_62 (planes 63..125)
 * and p63, the propagate bit of bit 63 (plane 126). Group q of a level covers a run of
 * consecutive bits, group 0 the lowest. The level over g groups combines pairs
 * (lo, hi) = (2q, 2q + 1) for q < floor(g / 2):
 *   G'_q = G_hi ^ (P_hi & G_lo),  P'_q = P_hi & P_lo (not for q = 0),
 * writing group q in place (q <= 2q, so no unread group is overwritten); an odd top
 * group moves down to slot floor(g / 2) unchanged.
 *
 * Masked words a level opens (LEVEL LAYOUT, p = floor(g / 2) pairs, 2p - 1 ANDs):
 * d_q = P_hi ^ a_q at plane q (q < p), then the AND operands e_j = y_j ^ b_j at plane
 * p + j, where AND j is: j = 0 the G AND of pair 0 (y = G_lo), j = 2q - 1 the G AND
 * of pair q >= 1 (y = G_lo), j = 2q its P AND (y = P_lo). AND j of pair q uses the
 * triple (a_q, b_j, c_j = a_q & b_j): the two ANDs of a pair share the mask of P_hi.
 */
import { TfeError } from '../../../src/errors.js';
import { CARRY_GROUPS, carryLevel } from '../../../src/protocols/pond.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';

/** Planes of the carry-tree state: G_0..G_62, P_0..P_62, p63. */
export const STATE_PLANES = 2 * CARRY_GROUPS + 1;

/** Words per bit plane for n elements. */
export function planeWords(n: number): number {
  return Math.ceil(n / 64);
}

/** The kernels of one comparison, run on a server's XOR shares (s0: this is server0). */
export interface PlaneKernels {
  readonly name: 'native' | 'ts';
  /** The 64 bit planes of `src` (n elements) into `out` (64 W words). */
  transpose(src: BigUint64Array, out: BigUint64Array): void;
  /**
   * From the public c (n elements) and this server's share of r's planes (64 W): the
   * initial state (for x = c + ~r + 1, with the +1 folded into bit 0) into `state`
   * (STATE_PLANES W), and the first level's masked words into `out` with its triple
   * masks `a`, `b` (LEVEL LAYOUT, 63 groups).
   */
  init(c: BigUint64Array, rPlanes: BigUint64Array, s0: boolean, state: BigUint64Array, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void;
  /**
   * One level over `groups` groups: from the words this server opened (`mine`) and
   * those of the other server (`theirs`) and the level's triple (a, b, c), the new
   * state; then, unless one group is left, the next level's masked words into `out`
   * with the next triple masks (nextA, nextB; all three empty at the last level).
   */
  level(groups: number, state: BigUint64Array, mine: BigUint64Array, theirs: BigUint64Array, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array,
    s0: boolean, nextA: BigUint64Array, nextB: BigUint64Array, out: BigUint64Array): void;
  /** The share of [x >= 0] = ~(p63 ^ carry into bit 63), XORed with the select bits `s` (W words), into `out` (W). */
  final(state: BigUint64Array, s0: boolean, s: BigUint64Array, out: BigUint64Array): void;
}

const u32 = (x: BigUint64Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);

function need(what: string, got: number, want: number): void {
  if (got !== want) throw new TfeError('E_SHAPE', `compare planes: ${what} has ${got} words, expected ${want}`);
}

/** Words of a plane-major array of `planes` planes, checked to be a multiple; returns W. */
function wordsOf(what: string, len: number, planes: number): number {
  if (len % planes !== 0) throw new TfeError('E_SHAPE', `compare planes: ${what} has ${len} words, not a multiple of ${planes} planes`);
  return len / planes;
}

const SWAP_SHIFTS = [16, 8, 4, 2, 1] as const;
const SWAP_MASKS = [0x0000ffff, 0x00ff00ff, 0x0f0f0f0f, 0x33333333, 0x55555555] as const;

/**
 * In-place transpose of a 32x32 bit matrix (row k = A[k], column i = bit i): afterwards
 * bit k of A[i] is the former bit i of A[k]. Five stages of block swaps (Hacker's
 * Delight, 2nd ed., sec. 7-3): at stage j, the upper-j columns of rows k (bit j of k
 * clear) trade places with the lower-j columns of rows k + j.
 */
export function transpose32(A: Uint32Array): void {
  for (let s = 0; s < 5; s++) {
    const j = SWAP_SHIFTS[s];
    const m = SWAP_MASKS[s];
    for (let k = 0; k < 32; k++) {
      if ((k & j) !== 0) continue;
      const t = ((A[k] >>> j) ^ A[k + j]) & m;
      A[k] ^= t << j;
      A[k + j] ^= t;
    }
  }
}

function transposeTs(src: BigUint64Array, out: BigUint64Array): void {
  const n = src.length;
  const W = planeWords(n);
  need('transpose output', out.length, 64 * W);
  const s32 = u32(src);
  const o32 = u32(out);
  const blk = new Uint32Array(32);
  for (let w = 0; w < W; w++) {
    for (let h = 0; h < 2; h++) {
      // h: elements 64w + 32h .. +31 (half h of each plane word)
      for (let half = 0; half < 2; half++) {
        // half: bits 32 half .. +31 of those elements (planes 32 half ..)
        for (let k = 0; k < 32; k++) {
          const e = 64 * w + 32 * h + k;
          blk[k] = e < n ? s32[2 * e + half] : 0;
        }
        transpose32(blk);
        for (let i = 0; i < 32; i++) o32[2 * ((32 * half + i) * W + w) + h] = blk[i];
      }
    }
  }
}

/** The masked words of the level over `groups` groups (LEVEL LAYOUT), on u32 views; w2 = 2W. */
function masked(groups: number, st: Uint32Array, a: Uint32Array, b: Uint32Array, out: Uint32Array, w2: number): void {
  const { pairs } = carryLevel(groups);
  const P = CARRY_GROUPS * w2;
  for (let q = 0; q < pairs; q++) {
    const lo = 2 * q;
    const hi = lo + 1;
    const jG = q === 0 ? 0 : 2 * q - 1;
    for (let t = 0; t < w2; t++) {
      out[q * w2 + t] = st[P + hi * w2 + t] ^ a[q * w2 + t];
      out[(pairs + jG) * w2 + t] = st[lo * w2 + t] ^ b[jG * w2 + t];
      if (q > 0) out[(pairs + jG + 1) * w2 + t] = st[P + lo * w2 + t] ^ b[(jG + 1) * w2 + t];
    }
  }
}

function checkLevel(groups: number, W: number, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  const { pairs, ands, opened } = carryLevel(groups);
  need('a', a.length, pairs * W);
  need('b', b.length, ands * W);
  need('out', out.length, opened * W);
}

function initTs(c: BigUint64Array, rPlanes: BigUint64Array, s0: boolean, state: BigUint64Array, a: BigUint64Array, b: BigUint64Array, out: BigUint64Array): void {
  const W = wordsOf('r planes', rPlanes.length, 64);
  if (planeWords(c.length) !== W) throw new TfeError('E_SHAPE', `compare planes: ${c.length} elements need ${planeWords(c.length)} words per plane, r planes have ${W}`);
  need('state', state.length, STATE_PLANES * W);
  checkLevel(CARRY_GROUPS, W, a, b, out);
  const cp = new BigUint64Array(64 * W);
  transposeTs(c, cp);
  const c32 = u32(cp);
  const r32 = u32(rPlanes);
  const st = u32(state);
  const w2 = 2 * W;
  const flip = s0 ? 0xffffffff : 0; // u = ~r: server0 complements its share
  const P = CARRY_GROUPS * w2;
  for (let i = 0; i < 64; i++) {
    for (let t = 0; t < w2; t++) {
      const ci = c32[i * w2 + t];
      const ui = r32[i * w2 + t] ^ flip;
      const p = s0 ? ci ^ ui : ui; // c ^ u: c is public, server0 adds it
      if (i === 63) st[2 * CARRY_GROUPS * w2 + t] = p;
      else if (i === 0) {
        // carry-in 1 into bit 0: g0 | p0 = g0 ^ p0 (never both), and no propagate below
        st[t] = (ci & ui) ^ p;
        st[P + t] = 0;
      } else {
        st[i * w2 + t] = ci & ui; // c & u is linear in u's shares
        st[P + i * w2 + t] = p;
      }
    }
  }
  masked(CARRY_GROUPS, st, u32(a), u32(b), u32(out), w2);
}

function levelTs(groups: number, state: BigUint64Array, mine: BigUint64Array, theirs: BigUint64Array, a: BigUint64Array, b: BigUint64Array, c: BigUint64Array,
  s0: boolean, nextA: BigUint64Array, nextB: BigUint64Array, out: BigUint64Array): void {
  if (!Number.isInteger(groups) || groups < 2 || groups > CARRY_GROUPS) throw new TfeError('E_ARG', `compare planes: a level over ${groups} groups (expected 2..${CARRY_GROUPS})`);
  const W = wordsOf('state', state.length, STATE_PLANES);
  const { pairs, ands, opened } = carryLevel(groups);
  need('mine', mine.length, opened * W);
  need('theirs', theirs.length, opened * W);
  need('a', a.length, pairs * W);
  need('b', b.length, ands * W);
  need('c', c.length, ands * W);
  const nextGroups = Math.ceil(groups / 2);
  if (nextGroups > 1) checkLevel(nextGroups, W, nextA, nextB, out);
  else for (const [k, v] of [['next a', nextA], ['next b', nextB], ['out', out]] as const) need(k, v.length, 0);
  const w2 = 2 * W;
  const st = u32(state);
  const m32 = u32(mine);
  const t32 = u32(theirs);
  const a32 = u32(a);
  const b32 = u32(b);
  const c32 = u32(c);
  const P = CARRY_GROUPS * w2;
  const dd = s0 ? 0xffffffff : 0;
  for (let q = 0; q < pairs; q++) {
    const lo = 2 * q;
    const hi = lo + 1;
    const jG = q === 0 ? 0 : 2 * q - 1;
    for (let t = 0; t < w2; t++) {
      const ia = q * w2 + t;
      const d = m32[ia] ^ t32[ia];
      const aq = a32[ia];
      const iG = jG * w2 + t;
      const eG = m32[pairs * w2 + iG] ^ t32[pairs * w2 + iG];
      // x & y = (d ^ a) & (e ^ b) = d&e ^ d&b ^ e&a ^ c; d&e once, by server0
      const zG = (d & b32[iG]) ^ (eG & aq) ^ c32[iG] ^ (d & eG & dd);
      const gNew = st[hi * w2 + t] ^ zG;
      if (q > 0) {
        const iP = iG + w2;
        const eP = m32[pairs * w2 + iP] ^ t32[pairs * w2 + iP];
        st[P + q * w2 + t] = (d & b32[iP]) ^ (eP & aq) ^ c32[iP] ^ (d & eP & dd);
      }
      st[q * w2 + t] = gNew;
    }
  }
  if (groups % 2 === 1) {
    st.copyWithin(pairs * w2, (groups - 1) * w2, groups * w2);
    st.copyWithin(P + pairs * w2, P + (groups - 1) * w2, P + groups * w2);
  }
  if (nextGroups > 1) masked(nextGroups, st, u32(nextA), u32(nextB), u32(out), w2);
}

function finalTs(state: BigUint64Array, s0: boolean, s: BigUint64Array, out: BigUint64Array): void {
  const W = wordsOf('state', state.length, STATE_PLANES);
  need('s', s.length, W);
  need('out', out.length, W);
  const st = u32(state);
  const s32 = u32(s);
  const o32 = u32(out);
  const w2 = 2 * W;
  const p63 = 2 * CARRY_GROUPS * w2;
  const flip = s0 ? 0xffffffff : 0; // [x >= 0] = ~msb: server0 complements its share
  for (let t = 0; t < w2; t++) o32[t] = st[p63 + t] ^ st[t] ^ flip ^ s32[t];
}

/** The TypeScript kernels. */
export const TS_PLANE_KERNELS: PlaneKernels = {
  name: 'ts',
  transpose: transposeTs,
  init: initTs,
  level: levelTs,
  final: finalTs,
};

/** The 64 bit planes of `src` (TypeScript), as a fresh array of 64 W words. */
export function toPlanes(src: BigUint64Array): BigUint64Array {
  const out = new BigUint64Array(64 * planeWords(src.length));
  transposeTs(src, out);
  return out;
}

/**
 * The products of one level's AND triples (the dealer's side): c_j = a_q & b_j for
 * AND j of pair q (LEVEL LAYOUT), from plane-major a (pairs W) and b (ands W).
 */
export function levelProducts(groups: number, a: BigUint64Array, b: BigUint64Array): BigUint64Array {
  const { pairs, ands } = carryLevel(groups);
  const W = wordsOf('a', a.length, pairs);
  need('b', b.length, ands * W);
  const c = new BigUint64Array(ands * W);
  const a32 = u32(a);
  const b32 = u32(b);
  const c32 = u32(c);
  const w2 = 2 * W;
  for (let j = 0; j < ands; j++) {
    const q = (j + 1) >> 1; // j = 0 -> pair 0; 2q - 1, 2q -> pair q
    for (let t = 0; t < w2; t++) c32[j * w2 + t] = a32[q * w2 + t] & b32[j * w2 + t];
  }
  return c;
}

/** Bit k of word w as element 64w + k (0 or 1), for the first sizeOf(shape) elements. */
export function unpackBits(words: BigUint64Array, shape: Shape): RingTensor {
  const n = sizeOf(shape);
  const out = new BigUint64Array(n);
  const o32 = new Uint32Array(out.buffer);
  const s32 = u32(words);
  for (let k = 0; k < n; k++) o32[2 * k] = (s32[k >>> 5] >>> (k & 31)) & 1;
  return ringTensor(shape, out);
}
