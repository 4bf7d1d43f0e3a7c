/**
 * Correlated randomness for Pond: the provider interface and its in-process
 * implementation, a trusted dealer (the third party of Pond: Dahl, Mancuso, Dupis,
 * Decoste, Giraud, Livingstone, Patriquin, Uhsadel, "Private Machine Learning in
 * TensorFlow using Secure Computation", 2018, sec. 2).
 *
 * Seed compression: the dealer shares a PRG seed with each server. A random sharing
 * [v] = v0 + v1 needs no message at all (each server draws its share, the dealer
 * draws both); a sharing of a value the dealer computed (c = a*b) costs one tensor to
 * server1 only (server0 draws c0 from its seed; server1 receives c - c0). A Beaver
 * triple therefore costs |c| elements instead of 2(|a|+|b|+|c|).
 *
 * Every method is called by all three parties in the same order (they execute the
 * same step list); the dealer generates and sends, the servers derive and receive.
 * Draw order per stream is the same on both ends of each seed, which keeps the
 * streams aligned. Servers get their shares; the dealer gets `undefined`.
 */
import { TfeError } from '../../src/errors.js';
import type { RingBackend } from '../ring/backend.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../ring/tensor.js';
import type { Endpoint, Role } from '../transport/types.js';
import type { Prg } from './prg.js';

/** A Beaver triple share for a bilinear f: c = f(a, b). */
export interface TripleShare {
  readonly a: RingTensor;
  readonly b: RingTensor;
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

export interface CorrelatedRandomness {
  /**
   * A triple for c = f(a, b) with a, b, c of the given shapes. With `cacheKey`, the
   * b of the first call under that key is kept and reused by later calls (a fresh a
   * and c each time): this is what lets a reused secret operand (model weights) be
   * opened once per deployment.
   */
  triple(shapes: { a: Shape; b: Shape; c: Shape }, f: (a: RingTensor, b: RingTensor) => RingTensor, cacheKey?: string): Promise<TripleShare | undefined>;
  truncation(shape: Shape, bits: number): Promise<TruncShare | undefined>;
  maskedBits(shape: Shape): Promise<MaskedBitsShare | undefined>;
  andTriples(shape: Shape, count: number): Promise<AndTriplesShare | undefined>;
  select(shape: Shape, payloads: number): Promise<SelectShare | undefined>;
}

const ONE = 1n;

/** The in-process trusted dealer, seeded per server. */
export class SeededDealer implements CorrelatedRandomness {
  private readonly cachedB = new Map<string, RingTensor>();

  /**
   * @param role the party this provider serves
   * @param streams on server i: { [i]: PRG shared with the dealer }; on the dealer: both
   */
  constructor(
    private readonly role: Role,
    private readonly net: Endpoint,
    private readonly ring: RingBackend,
    private readonly streams: Partial<Record<'server0' | 'server1', Prg>>,
  ) {
    if (role === 'dealer' ? !(streams.server0 && streams.server1) : (role === 'server0' || role === 'server1') && !streams[role]) {
      throw new TfeError('E_PROTOCOL', `dealer provider for ${role} is missing its seed`);
    }
  }

  private stream(r: 'server0' | 'server1'): Prg {
    const p = this.streams[r];
    if (!p) throw new TfeError('E_PROTOCOL', `${this.role} has no seed shared with ${r === this.role ? 'the dealer' : r}`);
    return p;
  }

  private isServer(): boolean {
    return this.role === 'server0' || this.role === 'server1';
  }

  /** Random additive sharing: a server's share, or on the dealer the value itself. */
  private randA(shape: Shape): RingTensor {
    const n = sizeOf(shape);
    if (this.role === 'dealer') return this.ring.add(ringTensor(shape, this.stream('server0').ring(n)), ringTensor(shape, this.stream('server1').ring(n)));
    return ringTensor(shape, this.stream(this.role as 'server0' | 'server1').ring(n));
  }

  /** Random XOR sharing (of full 64-bit words). */
  private randB(shape: Shape): RingTensor {
    const n = sizeOf(shape);
    if (this.role === 'dealer') return this.ring.xor(ringTensor(shape, this.stream('server0').ring(n)), ringTensor(shape, this.stream('server1').ring(n)));
    return ringTensor(shape, this.stream(this.role as 'server0' | 'server1').ring(n));
  }

