/**
 * The transport contract the protocol kernels are written against: a party's
 * endpoint in ONE session. Messages between two parties of a session arrive in the
 * order they were sent (FIFO per ordered pair); a party sees only its own endpoint.
 * The same kernels run over in-memory links and over TCP + mutual TLS, unchanged:
 * the session endpoint (session.ts) tags every message with its session, step and
 * sequence number and checks them on receipt.
 *
 * Rounds are counted with logical clocks: every online message carries its sender's
 * clock, and a receiver's clock becomes max(own, sender's + 1). A party's clock after
 * a computation is the number of communication rounds on its critical path. Dealer
 * material travels apart (runtime/crypto/material.ts MaterialChannel) and adds no
 * rounds.
 */

import type { Role } from '../../src/protocols/spec.js';

export type { Role } from '../../src/protocols/spec.js';

export interface PartyStats {
  /** Logical clock: rounds on this party's critical path so far. */
  clock: number;
  /** Payload bytes this party sent online, per receiver. */
  bytesSent: Record<Role, number>;
  /** Total online payload bytes this party sent. */
  bytesTotal: number;
  /** Payload bytes this party sent as dealer material (offline). */
  offlineBytes: number;
  messages: number;
}

export interface Endpoint {
  readonly role: Role;
  readonly stats: PartyStats;
  /** Sends a copy of `data` to `to` (tagged with this session and the current step). */
  send(to: Role, data: BigUint64Array): void;
  /** The next message from `from` in this session; E_PROTOCOL if it is not `expected` elements for the current step. */
  recv(from: Role, expected: number): Promise<BigUint64Array>;
}

export function newStats(): PartyStats {
  return { clock: 0, bytesSent: {}, bytesTotal: 0, offlineBytes: 0, messages: 0 };
}
