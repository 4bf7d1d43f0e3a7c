/**
 * The transport contract the protocol kernels are written against. Messages between
 * two parties arrive in the order they were sent (FIFO per ordered pair); a party
 * sees only its own endpoint. The same kernels run over the in-memory transport
 * (memory.ts) and, later, a network transport, unchanged.
 *
 * Rounds are counted with logical clocks: every online message carries its sender's
 * clock, and a receiver's clock becomes max(own, sender's + 1). A party's clock after
 * a computation is the number of communication rounds on its critical path.
 * Messages from the dealer are preprocessing (offline): they carry no clock and do not
 * add rounds, and their bytes are counted as dealer bytes.
 */

import type { Role } from '../../src/protocols/spec.js';

export type { Role } from '../../src/protocols/spec.js';

export const SERVERS = ['server0', 'server1'] as const;
export type ServerRole = (typeof SERVERS)[number];

export function isServer(r: Role): r is ServerRole {
  return r === 'server0' || r === 'server1';
}

export interface PartyStats {
  /** Logical clock: rounds on this party's critical path so far. */
  clock: number;
  /** Payload bytes this party sent online, per receiver. */
  bytesSent: Partial<Record<Role, number>>;
  /** Total online payload bytes this party sent. */
  bytesTotal: number;
  /** Payload bytes this party sent as offline (dealer) material. */
  offlineBytes: number;
  messages: number;
}

export interface Endpoint {
  readonly role: Role;
  readonly stats: PartyStats;
  /** Sends a copy of `data` to `to`; offline marks dealer preprocessing. */
  send(to: Role, data: BigUint64Array, offline?: boolean): void;
  /** The next message from `from`; E_PROTOCOL if its length is not `expected` elements. */
  recv(from: Role, expected: number): Promise<BigUint64Array>;
}

export function newStats(): PartyStats {
  return { clock: 0, bytesSent: {}, bytesTotal: 0, offlineBytes: 0, messages: 0 };
}
