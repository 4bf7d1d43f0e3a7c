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

/** A random ring element shared arithmetically and, bit by bit, in XOR shares (one word per element). */
export interface MaskedBitsShare {
  readonly r: RingTensor;
  readonly rBits: RingTensor;
}

/** Bit-sliced AND triples sharing their first operand: c_j = a & b_j, for j < count. */
export interface AndTriplesShare {
  readonly a: RingTensor;
  readonly b: readonly RingTensor[];
  readonly c: readonly RingTensor[];
}

/**
 * A random bit s in XOR shares (bit 0 of each word) and additive shares, with
 * products c_j = a_j * s for random a_j (Beaver triples whose second factor is s).
 */
export interface SelectShare {
  readonly sBool: RingTensor;
  readonly sArith: RingTensor;
  readonly a: readonly RingTensor[];
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

export async function maskedBits(m: DealerMaterial, shape: Shape): Promise<MaskedBitsShare | undefined> {
  const r = m.randA(shape);
  const rBits = await m.giveB(shape, () => r);
  return m.isServer ? { r, rBits } : undefined;
}

export async function andTriples(m: DealerMaterial, shape: Shape, count: number): Promise<AndTriplesShare | undefined> {
  const a = m.randB(shape);
  const b: RingTensor[] = [];
  for (let j = 0; j < count; j++) b.push(m.randB(shape));
  const c: RingTensor[] = [];
  for (let j = 0; j < count; j++) c.push(await m.giveB(shape, () => m.ring.and(a, b[j])));
  return m.isServer ? { a, b, c } : undefined;
}

export async function select(m: DealerMaterial, shape: Shape, payloads: number): Promise<SelectShare | undefined> {
  const ones = ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill(ONE));
  const sBool = m.ring.and(m.randB(shape), ones);
  const sArith = await m.giveA(shape, () => sBool);
  const a: RingTensor[] = [];
  for (let j = 0; j < payloads; j++) a.push(m.randA(shape));
  const c: RingTensor[] = [];
  for (let j = 0; j < payloads; j++) c.push(await m.giveA(shape, () => m.ring.mul(a[j], sBool)));
  return m.isServer ? { sBool, sArith, a, c } : undefined;
}
