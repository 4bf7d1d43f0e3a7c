/**
 * Correlated randomness from a dealer (or a helper server making it the same way: securenn's
 * server2), as protocol-neutral primitives (Pond composes
 * its triples, truncation pairs and comparison material from them in
 * runtime/protocols/pond/material.ts).
 *
 * Seed compression: the dealer shares a PRG seed with each of the two servers, and
 * every bundle of material (one session's worth) uses its own stream of each seed
 * (Prg stream = the bundle id). A random sharing [v] = v0 + v1 needs no message at
 * all (each server draws its share, the dealer draws both); a sharing of a value the
 * dealer computed (c = a*b) costs one tensor to server1 only (server0 draws c0 from
 * its stream; server1 receives c - c0 over the material channel). So a Beaver triple
 * costs |c| elements instead of 2(|a|+|b|+|c|).
 *
 * The dealer and the servers call the same primitives in the same order (they run
 * the same steps), which keeps each stream aligned on both ends. Servers get their
 * shares; the dealer gets the values themselves (it needs them to compute products).
 * Parties other than the servers and the dealer never call these.
 */
import { TfeError } from '../../src/errors.js';
import { materialRole, shareholders, type ProtocolSpec } from '../../src/protocols/spec.js';
import type { RingBackend } from '../ring/backend.js';
import { ringPool } from '../ring/pool.js';
import { ringTensor, sizeOf, type RingTensor, type Shape } from '../ring/tensor.js';
import type { Role } from '../transport/types.js';
import type { Prg } from './prg.js';

/** Where a bundle's material travels: dealer -> server1 (offline frames of that bundle). */
export interface MaterialChannel {
  /** On the dealer: sends a correction tensor to server1 (copied or sent at once: the caller may reuse `data` when send returns). */
  send(data: BigUint64Array): void;
  /** On server1: the next correction tensor, of `n` elements. */
  recv(n: number): Promise<BigUint64Array>;
}

/** A channel for parties that never exchange material (server0, or a test without a dealer). */
export const NO_MATERIAL: MaterialChannel = {
  send() {
    throw new TfeError('E_PROTOCOL', 'this party has no material channel to send on');
  },
  recv() {
    return Promise.reject(new TfeError('E_PROTOCOL', 'this party has no material channel to receive from'));
  },
};

export type DealerSide = 'dealer' | 'server0' | 'server1';

/** The seed-compressed dealer primitives for one bundle, bound to one party. */
export class DealerMaterial {
  /**
   * @param side the party this provider serves
   * @param streams on server i: { [i]: its stream of the seed shared with the dealer }; on the dealer: both
   * @param keep values kept across bundles for the life of a deployment (cached weight masks): on the
   *   dealer the mask values, on the servers nothing is kept here
   * @param channel0 dealer -> server0, for material both servers must hold in the clear (the
   *   correction words of FSS keys, givePublic); absent where no kernel of the plan sends any
   */
  constructor(
    readonly side: DealerSide,
    readonly ring: RingBackend,
    private readonly streams: Partial<Record<'server0' | 'server1', Prg>>,
    private readonly channel: MaterialChannel,
    readonly keep: Map<string, RingTensor>,
    private readonly channel0: MaterialChannel = NO_MATERIAL,
  ) {
    if (side === 'dealer' ? !(streams.server0 && streams.server1) : !streams[side]) {
      throw new TfeError('E_PROTOCOL', `dealer material for ${side} is missing its seed`);
    }
  }

  get isServer(): boolean {
    return this.side !== 'dealer';
  }

  private stream(r: 'server0' | 'server1'): Prg {
    const p = this.streams[r];
    if (!p) throw new TfeError('E_PROTOCOL', `${this.side} has no seed shared with ${r === this.side ? 'the dealer' : r}`);
    return p;
  }

  /** Random additive sharing: a server's share, or on the dealer the value itself. */
  randA(shape: Shape): RingTensor {
    return this.rand(shape, (a, b) => this.ring.add(a, b, a));
  }

