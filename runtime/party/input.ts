/**
 * An input or output role's session (the client's prediction, the model owner's
 * setup): ask the leader to open a session, run the steps that name this role (its
 * `share`s, the `reveal`s to it) on its own values, and collect what the compute roles
 * report at the end (their bytes, the dealer material the session used). The role sees
 * only its own values, the outputs revealed to it, and those statistics.
 */
import { TfeError, type ErrorCode } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { shareholders } from '../../src/protocols/spec.js';
import { Prg } from '../crypto/prg.js';
import type { KernelRegistry } from '../protocols/registry.js';
import type { RingBackend } from '../ring/backend.js';
import type { Control } from '../transport/control.js';
import type { Router } from '../transport/router.js';
import { SessionEndpoint } from '../transport/session.js';
import type { Role } from '../transport/types.js';
import { runSteps, type Env } from './steps.js';
import { ControlWaiters } from './waiters.js';

export interface InputSessionResult {
  /** This role's environment after the run: its own values and what was revealed to it. */
  readonly env: Env;
  /** Rounds on the critical path (this role's logical clock at the end). */
  readonly rounds: number;
  /** Online payload bytes each party sent (this role's own, and each compute role's report). */
  readonly bytes: Record<Role, number>;
  /** Dealer material the session used (bytes) and the time the dealer took to make it. */
  readonly dealerBytes: number;
  readonly offlineMs: number;
  /** From the leader's acceptance to the end (the online phase). */
  readonly onlineMs: number;
  /** Frames each compute role sent in the session (their headers are apart from `bytes`). */
  readonly frames: Record<Role, number>;
  /** The largest peak RSS any compute role reported, in MiB. */
  readonly rssMb: number;
  readonly session: bigint;
  /** The session's batch (the providers' batch, for an output-only role that asked with batch 0). */
  readonly batch: number;
}

export interface InputPartyOptions {
  readonly plan: Plan;
  readonly role: Role;
  readonly router: Router;
  readonly ring: RingBackend;
  readonly kernels: KernelRegistry;
}

/** An input or output role: runs sessions one after another (or several at once) over its links. */
export class InputParty {
  private readonly waiters = new ControlWaiters();
  private request = 0;
  private readonly computes: readonly Role[];

  constructor(private readonly o: InputPartyOptions) {
    // the servers that hold shares (securenn's helper server2 never talks to input roles)
    this.computes = shareholders(protocolSpec(o.plan.protocol));
    o.router.onControl((peer, msg) => {
      if (!this.waiters.deliver(peer, msg)) void 0;
    });
    o.router.onLinkClosed((peer, err) => {
      if (this.computes.includes(peer)) this.waiters.failAll(err ?? new TfeError('E_TRANSPORT', `${peer} closed the connection`));
    });
  }

  /**
   * Runs one session of `purpose` at `batch`, with this role's private values in `env`.
   * In a plan whose predictions have several input and output roles, each of them calls
   * this at about the same time and the leader runs one session with all of them; an
   * output-only role passes batch 0 ("the providers' batch"). `job` (such a prediction
   * only): the id its participants agreed on, so that concurrent predictions of the same
   * roles pair by job rather than by arrival.
   */
  async session(purpose: 'setup' | 'predict', batch: number, env: Env, opts: { readonly job?: string } = {}): Promise<InputSessionResult> {
    const { router, role } = this.o;
    const leader = this.computes[0];
    const ms = router.receiveTimeoutMs;
    for (const c of this.computes) if (!router.hasLink(c)) throw new TfeError('E_TRANSPORT', `${role} is not connected to ${c}`);
    const request = this.request++;
    const answer = this.waiters.wait(
      (p, m): m is Extract<Control, { type: 'accepted' | 'refused' }> => p === leader && (m.type === 'accepted' || m.type === 'refused') && m.request === request,
      // the leader may wait for the dealer to make this batch size's first bundle
      Math.max(ms, 120_000),
      `${leader}'s answer to ${role}'s request for a ${purpose} session`,
    );
    router.sendControl(leader, { type: 'open', request, purpose, batch, ...(opts.job !== undefined ? { job: opts.job } : {}) });
    const a = await answer;
    if (a.type === 'refused') throw new TfeError(a.code as ErrorCode, `${leader} refused the ${purpose} session: ${a.message}`, a.hint);
    const t0 = performance.now();
    const session = BigInt(a.session);
    const sid = a.session;
    const runBatch = a.batch ?? batch;
    if (runBatch < 1 || (batch !== 0 && runBatch !== batch)) throw new TfeError('E_PROTOCOL', `${leader} accepted ${role}'s ${purpose} session of batch ${batch} at batch ${runBatch}`);
    // tell the other compute roles which connection this session uses
    for (const c of this.computes) if (c !== leader) router.sendControl(c, { type: 'join', session: sid });
    const stats = this.computes.map((c) =>
      this.waiters.wait((p, m): m is Extract<Control, { type: 'stats' }> => p === c && m.type === 'stats' && m.session === sid, ms, `${c}'s statistics of session ${sid}`, sid),
    );
    const ready = purpose === 'setup'
      ? this.waiters.wait((p, m): m is Extract<Control, { type: 'ready' }> => p === leader && m.type === 'ready' && m.session === sid, ms, `${leader}'s confirmation that the weights are shared`, sid)
      : undefined;
    const ep = new SessionEndpoint(router, role, session, this.computes);
    try {
      const kind = this.o.plan.roles.find((r) => r.name === role)?.kind ?? 'input';
      await runSteps({ role, net: ep, ring: this.o.ring, dealer: undefined, prg: Prg.fresh(), cache: new Map() }, env, { plan: this.o.plan, list: purpose === 'setup' ? 'setupSteps' : 'steps', batch: runBatch, kernels: this.o.kernels, kind });
      if (ready) await ready;
      const reports = await Promise.all(stats);
      const onlineMs = performance.now() - t0;
      const bytes: Record<Role, number> = {};
      const frames: Record<Role, number> = { [role]: ep.stats.messages };
      if (ep.stats.bytesTotal > 0) bytes[role] = ep.stats.bytesTotal;
      reports.forEach((r, i) => {
        if (r.bytes > 0) bytes[this.computes[i]] = r.bytes;
        frames[this.computes[i]] = r.frames;
      });
      // each server reports the material it received (server1 its corrected shares and
      // the FSS keys, server0 the FSS keys only): the material role sent the sum; a dealer's
      // is dealer bytes, a helper server's (securenn's server2) is that server's traffic
      const material = reports.reduce((a, r) => a + r.offlineBytes, 0);
      const spec = protocolSpec(this.o.plan.protocol);
      const helper = spec.dealerRoles.length === 0 ? spec.helper : undefined;
      if (helper !== undefined && material > 0) bytes[helper] = (bytes[helper] ?? 0) + material;
      return {
        env, rounds: ep.stats.clock, bytes, frames, session, onlineMs, batch: runBatch,
        rssMb: Math.max(...reports.map((r) => r.rssMb)),
        dealerBytes: helper === undefined ? material : 0,
        offlineMs: Math.max(...reports.map((r) => r.offlineMs)),
      };
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', `${role}: ${(e as Error).message}`);
      ep.abort(err);
      for (const p of [...stats, ...(ready ? [ready] : [])]) p.catch(() => undefined);
      this.waiters.cancel(sid, err);
      throw err;
    } finally {
      ep.close();
    }
  }
}
