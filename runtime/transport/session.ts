/**
 * A party's endpoint in one session: what the protocol kernels send and receive
 * through. Every message becomes a `data` frame tagged with (session, step, sequence
 * number, sender's clock); on receipt the session, the step and the sequence number
 * must be the ones this party expects, and the length the one the kernel expects, or
 * the session fails with an error naming the peer and the step (a desynchronised or
 * malicious peer is caught at its first wrong message). Every receive has a timeout.
 *
 * When the session fails here (a kernel error, a timeout), the endpoint tells every
 * peer of the session with an `abort` frame carrying the reason, so no peer waits
 * for its timeout; when a peer aborts or its link drops, every pending and later
 * receive rejects with that cause.
 */
import { TfeError } from '../../src/errors.js';
import { drainedWithin } from './drain.js';
import { NO_STEP } from './frame.js';
import type { Router, SessionMember } from './router.js';
import { newStats, type Endpoint, type PartyStats, type Role } from './types.js';

/** An aligned BigUint64Array over a frame payload (copied if the payload is not 8-byte aligned). */
export function wordsOf(payload: Uint8Array): BigUint64Array {
  if (payload.byteOffset % 8 === 0) return new BigUint64Array(payload.buffer, payload.byteOffset, payload.byteLength / 8);
  const copy = new Uint8Array(payload.byteLength);
  copy.set(payload);
  return new BigUint64Array(copy.buffer);
}

export function bytesOf(data: BigUint64Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class SessionEndpoint implements Endpoint, SessionMember {
  readonly stats: PartyStats = newStats();
  private step = NO_STEP;
  private stepName = '';
  private readonly seqOut = new Map<Role, number>();
  private readonly seqIn = new Map<Role, number>();
  private failure: TfeError | undefined;
  private readonly failHooks: ((err: TfeError) => void)[] = [];

  constructor(
    private readonly router: Router,
    readonly role: Role,
    readonly session: bigint,
    /** The other parties of this session, as the router names their links. */
    readonly peers: readonly Role[],
    /** Link names of roles whose link is not named by the role (a client's connection, `client#3`). */
    private readonly names: ReadonlyMap<Role, string> = new Map(),
  ) {
    router.join(session, this);
  }

  private linkOf(role: Role): string {
    return this.names.get(role) ?? role;
  }

  /** Sets the plan step the following messages belong to (`name` for errors). */
  setStep(step: number, name: string): void {
    this.step = step;
    this.stepName = name;
  }

  private where(): string {
    return this.step === NO_STEP ? `session ${this.session}` : `step ${this.step} (${this.stepName})`;
  }

  send(role: Role, data: BigUint64Array): void {
    if (this.failure) throw this.failure;
    if (role === this.role) throw new TfeError('E_PROTOCOL', `${this.role} tried to send a message to itself`);
    const to = this.linkOf(role);
    if (!this.peers.includes(to)) throw new TfeError('E_PROTOCOL', `${this.role} sends to ${role}, which is not in session ${this.session}`);
    const seq = this.seqOut.get(to) ?? 0;
    this.seqOut.set(to, seq + 1);
    this.router.link(to).send({ kind: 'data', session: this.session, step: this.step, seq, clock: this.stats.clock, payload: bytesOf(data) });
    this.stats.messages++;
    this.stats.bytesTotal += data.byteLength;
    this.stats.bytesSent[to] = (this.stats.bytesSent[to] ?? 0) + data.byteLength;
  }

  async recv(role: Role, expected: number): Promise<BigUint64Array> {
    if (this.failure) throw this.failure;
    const from = this.linkOf(role);
    const box = this.router.inbox('data', this.session, from);
    const ms = this.router.receiveTimeoutMs;
    const f = await box.take(ms, () => new TfeError('E_TRANSPORT', `${this.role} received nothing from ${from} within ${ms / 1000} s at ${this.where()}`, 'the peer is stalled or overloaded; check its log'));
    const seq = this.seqIn.get(from) ?? 0;
    if (f.step !== this.step || f.seq !== seq) {
      throw new TfeError('E_PROTOCOL', `${from} sent message ${f.seq} of step ${f.step}, but ${this.role} expects message ${seq} of ${this.where()}`, 'the parties run different plans or a peer is faulty');
    }
    if (f.payload.byteLength !== expected * 8) {
      throw new TfeError('E_PROTOCOL', `${from} sent ${f.payload.byteLength} bytes at ${this.where()}, ${this.role} expected ${expected} ring elements (${expected * 8} bytes)`);
    }
    this.seqIn.set(from, seq + 1);
    this.stats.clock = Math.max(this.stats.clock, f.clock + 1);
    return wordsOf(f.payload);
  }

  /**
   * Resolves when the links to this session's peers have sent what was queued on them
   * (backpressure at step boundaries); a peer that reads nothing for the receive
   * timeout fails the session naming it and the step.
   */
  async drained(): Promise<void> {
    if (this.failure) throw this.failure;
    const ms = this.router.receiveTimeoutMs;
    for (const p of this.peers) {
      if (!this.router.hasLink(p)) continue;
      const link = this.router.link(p);
      // links that buffer nothing (in memory) have no drained(): no promise, no timer
      if (link.drained === undefined) continue;
      await drainedWithin(link, ms, () => new TfeError('E_TRANSPORT', `${p} has not read what ${this.role} sent within ${ms / 1000} s at ${this.where()}`, 'the peer is stalled or overloaded; check its log'));
    }
  }

  /** Fails this session here and tells every peer (best effort), with the reason. */
  abort(err: TfeError): void {
    if (this.failure) return;
    this.fail(err);
    const payload = new TextEncoder().encode(`${this.role}: ${err.message}`.slice(0, 2000));
    for (const p of this.peers) {
      try {
        if (this.router.hasLink(p)) this.router.link(p).send({ kind: 'abort', session: this.session, step: this.step, seq: 0, clock: 0, payload });
      } catch {
        // the peer is gone already; nothing to tell
      }
    }
  }

  /** Fails every pending and later receive with `err` (a peer's abort, a lost link). */
  fail(err: TfeError): void {
    if (this.failure) return;
    this.failure = err;
    for (const p of this.peers) this.router.inbox('data', this.session, p).fail(err);
    for (const h of this.failHooks) h(err);
  }

  /** Runs `h` when the session fails (to end waits outside the session's inboxes, such as its dealer material). */
  onFail(h: (err: TfeError) => void): void {
    if (this.failure) h(this.failure);
    else this.failHooks.push(h);
  }

  get failed(): TfeError | undefined {
    return this.failure;
  }

  /** Ends the session here and frees its inboxes. */
  close(): void {
    this.router.leave(this.session, this.peers);
  }
}
