/**
 * In-memory transport: the parties of one process exchange messages through queues,
 * one per ordered pair of roles. Each party runs as its own async task and touches only
 * its endpoint. A failure in any party aborts the network: every pending and later
 * receive rejects with that error, so a crashed peer never leaves the others hanging.
 */
import { TfeError } from '../../src/errors.js';
import { newStats, type Endpoint, type PartyStats, type Role } from './types.js';

interface Message {
  readonly data: BigUint64Array;
  readonly clock: number | undefined; // undefined: offline
}

interface Waiter {
  resolve(m: Message): void;
  reject(e: unknown): void;
}

class Queue {
  readonly items: Message[] = [];
  readonly waiters: Waiter[] = [];
}

export class MemoryNetwork {
  private readonly queues = new Map<string, Queue>();
  private failure: unknown = undefined;
  private readonly endpoints = new Map<Role, MemoryEndpoint>();

  endpoint(role: Role): Endpoint {
    let e = this.endpoints.get(role);
    if (!e) {
      e = new MemoryEndpoint(this, role);
      this.endpoints.set(role, e);
    }
    return e;
  }

  /** Rejects every pending and future receive with `err` (first failure wins). */
  abort(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err ?? new Error('aborted');
    for (const q of this.queues.values()) for (const w of q.waiters.splice(0)) w.reject(this.failure);
  }

  queue(from: Role, to: Role): Queue {
    const key = `${from}>${to}`;
    let q = this.queues.get(key);
    if (!q) {
      q = new Queue();
      this.queues.set(key, q);
    }
    return q;
  }

  deliver(from: Role, to: Role, m: Message): void {
    if (this.failure !== undefined) throw this.failure;
    const q = this.queue(from, to);
    const w = q.waiters.shift();
    if (w) w.resolve(m);
    else q.items.push(m);
  }

  take(from: Role, to: Role): Promise<Message> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const q = this.queue(from, to);
    const m = q.items.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => q.waiters.push({ resolve, reject }));
  }

  /** Messages sent but never received (a protocol bug if non-zero at the end). */
  undelivered(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.items.length;
    return n;
  }
}

class MemoryEndpoint implements Endpoint {
  readonly stats: PartyStats = newStats();
  constructor(private readonly net: MemoryNetwork, readonly role: Role) {}

  send(to: Role, data: BigUint64Array, offline = false): void {
    if (to === this.role) throw new TfeError('E_PROTOCOL', `${this.role} tried to send a message to itself`);
    const bytes = data.byteLength;
    this.stats.messages++;
    if (offline) this.stats.offlineBytes += bytes;
    else {
      this.stats.bytesTotal += bytes;
      this.stats.bytesSent[to] = (this.stats.bytesSent[to] ?? 0) + bytes;
    }
    this.net.deliver(this.role, to, { data: data.slice(), clock: offline ? undefined : this.stats.clock });
  }

  async recv(from: Role, expected: number): Promise<BigUint64Array> {
    const m = await this.net.take(from, this.role);
    if (m.data.length !== expected) {
      throw new TfeError('E_PROTOCOL', `${this.role} expected ${expected} ring elements from ${from}, got ${m.data.length}`);
    }
    if (m.clock !== undefined) this.stats.clock = Math.max(this.stats.clock, m.clock + 1);
    return m.data;
  }
}
