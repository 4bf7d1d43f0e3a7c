/**
 * A local deployment: every role of a plan as its own party object (the same
 * ComputeParty, DealerParty and InputParty that `tfe party` runs as processes), in this
 * process, each with its own router, talking only over in-memory links. It is the
 * simulation `tfe run` and `tfe eval` use: the same code path as a real deployment,
 * less the sockets and TLS.
 */
import { TfeError } from '../../src/errors.js';
import { DEFAULT_PLAN_LIMITS, type Plan, type Weights } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole, shareholders } from '../../src/protocols/spec.js';
import type { KernelRegistry } from '../protocols/registry.js';
import { kernelsFor } from '../protocols/index.js';
import type { RingBackend } from '../ring/backend.js';
import { defaultBackend } from '../ring/index.js';
import type { Link } from '../transport/link.js';
import { bufferLimits } from '../transport/buffer-limits.js';
import { memoryLinkPair } from '../transport/memory-link.js';
import { Router } from '../transport/router.js';
import type { Role } from '../transport/types.js';
import { ComputeParty, type ComputeOptions } from './compute.js';
import { DealerParty } from './dealer.js';
import { InputParty, type InputSessionResult } from './input.js';
import type { Env } from './steps.js';
import { weightEnv } from './weights-env.js';

export interface LocalOptions {
  readonly ring?: RingBackend;
  /** Dealer bundles kept ready per batch size (default 0 here: made on demand, before each session's online phase). */
  readonly poolSize?: number;
  readonly receiveTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Start the parties without running the setup (tests of what a deployment refuses before it). */
  readonly skipSetup?: boolean;
  /** The model owner's consent to a plan that sends its parameters to the servers in the clear (--public-weights). */
  readonly publicWeights?: boolean;
  /** Makes the link pair between two roles (a's end first): in-memory by default; the privacy tests record what each party sends and receives. */
  readonly links?: (a: Role, b: Role) => [Link, Link];
  /** Each shareholder's HPKE key and statement (served sessions, runtime/party/served.ts); none by default. */
  readonly hpke?: Readonly<Record<Role, ComputeOptions['hpke']>>;
}

/**
 * Which pairs of roles of a plan talk: every compute and dealer pair, and each other
 * role with each share-holding server (securenn's helper server2 never talks to input
 * or output roles: it has nothing they need and must see nothing of theirs).
 */
export function planLinks(plan: Plan): [Role, Role][] {
  const p = protocolSpec(plan.protocol);
  const core = [...p.computeRoles, ...p.dealerRoles];
  const pairs: [Role, Role][] = [];
  for (let i = 0; i < core.length; i++) for (let j = i + 1; j < core.length; j++) pairs.push([core[i], core[j]]);
  for (const r of plan.roles) if (!core.includes(r.name)) for (const c of shareholders(p)) pairs.push([r.name, c]);
  return pairs;
}

export class LocalDeployment {
  private constructor(
    readonly plan: Plan,
    readonly routers: ReadonlyMap<Role, Router>,
    readonly computes: readonly ComputeParty[],
    readonly dealer: DealerParty | undefined,
    private readonly inputs: ReadonlyMap<Role, InputParty>,
  ) {}

  /** Starts every party of `plan` and runs the setup (the weights' owner shares them). */
  static async start(plan: Plan, weights: Weights, opts: LocalOptions = {}): Promise<LocalDeployment> {
    const ring = opts.ring ?? defaultBackend();
    const kernels: KernelRegistry = kernelsFor(plan.protocol);
    const p = protocolSpec(plan.protocol);
    const caps = bufferLimits(plan, DEFAULT_PLAN_LIMITS.maxBatch);
    const routers = new Map<Role, Router>(plan.roles.map((r) => [r.name, new Router(r.name, { receiveTimeoutMs: opts.receiveTimeoutMs, ...caps })]));
    const computes = shareholders(p).map((role) => new ComputeParty({ plan, role, router: routers.get(role) as Router, ring, kernels, log: opts.log, hpke: opts.hpke?.[role] }));
    const dealerRole = materialRole(p);
    const dealer = dealerRole === undefined ? undefined : new DealerParty({ plan, router: routers.get(dealerRole) as Router, ring, kernels, poolSize: opts.poolSize ?? 0, log: opts.log });
    const inputs = new Map<Role, InputParty>();
    for (const r of plan.roles) {
      if (r.kind === 'input' || r.kind === 'output') inputs.set(r.name, new InputParty({ plan, role: r.name, router: routers.get(r.name) as Router, ring, kernels }));
    }
    for (const [a, b] of planLinks(plan)) {
      const [la, lb] = (opts.links ?? memoryLinkPair)(a, b);
      (routers.get(a) as Router).addLink(la);
      (routers.get(b) as Router).addLink(lb);
    }
    const d = new LocalDeployment(plan, routers, computes, dealer, inputs);
    const owners = [...new Set(plan.weights.map((w) => w.owner))];
    if (owners.length > 1) throw new TfeError('E_PLAN', `weights of several owners (${owners.join(', ')}) are not supported yet`);
    if (!opts.skipSetup && (plan.setupSteps.length > 0 || owners.length)) {
      const owner = owners[0] ?? (plan.roles.find((r) => r.kind === 'input')?.name as Role);
      await d.session(owner, 'setup', 1, weightEnv(plan, weights, owner, opts.publicWeights === true));
    }
    return d;
  }

  /** One session of an input role with its values in `env`. */
  session(role: Role, purpose: 'setup' | 'predict', batch: number, env: Env, opts: { readonly job?: string } = {}): Promise<InputSessionResult> {
    const party = this.inputs.get(role);
    if (!party) throw new TfeError('E_ARG', `this deployment has no input or output role '${role}'`);
    return party.session(purpose, batch, env, opts);
  }

  /** Closes every link (the parties' sessions end with an error if any run). */
  close(): void {
    for (const r of this.routers.values()) for (const peer of r.peers()) r.link(peer).close();
  }
}