  /**
   * Additive sharing of a dealer-computed value: server0 draws its share from its
   * seed, server1 receives the difference. `value` is read on the dealer only.
   */
  private async giveA(shape: Shape, value: () => RingTensor): Promise<RingTensor> {
    const n = sizeOf(shape);
    if (this.role === 'server0') return ringTensor(shape, this.stream('server0').ring(n));
    if (this.role === 'server1') return ringTensor(shape, await this.net.recv('dealer', n));
    const s0 = ringTensor(shape, this.stream('server0').ring(n));
    const v = value();
    this.net.send('server1', this.ring.sub(v, s0).data, true);
    return v;
  }

  /** XOR sharing of a dealer-computed value. */
  private async giveB(shape: Shape, value: () => RingTensor): Promise<RingTensor> {
    const n = sizeOf(shape);
    if (this.role === 'server0') return ringTensor(shape, this.stream('server0').ring(n));
    if (this.role === 'server1') return ringTensor(shape, await this.net.recv('dealer', n));
    const s0 = ringTensor(shape, this.stream('server0').ring(n));
    const v = value();
    this.net.send('server1', this.ring.xor(v, s0).data, true);
    return v;
  }

  async triple(shapes: { a: Shape; b: Shape; c: Shape }, f: (a: RingTensor, b: RingTensor) => RingTensor, cacheKey?: string): Promise<TripleShare | undefined> {
    if (!this.isServer() && this.role !== 'dealer') return undefined;
    const a = this.randA(shapes.a);
    let b = cacheKey === undefined ? undefined : this.cachedB.get(cacheKey);
    if (!b) {
      b = this.randA(shapes.b);
      if (cacheKey !== undefined) this.cachedB.set(cacheKey, b);
    }
    const bb = b;
    const c = await this.giveA(shapes.c, () => f(a, bb));
    return this.isServer() ? { a, b, c } : undefined;
  }

  async truncation(shape: Shape, bits: number): Promise<TruncShare | undefined> {
    if (!this.isServer() && this.role !== 'dealer') return undefined;
    const r = this.randA(shape);
    const low63 = ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill((ONE << 63n) - ONE));
    const rHigh = await this.giveA(shape, () => this.ring.shr(this.ring.and(r, low63), bits));
    const rMsb = await this.giveA(shape, () => this.ring.shr(r, 63));
    return this.isServer() ? { r, rHigh, rMsb } : undefined;
  }

  async maskedBits(shape: Shape): Promise<MaskedBitsShare | undefined> {
    if (!this.isServer() && this.role !== 'dealer') return undefined;
    const r = this.randA(shape);
    const rBits = await this.giveB(shape, () => r);
    return this.isServer() ? { r, rBits } : undefined;
  }

  async andTriples(shape: Shape, count: number): Promise<AndTriplesShare | undefined> {
    if (!this.isServer() && this.role !== 'dealer') return undefined;
    const a = this.randB(shape);
    const b: RingTensor[] = [];
    for (let j = 0; j < count; j++) b.push(this.randB(shape));
    const c: RingTensor[] = [];
    for (let j = 0; j < count; j++) c.push(await this.giveB(shape, () => this.ring.and(a, b[j])));
    return this.isServer() ? { a, b, c } : undefined;
  }

  async select(shape: Shape, payloads: number): Promise<SelectShare | undefined> {
    if (!this.isServer() && this.role !== 'dealer') return undefined;
    const ones = ringTensor(shape, new BigUint64Array(sizeOf(shape)).fill(ONE));
    const sBool = this.ring.and(this.randB(shape), ones);
    const sArith = await this.giveA(shape, () => sBool);
    const a: RingTensor[] = [];
    for (let j = 0; j < payloads; j++) a.push(this.randA(shape));
    const c: RingTensor[] = [];
    for (let j = 0; j < payloads; j++) c.push(await this.giveA(shape, () => this.ring.mul(a[j], sBool)));
    return this.isServer() ? { sBool, sArith, a, c } : undefined;
  }
}
