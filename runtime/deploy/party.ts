/**
 * One role of a plan as a process's party, over any network that makes authenticated
 * links (TCP + mutual TLS in a deployment): who dials whom, reconnecting, and which
 * party object runs the role. In every linked pair of roles (local.ts planLinks) the
 * first dials the second: among the compute and dealer roles the earlier dials the
 * later (server0 -> server1, server0 -> dealer, server1 -> dealer), and input and
 * output roles dial the compute roles. Long-lived roles (servers, dealer) redial a lost
 * link until stopped; one-shot roles (client, model owner) dial once, within the
 * connect timeout.
 */
import { TfeError } from '../../src/errors.js';
import { DEFAULT_PLAN_LIMITS, type Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole } from '../../src/protocols/spec.js';
import { ComputeParty, type ComputeOptions } from '../party/compute.js';
import { DealerParty } from '../party/dealer.js';
import { InputParty } from '../party/input.js';
import { planLinks } from '../party/local.js';
import { kernelsFor } from '../protocols/index.js';
import type { RingBackend } from '../ring/backend.js';
import { bufferLimits } from '../transport/buffer-limits.js';
import type { Link } from '../transport/link.js';
import { Router } from '../transport/router.js';
import type { Role } from '../transport/types.js';

/** How a party makes and accepts its links. */
export interface PartyNetwork {
  /** Accepts links from `peers` (each authenticated as its role); undefined if the role listens nowhere. */
  listen(peers: readonly Role[], onLink: (link: Link) => void, onError: (err: TfeError) => void): Promise<{ close(): Promise<void> } | undefined>;
  /** A link to `peer`, retrying until the network's connect timeout. */
  dial(peer: Role): Promise<Link>;
}

export interface RoleOptions {
  readonly plan: Plan;
  readonly role: Role;
  readonly net: PartyNetwork;
  readonly ring: RingBackend;
  readonly receiveTimeoutMs?: number;
  readonly maxBatch?: number;
  /** Dealer bundles kept ready per batch size. */
  readonly poolSize?: number;
  /** A shareholder's HPKE key and signed statement (runtime/serve/identity.ts), for served predictions. */
  readonly hpke?: ComputeOptions['hpke'];
  readonly log?: (line: string) => void;
}

export interface RunningRole {
  readonly router: Router;
  readonly compute?: ComputeParty;
  readonly dealer?: DealerParty;
  readonly input?: InputParty;
  /** Waits until links to these peers exist (or the connect timeout passed). */
  connected(peers: readonly Role[], ms: number): Promise<void>;
  stop(): Promise<void>;
}

/** The peers `role` dials and the peers that dial it. */
export function linkPlan(plan: Plan, role: Role): { dials: Role[]; accepts: Role[] } {
  const pairs = planLinks(plan);
  return { dials: pairs.filter(([a]) => a === role).map(([, b]) => b), accepts: pairs.filter(([, b]) => b === role).map(([a]) => a) };
}

/** Starts `role`: its router, its listener, its dialers, and its party. */
export async function startRole(o: RoleOptions): Promise<RunningRole> {
  const decl = o.plan.roles.find((r) => r.name === o.role);
  if (!decl) throw new TfeError('E_ARG', `the plan has no role '${o.role}'`, `roles: ${o.plan.roles.map((r) => r.name).join(', ')}`);
  const log = o.log ?? (() => undefined);
  // receive buffers capped from the plan's declared bytes at the largest accepted batch
  const router = new Router(o.role, { receiveTimeoutMs: o.receiveTimeoutMs, ...bufferLimits(o.plan, o.maxBatch ?? DEFAULT_PLAN_LIMITS.maxBatch) });
  const kernels = kernelsFor(o.plan.protocol);
  const longLived = decl.kind === 'compute' || decl.kind === 'dealer';
  let compute: ComputeParty | undefined;
  let dealer: DealerParty | undefined;
  let input: InputParty | undefined;
  // the material party is Pond's dealer or securenn's helper server2 (a compute role that holds no shares)
  if (o.role === materialRole(protocolSpec(o.plan.protocol))) dealer = new DealerParty({ plan: o.plan, router, ring: o.ring, kernels, poolSize: o.poolSize, log });
  else if (decl.kind === 'compute') compute = new ComputeParty({ plan: o.plan, role: o.role, router, ring: o.ring, kernels, maxBatch: o.maxBatch, log, hpke: o.hpke });
  else input = new InputParty({ plan: o.plan, role: o.role, router, ring: o.ring, kernels });

  const { dials, accepts } = linkPlan(o.plan, o.role);
  let stopped = false;
  // several processes of an input or output role (clients) may be connected at once: one name per connection
  let connections = 0;
  const kindOf = new Map(o.plan.roles.map((r) => [r.name, r.kind]));
  const listener = accepts.length
    ? await o.net.listen(accepts, (link) => {
      const k = kindOf.get(link.peer);
      const name = k === 'input' || k === 'output' ? `${link.peer}#${++connections}` : link.peer;
      router.addLink(link, name);
      log(`${name} connected`);
    }, (err) => log(`refused a connection: ${err.message}`))
    : undefined;

  const dialOnce = async (peer: Role): Promise<void> => {
    const link = await o.net.dial(peer);
    if (stopped) {
      link.close();
      return;
    }
    router.addLink(link);
    log(`connected to ${peer}`);
  };
  const firstDials = dials.map((p) => dialOnce(p));
  if (longLived) {
    // redial a lost link until stopped (the peer restarted, or the network failed)
    router.onLinkClosed((peer, err) => {
      if (stopped || !dials.includes(peer)) return;
      log(`lost ${peer}${err ? `: ${err.message}` : ''}; reconnecting`);
      const retry = (): void => {
        if (stopped) return;
        dialOnce(peer).catch((e: unknown) => {
          log(`cannot reach ${peer}: ${(e as Error).message}`);
          setTimeout(retry, 1000).unref();
        });
      };
      setTimeout(retry, 200).unref();
    });
    for (const [i, p] of firstDials.entries()) {
      p.catch((e: unknown) => {
        log(`cannot reach ${dials[i]}: ${(e as Error).message}; retrying`);
        const retry = (): void => {
          if (stopped) return;
          dialOnce(dials[i]).catch(() => setTimeout(retry, 1000).unref());
        };
        setTimeout(retry, 1000).unref();
      });
    }
  } else {
    const dialed = await Promise.allSettled(firstDials);
    const failed = dialed.find((d): d is PromiseRejectedResult => d.status === 'rejected');
    if (failed) {
      // leave no link (and so no open socket) behind: the process must be able to exit
      stopped = true;
      await listener?.close();
      for (const p of router.peers()) router.link(p).close();
      throw failed.reason;
    }
  }
  return {
    router, compute, dealer, input,
    connected: (peers, ms) => Promise.all(peers.map((p) => router.waitLink(p, ms))).then(() => undefined),
    async stop(): Promise<void> {
      stopped = true;
      await listener?.close();
      for (const p of router.peers()) router.link(p).close();
      await compute?.idle();
    },
  };
}