  /** Random XOR sharing (of full 64-bit words). */
  randB(shape: Shape): RingTensor {
    return this.rand(shape, (a, b) => this.ring.xor(a, b, a));
  }

  /**
   * A server's share drawn straight into a fresh array from its stream; on the dealer,
   * server0's share drawn into the result and server1's into a pooled buffer combined
   * in place (`combine(acc, s1)` writes into acc), then given back: one allocation.
   */
  private rand(shape: Shape, combine: (acc: RingTensor, s1: RingTensor) => void): RingTensor {
    const n = sizeOf(shape);
    if (this.side !== 'dealer') return ringTensor(shape, this.stream(this.side).ring(n));
    const v = ringTensor(shape, this.stream('server0').ring(n));
    const s1 = ringPool.tensor(shape);
    try {
      this.stream('server1').ringInto(s1.data);
      combine(v, s1);
    } finally {
      ringPool.give(s1.data);
    }
    return v;
  }

  /**
   * Additive sharing of a dealer-computed value: server0 draws its share from its
   * stream, server1 receives the difference. `value` is called on the dealer only.
   */
  async giveA(shape: Shape, value: () => RingTensor): Promise<RingTensor> {
    return this.give(shape, value, (a, b, out) => this.ring.sub(a, b, out));
  }

  /** XOR sharing of a dealer-computed value. */
  async giveB(shape: Shape, value: () => RingTensor): Promise<RingTensor> {
    return this.give(shape, value, (a, b, out) => this.ring.xor(a, b, out));
  }

  /**
   * `n` words drawn from each server's own stream (no message): on server i its words,
   * on the dealer both servers' (it needs each one's, e.g. the root seeds of FSS keys).
   */
  ownWords(n: number): Partial<Record<'server0' | 'server1', BigUint64Array>> {
    if (this.side === 'dealer') return { server0: this.stream('server0').ring(n), server1: this.stream('server1').ring(n) };
    return { [this.side]: this.stream(this.side).ring(n) };
  }

  /**
   * `n` words the dealer computes and sends, the same to BOTH servers (public to the
   * servers, e.g. the correction words of FSS keys): costs 2n words of material. On
   * the dealer `value` is called and returned; each server receives it.
   */
  async givePublic(n: number, value: () => BigUint64Array): Promise<BigUint64Array> {
    if (this.side === 'server0') return this.channel0.recv(n);
    if (this.side === 'server1') return this.channel.recv(n);
    const v = value();
    if (v.length !== n) throw new TfeError('E_PROTOCOL', `dealer material of ${v.length} words where ${n} were declared`);
    this.channel.send(v);
    this.channel0.send(v);
    return v;
  }

  private async give(shape: Shape, value: () => RingTensor, minus: (a: RingTensor, b: RingTensor, out: RingTensor) => RingTensor): Promise<RingTensor> {
    const n = sizeOf(shape);
    if (this.side === 'server0') return ringTensor(shape, this.stream('server0').ring(n));
    if (this.side === 'server1') return ringTensor(shape, await this.channel.recv(n));
    // the dealer: server0's share and server1's correction v - s0 share one pooled
    // buffer (the channel copies what it sends), so only `value` allocates
    const t = ringPool.tensor(shape);
    try {
      this.stream('server0').ringInto(t.data);
      const v = value();
      this.channel.send(minus(v, t, t).data);
      return v;
    } finally {
      ringPool.give(t.data);
    }
  }
}

/**
 * The position of `role` in protocol `p`'s material protocol: `'dealer'` for the role that
 * makes the material (Pond's dealer, securenn's helper server2: `materialRole`), the
 * share-holder's own name (server0, server1) for the two that consume it, undefined for
 * every other role. The share-holders must be named server0 and server1: the kernels
 * find them by name.
 */
export function materialSide(p: ProtocolSpec, role: Role): DealerSide | undefined {
  if (role === materialRole(p)) return 'dealer';
  if (!shareholders(p).includes(role)) return undefined;
  if (role !== 'server0' && role !== 'server1') throw new TfeError('E_PROTOCOL', `protocol ${p.name}: share-holder '${role}' is not server0 or server1`);
  return role;
}
