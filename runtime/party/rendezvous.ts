/**
 * The leader's rendezvous of a prediction with several input and output roles (a
 * program's `alice` and `bob` provide inputs, `analyst` receives the output): each
 * participant (src/plan/participants.ts) asks for the session with `open`; the session
 * starts when every participant has asked, taking the oldest request of each role (first
 * come, first served, per role). A request that finds no partners within the wait is
 * refused with E_TIMEOUT naming the roles that did not come; a connection that closes
 * takes its waiting requests with it.
 *
 * Jobs: a request may name a job (any id its participants agreed on); requests match only
 * within their job (no job is a job of its own), so two predictions of the same roles that
 * run at once pair correctly whatever order their requests arrive in.
 *
 * The batch: every provider names the batch of its inputs, and they must agree (a
 * mismatch refuses the whole group with E_ARG naming each role's batch); an output-only
 * role names 0, "the providers' batch".
 */
import { TfeError } from '../../src/errors.js';
import { roleOfLink } from '../transport/router.js';
import type { Role } from '../transport/types.js';

/** One waiting request: the connection that sent it, its request number and batch. */
export interface Pending {
  readonly link: Role;
  readonly request: number;
  readonly batch: number;
  /** The job the request names ('' for none). */
  readonly job: string;
}

/** A group ready to run (the batch agreed), or refused as a whole. */
export type Matched = { readonly ok: true; readonly group: readonly Pending[]; readonly batch: number } | { readonly ok: false; readonly group: readonly Pending[]; readonly error: TfeError };

export class Rendezvous {
  /** Waiting requests by job, then by role. */
  private readonly jobs = new Map<string, Map<Role, { p: Pending; timer: NodeJS.Timeout }[]>>();

  /**
   * @param participants the roles every session needs, in the plan's order
   * @param waitMs how long a request waits for the others
   * @param onExpire called with a request that waited `waitMs` in vain, and its error
   */
  constructor(
    private readonly participants: readonly Role[],
    private readonly waitMs: number,
    private readonly onExpire: (p: Pending, error: TfeError) => void,
  ) {}

  private queuesOf(job: string): Map<Role, { p: Pending; timer: NodeJS.Timeout }[]> {
    let q = this.jobs.get(job);
    if (!q) {
      q = new Map(this.participants.map((r) => [r, []]));
      this.jobs.set(job, q);
    }
    return q;
  }

  /** Adds a request of `p.link`'s role; returns the group it completes, if it completes one. */
  add(p: Pending): Matched | undefined {
    const role = roleOfLink(p.link);
    if (!this.participants.includes(role)) throw new TfeError('E_POLICY', `${role} takes no part in this plan's predictions (its participants: ${this.participants.join(', ')})`);
    const queues = this.queuesOf(p.job);
    const q = queues.get(role) ?? [];
    const timer = setTimeout(() => {
      const i = q.findIndex((x) => x.p === p);
      if (i < 0) return;
      q.splice(i, 1);
      const missing = this.participants.filter((r) => (queues.get(r) ?? []).length === 0);
      this.forget(p.job);
      this.onExpire(p, new TfeError('E_TIMEOUT', `${role} waited ${this.waitMs / 1000} s for ${missing.join(', ')} to join the prediction${p.job ? ` (job ${p.job})` : ''}`, `every participant of the plan (${this.participants.join(', ')}) must ask for the same prediction: start each of them`));
    }, this.waitMs);
    timer.unref();
    q.push({ p, timer });
    if (this.participants.some((r) => (queues.get(r) ?? []).length === 0)) return undefined;
    const group = this.participants.map((r) => {
      const first = (queues.get(r) ?? []).shift();
      if (!first) throw new Error('unreachable: a participant queue emptied');
      clearTimeout(first.timer);
      return first.p;
    });
    this.forget(p.job);
    const batches = [...new Set(group.filter((g) => g.batch > 0).map((g) => g.batch))];
    if (batches.length > 1) {
      const said = group.map((g) => `${roleOfLink(g.link)} ${g.batch === 0 ? 'any' : g.batch}`).join(', ');
      return { ok: false, group, error: new TfeError('E_ARG', `the participants of a prediction name different batch sizes (${said})`, 'each provider must give the same number of rows') };
    }
    return { ok: true, group, batch: batches[0] ?? 1 };
  }

  /** Forgets the waiting requests of a connection that closed. */
  drop(link: Role): void {
    for (const [job, queues] of this.jobs) {
      for (const q of queues.values()) {
        for (let i = q.length - 1; i >= 0; i--) {
          if (q[i].p.link !== link) continue;
          clearTimeout(q[i].timer);
          q.splice(i, 1);
        }
      }
      this.forget(job);
    }
  }

  /** Drops a job with no waiting request (the map holds only jobs that wait). */
  private forget(job: string): void {
    const queues = this.jobs.get(job);
    if (queues && [...queues.values()].every((q) => q.length === 0)) this.jobs.delete(job);
  }
}
