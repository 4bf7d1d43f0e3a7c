/**
 * Pond's correlated randomness, composed from the dealer primitives
 * (runtime/crypto/material.ts): Beaver triples (with a cached mask per weight
 * tensor), truncation pairs, masked bits, AND triples and select material. Every
 * function is called by the dealer and both servers in the same order; servers get
 * their shares, the dealer `undefined`. Kinds and their descriptions are declared in
 * src/protocols/pond.ts (`POND.randomness`).
 */
import { TfeError } from '../../../src/errors.js';
import type { DealerMaterial } from '../../crypto/material.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../../ring/tensor.js';
import { carryLevel } from '../../../src/protocols/pond.js';
import { levelProducts, planeWords, unpackBits } from './bitplanes.js';
import { planeKernelsFor } from './bitplanes-native.js';

/** A Beaver triple share for a bilinear f: c = f(a, b); b is absent when the mask is cached. */
export interface TripleShare {
  readonly a: RingTensor;
  readonly b: RingTensor | undefined;
  readonly c: RingTensor;
}

/** Material for truncating by `bits`: [r], [(r mod 2^63) >> bits], [r >> 63]. */
export interface TruncShare {
  readonly r: RingTensor;
  readonly rHigh: RingTensor;
  readonly rMsb: RingTensor;
}

/**
 * A random ring element shared arithmetically, and its 64 bits in XOR shares as bit
 * planes (bitplanes.ts: 64 elements per word, 64 planes of ceil(n / 64) words).
 */
export interface MaskedBitsShare {
  readonly r: RingTensor;
  readonly rPlanes: RingTensor;
}

/**
 * Bit-plane AND triples of one carry-tree level (bitplanes.ts, LEVEL LAYOUT): a per
 * pair, b and c = a_q & b_j per AND, each plane-major.
 */
export interface AndTriplesShare {
  readonly a: RingTensor;
  readonly b: RingTensor;
  readonly c: RingTensor;
}

/**
 * The select bit s of a comparison, as a bit plane in XOR shares and element by element
 * in additive shares, with products c_j = a_j * s for the masks a_j of selectMasks
 * (Beaver triples whose second factor is s).
 */
export interface SelectShare {
  readonly sBool: RingTensor;
  readonly sArith: RingTensor;
  readonly c: readonly RingTensor[];
}

const ONE = 1n;

function maskKey(cacheKey: string): string {
  return `mask:${cacheKey}`;
}

/**
 * The mask B of a reused secret operand (a weight tensor), drawn once per deployment
 * at setup (kernel mask_s): servers get their shares of B (to open W - B), the dealer
 * keeps B itself for the life of the deployment, so that every later triple under
 * `cacheKey` is (A, B, f(A, B)) with a fresh A.
 */
export function weightMask(m: DealerMaterial, shape: Shape, cacheKey: string): RingTensor | undefined {
  const b = m.randA(shape);
  if (!m.isServer) {
    // the dealer's every triple for this weight multiplies by b: packed once (prepareConstant)
    m.keep.set(maskKey(cacheKey), m.ring.prepareConstant(b));
    return undefined;
  }
  return b;
}

/**
 * A triple for c = f(a, b) with a, b, c of the given shapes. With `cacheKey`, b is
 * the weight mask drawn at setup (weightMask), so the servers get no b share (they
 * hold the opened W - B instead) and only a and c are fresh.
 */
export async function triple(m: DealerMaterial, shapes: { a: Shape; b: Shape; c: Shape }, f: (a: RingTensor, b: RingTensor) => RingTensor, cacheKey?: string): Promise<TripleShare | undefined> {
  const a = m.randA(shapes.a);
  let b: RingTensor | undefined;
  if (cacheKey === undefined) b = m.randA(shapes.b);
  else if (!m.isServer) {
    b = m.keep.get(maskKey(cacheKey));
    if (!b) throw new TfeError('E_PROTOCOL', `the dealer has no mask for '${cacheKey}': the deployment's setup (mask_s) did not run`);
  }
  const bb = b;
  const c = await m.giveA(shapes.c, () => f(a, bb as RingTensor));
  return m.isServer ? { a, b, c } : undefined;
}

export async function truncation(m: DealerMaterial, shape: Shape, bits: number): Promise<TruncShare | undefined> {
  const r = m.randA(shape);
  const low63 = ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill((ONE << 63n) - ONE));
  const rHigh = await m.giveA(shape, () => m.ring.shr(m.ring.and(r, low63), bits));
  const rMsb = await m.giveA(shape, () => m.ring.shr(r, 63));
  return m.isServer ? { r, rHigh, rMsb } : undefined;
}

/** [r] and r's bit planes: servers get their shares, the dealer the values (for selectMasks). */
export async function maskedBits(m: DealerMaterial, shape: Shape): Promise<MaskedBitsShare> {
  const r = m.randA(shape);
  const words = 64 * planeWords(sizeOf(shape));
  const rPlanes = await m.giveB([words], () => {
    const planes = new BigUint64Array(words);
    planeKernelsFor(m.ring).transpose(r.data, planes);
    return ringTensor([words], planes);
  });
  return { r, rPlanes };
}

/**
 * The AND triples of the carry-tree level over `groups` groups, for `words` words per
 * plane: drawn just before that level runs (compare.ts), so that material in memory
 * follows the work in flight. c costs (2 floor(groups / 2) - 1) words per plane word.
 */
export async function andTriples(m: DealerMaterial, words: number, groups: number): Promise<AndTriplesShare | undefined> {
  const { pairs, ands } = carryLevel(groups);
  const a = m.randB([pairs * words]);
  const b = m.randB([ands * words]);
  const c = await m.giveB([ands * words], () => ringTensor([ands * words], levelProducts(groups, a.data, b.data)));
  return m.isServer ? { a, b, c } : undefined;
}

/**
 * The masks a_j of the select products (drawn with the comparison mask: the servers
 * open y_j - a_j in the first round). A payload that is the compared x itself (`self`)
 * takes a_j = -r, so that y_j - a_j = x + r = c, already open: no draw, no opening.
 * Servers get their shares, the dealer the values (for selectBits); no message.
 */
export function selectMasks(m: DealerMaterial, shape: Shape, self: readonly boolean[], r: RingTensor): RingTensor[] {
  return self.map((isX) => (isX ? m.ring.neg(r) : m.randA(shape)));
}

/**
 * The select bit and the products a_j s with the masks of selectMasks, drawn after the
 * carry tree: `payloads` products; the dealer passes the masks' values `a` (the servers
 * need not keep theirs past the first round).
 */
export async function selectBits(m: DealerMaterial, shape: Shape, payloads: number, a?: readonly RingTensor[]): Promise<SelectShare | undefined> {
  if (!m.isServer && a?.length !== payloads) throw new TfeError('E_PROTOCOL', `select material: the dealer needs the ${payloads} masks of the products`);
  const sBool = m.randB([planeWords(sizeOf(shape))]);
  let sv: RingTensor | undefined; // the dealer's s, element by element, made once
  const s = (): RingTensor => (sv ??= unpackBits(sBool.data, shape));
  const sArith = await m.giveA(shape, s);
  const c: RingTensor[] = [];
  for (let j = 0; j < payloads; j++) c.push(await m.giveA(shape, () => m.ring.mul((a as readonly RingTensor[])[j], s())));
  return m.isServer ? { sBool, sArith, c } : undefined;
}
