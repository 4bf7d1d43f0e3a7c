/**
 * A local deployment: every party (server0, server1, dealer, client, model-owner) in
 * one process, each an independent async task with its own context, talking only
 * through the in-memory transport. Seeds are established over the transport at
 * setup (the dealer sends each server the seed they share), exactly as a network
 * deployment would over its authenticated channels. Contexts, and so caches of
 * opened masked weights, live as long as the deployment.
 */
import { TfeError } from '../../src/errors.js';
import { SeededDealer } from '../crypto/dealer.js';
import { Prg, freshSeed, SEED_BYTES } from '../crypto/prg.js';
import type { RingBackend } from '../ring/backend.js';
import { defaultBackend } from '../ring/index.js';
import { MemoryNetwork } from '../transport/memory.js';
import type { PartyStats, Role } from '../transport/types.js';
import type { PartyContext } from '../protocols/types.js';

export const ALL_ROLES: readonly Role[] = ['server0', 'server1', 'dealer', 'client', 'model-owner'];

function seedToWords(seed: Uint8Array): BigUint64Array {
  return new BigUint64Array(seed.slice().buffer);
}

function wordsToSeed(w: BigUint64Array): Uint8Array {
  return new Uint8Array(w.buffer, w.byteOffset, SEED_BYTES).slice();
}

export interface RunStats {
  /** Rounds: the largest logical clock advance of any party. */
  readonly rounds: number;
  /** Online bytes sent, per party. */
  readonly bytes: Partial<Record<Role, number>>;
  /** Offline bytes sent by the dealer. */
  readonly dealerBytes: number;
}

export class LocalDeployment {
  private constructor(
    readonly net: MemoryNetwork,
    readonly contexts: ReadonlyMap<Role, PartyContext>,
  ) {}

  static async create(opts: { ring?: RingBackend; roles?: readonly Role[] } = {}): Promise<LocalDeployment> {
    const ring = opts.ring ?? defaultBackend();
    const roles = opts.roles ?? ALL_ROLES;
    const net = new MemoryNetwork();
    // setup: the dealer draws one seed per server and sends it (offline, before any step)
    const dealerEp = net.endpoint('dealer');
    const seeds = { server0: freshSeed(), server1: freshSeed() };
    dealerEp.send('server0', seedToWords(seeds.server0), true);
    dealerEp.send('server1', seedToWords(seeds.server1), true);
    const contexts = new Map<Role, PartyContext>();
    for (const role of roles) {
      const ep = net.endpoint(role);
      let streams: Partial<Record<'server0' | 'server1', Prg>> = {};
      if (role === 'dealer') streams = { server0: new Prg(seeds.server0), server1: new Prg(seeds.server1) };
      else if (role === 'server0' || role === 'server1') streams = { [role]: new Prg(wordsToSeed(await ep.recv('dealer', SEED_BYTES / 8))) };
      contexts.set(role, { role, net: ep, ring, dealer: new SeededDealer(role, ep, ring, streams), prg: Prg.fresh(), cache: new Map() });
    }
    return new LocalDeployment(net, contexts);
  }

  context(role: Role): PartyContext {
    const c = this.contexts.get(role);
    if (!c) throw new TfeError('E_ARG', `this deployment has no party '${role}'`);
    return c;
  }

  private snapshot(): Map<Role, PartyStats> {
    return new Map([...this.contexts].map(([r, c]) => [r, { ...c.net.stats, bytesSent: { ...c.net.stats.bytesSent } }]));
  }

  /**
   * Runs `fn` for every party concurrently and returns each party's result, with the
   * rounds and bytes of this run. If any party fails, the network is aborted (so no
   * party hangs) and the first error is rethrown.
   */
  async run<T>(fn: (ctx: PartyContext) => Promise<T>): Promise<{ results: Map<Role, T>; stats: RunStats }> {
    // runs are sequential: a run starts when the previous one has ended for every party,
    // so all logical clocks start from the same time (otherwise a client's first message
    // would look concurrent with the previous run's last round)
    const start = Math.max(...[...this.contexts.values()].map((c) => c.net.stats.clock));
    for (const c of this.contexts.values()) c.net.stats.clock = start;
    const before = this.snapshot();
    const entries = [...this.contexts];
    const settled = await Promise.allSettled(
      entries.map(async ([, ctx]) => {
        try {
          return await fn(ctx);
        } catch (e) {
          this.net.abort(e);
          throw e;
        }
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = new Map<Role, T>();
    settled.forEach((s, i) => results.set(entries[i][0], (s as PromiseFulfilledResult<T>).value));
    const after = this.snapshot();
    const startClock = Math.max(...[...before.values()].map((s) => s.clock));
    const endClock = Math.max(...[...after.values()].map((s) => s.clock));
    const bytes: Partial<Record<Role, number>> = {};
    let dealerBytes = 0;
    for (const [r, s] of after) {
      const b = before.get(r) as PartyStats;
      const sent = s.bytesTotal - b.bytesTotal;
      if (sent > 0) bytes[r] = sent;
      dealerBytes += s.offlineBytes - b.offlineBytes;
    }
    if (this.net.undelivered() !== 0) throw new TfeError('E_PROTOCOL', `${this.net.undelivered()} message(s) were sent but never received`);
    return { results, stats: { rounds: endClock - startClock, bytes, dealerBytes } };
  }
}
