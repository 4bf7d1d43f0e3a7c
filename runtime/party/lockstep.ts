/**
 * Lockstep parties, for running single kernels (conformance and cost tests, the
 * kernel benchmark): a protocol's compute and dealer roles plus `client` and
 * `model-owner` (Pond: server0, server1, dealer; securenn: server0, server1, server2),
 * each with its own router over in-memory
 * links and, per run, its own session endpoint and bundle of dealer material (the
 * dealer makes it while the servers consume it). `run(fn)` runs `fn` for every party
 * concurrently and reports the rounds and bytes of that run. The transport, the
 * session tags and the material channel are the ones of a real deployment; only the
 * step list is replaced by `fn`. Plans run on LocalDeployment (local.ts), not here.
 */
import { TfeError } from '../../src/errors.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole, reservedRoles, type ProtocolSpec } from '../../src/protocols/spec.js';
import { DealerMaterial, NO_MATERIAL, materialSide, type MaterialChannel } from '../crypto/material.js';
import { Prg, freshSeed } from '../crypto/prg.js';
import type { PartyContext } from '../protocols/types.js';
import type { RingBackend } from '../ring/backend.js';
import type { RingTensor } from '../ring/tensor.js';
import { defaultBackend } from '../ring/index.js';
import type { Link } from '../transport/link.js';
import { memoryLinkPair } from '../transport/memory-link.js';
import { Router } from '../transport/router.js';
import { SessionEndpoint } from '../transport/session.js';
import type { Role } from '../transport/types.js';
import { materialReceiver, materialSender } from './material-channel.js';

/** The roles of a lockstep run under `protocol`: its compute and dealer roles, then client and model-owner. */
export function lockstepRoles(protocol = 'pond'): readonly Role[] {
  return [...reservedRoles(protocolSpec(protocol)), 'client', 'model-owner'];
}

/** Pond's lockstep roles. */
export const LOCKSTEP_ROLES: readonly Role[] = lockstepRoles('pond');

export interface RunStats {
  /** Rounds: the largest logical clock of any party at the end of the run. */
  readonly rounds: number;
  /** Online payload bytes sent, per party. */
  readonly bytes: Record<Role, number>;
  /** Bytes of dealer material sent (a helper server's material counts in its `bytes` instead: securenn). */
  readonly dealerBytes: number;
  /**
   * Bytes of correlated randomness the material role sent in this run (lockstep runs
   * only), whether counted as `dealerBytes` (a dealer) or inside `bytes[helper]` (a
   * helper server): lets a test see that a helper sends nothing but its material.
   */
  readonly materialBytes?: number;
}

export class LockstepParties {
  private runs = 0n;
  /** Values the dealer keeps across runs (weight masks), and the servers' caches. */
  private readonly keep = new Map<string, RingTensor>();
  private readonly caches = new Map<Role, Map<string, unknown>>();

  private constructor(
    readonly protocol: ProtocolSpec,
    readonly roles: readonly Role[],
    readonly ring: RingBackend,
    private readonly routers: ReadonlyMap<Role, Router>,
    private readonly seeds: Readonly<Record<'server0' | 'server1', Uint8Array>>,
  ) {
    for (const r of routers.keys()) this.caches.set(r, new Map());
  }

  /**
   * @param opts.links makes the link pair between two roles (a's end first): in-memory
   *   by default; tests pass TCP + mutual TLS links to run kernels over the network.
   */
  static async create(opts: { ring?: RingBackend; links?: (a: Role, b: Role) => Promise<[Link, Link]>; protocol?: string } = {}): Promise<LockstepParties> {
    const protocol = protocolSpec(opts.protocol ?? 'pond');
    const roles = lockstepRoles(protocol.name);
    const routers = new Map<Role, Router>(roles.map((r) => [r, new Router(r, { receiveTimeoutMs: 60_000 })]));
    const pair = opts.links ?? ((a: Role, b: Role) => Promise.resolve(memoryLinkPair(a, b)));
    for (let i = 0; i < roles.length; i++) {
      for (let j = i + 1; j < roles.length; j++) {
        const [a, b] = [roles[i], roles[j]];
        const [la, lb] = await pair(a, b);
        (routers.get(a) as Router).addLink(la);
        (routers.get(b) as Router).addLink(lb);
      }
    }
    return new LockstepParties(protocol, roles, opts.ring ?? defaultBackend(), routers, { server0: freshSeed(), server1: freshSeed() });
  }

  /** Closes every link. */
  close(): void {
    for (const r of this.routers.values()) for (const p of r.peers()) r.link(p).close();
  }

  /** Runs `fn` for every party concurrently (one session, one bundle); the first failure is rethrown. */
  async run<T>(fn: (ctx: PartyContext) => Promise<T>): Promise<{ results: Map<Role, T>; stats: RunStats }> {
    const session = ++this.runs;
    const eps = new Map<Role, SessionEndpoint>();
    const channels = new Map<Role, MaterialChannel & { readonly bytes?: number }>();
    const channels0 = new Map<Role, MaterialChannel & { readonly bytes?: number }>();
    const maker = materialRole(this.protocol) as Role;
    const ctxs = this.roles.map((role): PartyContext => {
      const router = this.routers.get(role) as Router;
      const ep = new SessionEndpoint(router, role, session, this.roles.filter((r) => r !== role));
      eps.set(role, ep);
      const side = materialSide(this.protocol, role);
      let dealer: DealerMaterial | undefined;
      if (side) {
        const ch = side === 'dealer' ? materialSender(router, session, 'server1') : side === 'server1' ? materialReceiver(router, session, maker) : NO_MATERIAL;
        // the material both servers hold in the clear (FSS key correction words) also goes to server0
        const ch0 = side === 'dealer' ? materialSender(router, session, 'server0') : side === 'server0' ? materialReceiver(router, session, maker) : NO_MATERIAL;
        channels.set(role, ch);
        channels0.set(role, ch0);
        const streams = side === 'dealer'
          ? { server0: new Prg(this.seeds.server0, session), server1: new Prg(this.seeds.server1, session) }
          : { [side]: new Prg(this.seeds[side as 'server0' | 'server1'], session) };
        dealer = new DealerMaterial(side, this.ring, streams, ch, this.keep, ch0);
      }
      if (side === 'server1' || side === 'server0') ep.onFail((err) => router.inbox('material', session, maker).fail(err));
      ep.setStep(0, 'lockstep run');
      return { role, net: ep, ring: this.ring, dealer, prg: Prg.fresh(), cache: this.caches.get(role) as Map<string, unknown> };
    });
    const settled = await Promise.allSettled(ctxs.map(async (ctx) => {
      try {
        return await fn(ctx);
      } catch (e) {
        const ep = eps.get(ctx.role) as SessionEndpoint;
        ep.abort(e instanceof TfeError ? e : new TfeError('E_PROTOCOL', (e as Error).message));
        throw e;
      }
    }));
    for (const ep of eps.values()) ep.close();
    for (const s of ['server0', 'server1']) (this.routers.get(s) as Router).dropInbox('material', session, maker);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const results = new Map<Role, T>();
    settled.forEach((s, i) => results.set(this.roles[i], (s as PromiseFulfilledResult<T>).value));
    const bytes: Record<Role, number> = {};
    let rounds = 0;
    for (const [r, ep] of eps) {
      if (ep.stats.bytesTotal > 0) bytes[r] = ep.stats.bytesTotal;
      rounds = Math.max(rounds, ep.stats.clock);
    }
    const sender = channels.get(maker) as { readonly bytes?: number } | undefined;
    const sender0 = channels0.get(maker) as { readonly bytes?: number } | undefined;
    const material = (sender?.bytes ?? 0) + (sender0?.bytes ?? 0);
    // a dealer's material is dealer bytes; a helper server's is that server's traffic (securenn: dealer_bytes 0)
    if (this.protocol.dealerRoles.includes(maker)) return { results, stats: { rounds, bytes, dealerBytes: material, materialBytes: material } };
    if (material > 0) bytes[maker] = (bytes[maker] ?? 0) + material;
    return { results, stats: { rounds, bytes, dealerBytes: 0, materialBytes: material } };
  }
}
