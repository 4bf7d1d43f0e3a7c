/**
 * A compute role (a server) of a deployment, as a long-lived party: it holds its
 * shares of the model's weights (after the setup session) and the opened weight masks,
 * and runs session after session, each on its own endpoint, so a failed session ends
 * with an error to its peers and the server goes on to the next one. Any number of
 * sessions may run at once: each has its own tags on the links and its own bundle of
 * dealer material (its own PRG streams).
 *
 * The first compute role (server0) is the leader: input roles ask it to `open` a
 * session; it checks the request (who asks, for what, at which batch size), picks a
 * bundle of dealer material made for that batch (from the dealer's announcements, or
 * asks the dealer to make one), tells the other compute roles and the dealer, and
 * answers. Weights must be shared (a completed setup) before any prediction. When the
 * material role restarted (its seeds say it holds no weight masks), the leader first
 * re-masks the weights with it (remask.ts).
 */
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole, shareholders } from '../../src/protocols/spec.js';
import { DealerMaterial, NO_MATERIAL, type MaterialChannel } from '../crypto/material.js';
import { Prg, freshSeed } from '../crypto/prg.js';
import type { KernelRegistry } from '../protocols/registry.js';
import type { RingBackend } from '../ring/backend.js';
import type { Control } from '../transport/control.js';
import { roleOfLink, type Router } from '../transport/router.js';
import { SessionEndpoint } from '../transport/session.js';
import type { Role } from '../transport/types.js';
import { materialReceiver } from './material-channel.js';
import { peakRssMb } from './peak-rss.js';
import { materialSetupStep, remaskable } from './remask.js';
import { runSteps, type Env } from './steps.js';
import { ControlWaiters } from './waiters.js';

export interface ComputeOptions {
  readonly plan: Plan;
  readonly role: Role;
  readonly router: Router;
  readonly ring: RingBackend;
  readonly kernels: KernelRegistry;
  /** Largest batch a session may ask for (bounds frame sizes and memory). */
  readonly maxBatch?: number;
  /** How long the leader waits for the dealer to make a bundle (default 120 s). */
  readonly materialTimeoutMs?: number;
  /** One line per event (session start, end, failure); never shares or values. */
  readonly log?: (line: string) => void;
}

interface Bundle {
  readonly id: bigint;
  readonly epoch: number;
  readonly purpose: 'setup' | 'predict';
  readonly batch: number;
  readonly offlineMs: number;
  readonly bytes: number;
}

/** The tag of the waits on the material role (its seeds and bundles): they fail as soon as its link closes. */
const MATERIAL_WAIT = 'material-role';

/** A random odd 64-bit session id (from the CSPRNG, via the buffered seed draw of runtime/crypto/prg.ts). */
export function randomSessionId(): bigint {
  const s = freshSeed();
  return new DataView(s.buffer, s.byteOffset, 8).getBigUint64(0) | 1n;
}

export class ComputeParty {
  readonly plan: Plan;
  readonly role: Role;
  private readonly router: Router;
  private readonly leader: Role;
  private readonly others: Role[];
  private readonly dealer: Role | undefined;
  private readonly kinds: Map<string, string>;
  private readonly maxBatch: number;
  private readonly materialTimeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly waiters = new ControlWaiters();
  /** The dealer's current seed for this server, and its epoch. */
  private seed: Uint8Array | undefined;
  private epoch = -1;
  /** Bundles announced and not yet used (the leader's pool view). */
  private readonly bundles: Bundle[] = [];
  private base: Env | undefined;
  private cache = new Map<string, unknown>();
  private readonly running = new Set<Promise<void>>();
  /** Which connection of its input role each announced session uses (from `join`). */
  private readonly joins = new Map<string, string>();
  /** Sessions completed and failed, for tests and logs. */
  readonly counts = { completed: 0, failed: 0 };
  /** The leader's view: the material role holds no masks of the weights shared here (it restarted): re-mask before predicting. */
  private remaskNeeded = false;
  private remasking: Promise<void> | undefined;
  private seedWait: Promise<void> | undefined;

  constructor(private readonly o: ComputeOptions) {
    this.plan = o.plan;
    this.role = o.role;
    this.router = o.router;
    const p = protocolSpec(o.plan.protocol);
    const holders = shareholders(p);
    if (!holders.includes(o.role)) throw new TfeError('E_PLAN', `${o.role} holds no shares under protocol ${p.name}: it runs as ${o.role === materialRole(p) ? 'the material party' : 'an input or output role'}, not as a compute party`);
    this.leader = holders[0];
    this.others = holders.filter((r) => r !== o.role);
    // the role that makes this server's correlated randomness: Pond's dealer, securenn's helper server2
    this.dealer = materialRole(p);
    this.kinds = new Map(o.plan.roles.map((r) => [r.name, r.kind]));
    this.maxBatch = o.maxBatch ?? 1024;
    this.materialTimeoutMs = o.materialTimeoutMs ?? 120_000;
    this.log = o.log ?? (() => undefined);
    // a plan without setup steps has nothing to share: ready at once
    if (o.plan.setupSteps.length === 0) this.base = new Map();
    this.router.onControl((peer, msg) => this.onControl(peer, msg));
    this.router.onLinkClosed((peer) => {
      if (peer === this.dealer) {
        // the dealer's seeds and bundles go with its link; a new link brings a new epoch
        // (a restarted dealer counts epochs from 1 again: an old seed must not pass for its new one)
        this.bundles.length = 0;
        this.seed = undefined;
        this.epoch = -1;
        // whoever waits for its bundle or seed fails now, naming it, instead of after the timeout
        this.waiters.cancel(MATERIAL_WAIT, new TfeError('E_TRANSPORT', `${peer} (the material role) closed its connection to ${this.role} before its material arrived`, `restart ${peer}; the servers re-mask the weights with it before the next prediction`));
      }
    });
  }

  get isLeader(): boolean {
    return this.role === this.leader;
  }

  /** True once a setup has completed (weights shared, masks open). */
  get ready(): boolean {
    return this.base !== undefined;
  }

  /** Resolves when every session started so far has ended. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private onControl(peer: Role, msg: Control): void {
    if (this.waiters.deliver(peer, msg)) return;
    switch (msg.type) {
      case 'seed':
        if (peer !== this.dealer) return this.log(`ignored a seed from ${peer}`);
        this.adoptSeed(msg);
        return;
      case 'bundle':
        if (peer !== this.dealer) return this.log(`ignored a bundle announcement from ${peer}`);
        if (msg.epoch === this.epoch && this.isLeader) {
          this.bundles.push({ id: BigInt(msg.bundle), epoch: msg.epoch, purpose: msg.purpose, batch: msg.batch, offlineMs: msg.offlineMs, bytes: msg.bytes });
        }
        return;
      case 'open':
        if (!this.isLeader) return this.log(`ignored 'open' from ${peer}: ${this.role} is not the leader`);
        this.track(this.open(peer, msg));
        return;
      case 'join':
        if (this.joins.size < 4096) this.joins.set(msg.session, peer);
        return;
      case 'session':
        if (peer !== this.leader) return this.log(`ignored 'session' from ${peer}`);
        this.track(this.follow(msg));
        return;
      case 'remask':
        if (peer !== this.leader || this.isLeader) return this.log(`ignored 'remask' from ${peer}`);
        this.track(this.runRemask(BigInt(msg.session), BigInt(msg.bundle), msg.epoch).catch(() => undefined));
        return;
      default:
        this.log(`ignored '${msg.type}' from ${peer}`);
    }
  }

  private refuse(peer: Role, request: number, e: TfeError): void {
    try {
      this.router.sendControl(peer, { type: 'refused', request, code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
    } catch {
      // the peer left
    }
  }

  /** The leader's side of `open`: check, pick a bundle, announce, run. */
  private async open(peer: Role, msg: Extract<Control, { type: 'open' }>): Promise<void> {
    let session: bigint;
    let bundle: Bundle;
    try {
      const role = roleOfLink(peer);
      const kind = this.kinds.get(role);
      if (kind !== 'input' && kind !== 'output') throw new TfeError('E_POLICY', `${role} may not open sessions (it is ${kind === undefined ? 'not a role of the plan' : `a ${kind} role`})`);
      if (msg.purpose === 'setup' && !this.plan.weights.some((w) => w.owner === role) && this.plan.setupSteps.length > 0) {
        throw new TfeError('E_POLICY', `${role} owns no weights of this plan: only the weights' owner runs the setup`);
      }
      if (msg.purpose === 'predict' && !this.ready) {
        throw new TfeError('E_PLAN', `${this.role} has no weights yet: the model owner has not shared them`, 'start `tfe party model-owner` first, and wait for it to finish');
      }
      if (msg.batch > this.maxBatch) throw new TfeError('E_ARG', `batch ${msg.batch} is above this deployment's limit of ${this.maxBatch}`);
      // the other servers and the dealer may still be connecting (all parties just started)
      await Promise.all([...this.others, ...(this.dealer ? [this.dealer] : [])].map((r) => this.router.waitLink(r, this.router.receiveTimeoutMs)));
      if (msg.purpose === 'predict') {
        await this.linkSeed();
        await this.ensureMasks();
      }
      bundle = await this.takeBundle(msg.purpose, msg.batch);
      session = randomSessionId();
      for (const r of this.others) this.router.sendControl(r, { type: 'session', session: String(session), bundle: String(bundle.id), epoch: bundle.epoch, batch: msg.batch, purpose: msg.purpose, peer: roleOfLink(peer) });
      if (this.dealer) this.router.sendControl(this.dealer, { type: 'consume', bundle: String(bundle.id) });
      this.router.sendControl(peer, { type: 'accepted', request: msg.request, session: String(session) });
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', (e as Error).message);
      this.log(`refused a ${msg.purpose} session for ${peer}: ${err.message}`);
      this.refuse(peer, msg.request, err);
      return;
    }
    await this.run(session, bundle.id, bundle.epoch, msg.batch, msg.purpose, peer, bundle);
  }

  /** The connection of `role` that joined `session` (its input role says so with `join`). */
  private async joined(session: string, role: Role): Promise<string> {
    const have = this.joins.get(session);
    if (have !== undefined) {
      this.joins.delete(session);
      return have;
    }
    let link = '';
    await this.waiters.wait((p, m): m is Extract<Control, { type: 'join' }> => {
      if (m.type !== 'join' || m.session !== session || roleOfLink(p) !== role) return false;
      link = p;
      return true;
    }, this.router.receiveTimeoutMs, `${role}'s join of session ${session}`);
    return link;
  }

  /** A ready bundle for (purpose, batch), or one the dealer makes now. */
  private async takeBundle(purpose: Bundle['purpose'], batch: number): Promise<Bundle> {
    if (!this.dealer) return { id: randomSessionId(), epoch: 0, purpose, batch, offlineMs: 0, bytes: 0 };
    const i = this.bundles.findIndex((b) => b.purpose === purpose && b.batch === batch && b.epoch === this.epoch);
    if (i >= 0) return this.bundles.splice(i, 1)[0];
    const dealer = this.dealer;
    const wait = this.waiters.wait((p, m): m is Extract<Control, { type: 'bundle' }> => p === dealer && m.type === 'bundle' && m.purpose === purpose && m.batch === batch, this.materialTimeoutMs, `a ${purpose} bundle for batch ${batch} from ${dealer}`, MATERIAL_WAIT);
    this.router.sendControl(dealer, { type: 'make', purpose, batch });
    const m = await wait;
    return { id: BigInt(m.bundle), epoch: m.epoch, purpose, batch, offlineMs: m.offlineMs, bytes: m.bytes };
  }

  /** A non-leader's side: the leader announced a session. */
  private async follow(msg: Extract<Control, { type: 'session' }>): Promise<void> {
    let link: string;
    try {
      link = await this.joined(msg.session, msg.peer);
    } catch (e) {
      this.counts.failed++;
      this.log(`${msg.purpose} session ${msg.session} for ${msg.peer} failed: ${(e as Error).message}`);
      // the dealer's material for this bundle will never be used: free it (found by fuzzing:
      // a client that opened sessions and left made server1 keep every bundle's material)
      if (this.dealer) this.router.dropInbox('material', BigInt(msg.bundle), this.dealer);
      return;
    }
    await this.run(BigInt(msg.session), BigInt(msg.bundle), msg.epoch, msg.batch, msg.purpose, link, undefined);
  }

  /** A new epoch: its seed replaces the last, and bundles of older epochs are gone. */
  private adoptSeed(m: Extract<Control, { type: 'seed' }>): Uint8Array {
    this.seed = Buffer.from(m.seed, 'hex');
    this.epoch = m.epoch;
    this.bundles.length = 0;
    if (m.masks === false && this.isLeader && this.base !== undefined && remaskable(this.plan)) {
      this.remaskNeeded = true;
      this.log(`${this.dealer ?? 'the material role'} holds no masks of the shared weights (it restarted): re-masking before the next prediction`);
    }
    return this.seed;
  }

  /**
   * The leader, before a prediction: waits for the material role's seed on its current
   * link, which says whether it holds the weight masks (a bundle asked of a restarted
   * material role before that would never come: it has no masks to make it with).
   */
  private async linkSeed(): Promise<void> {
    if (!this.dealer || this.seed) return;
    const dealer = this.dealer;
    this.seedWait ??= this.waiters.wait((p, x): x is Extract<Control, { type: 'seed' }> => p === dealer && x.type === 'seed', this.router.receiveTimeoutMs, `the seed of ${dealer}`, MATERIAL_WAIT)
      .then((m) => { this.adoptSeed(m); })
      .finally(() => { this.seedWait = undefined; });
    await this.seedWait;
  }

  /** The leader, before a prediction: re-masks the weights if the material role needs it, once for all waiting sessions. */
  private async ensureMasks(): Promise<void> {
    while (this.remaskNeeded || this.remasking) {
      if (!this.remasking) {
        this.remaskNeeded = false;
        this.remasking = this.remask().then(() => { this.remasking = undefined; }, (e: unknown) => {
          this.remasking = undefined;
          this.remaskNeeded = true;
          throw e;
        });
      }
      await this.remasking;
    }
  }

  /** The leader's side of a re-mask: a setup bundle of the material role, the other servers told, then run. */
  private async remask(): Promise<void> {
    const bundle = await this.takeBundle('setup', 1);
    const session = randomSessionId();
    for (const r of this.others) this.router.sendControl(r, { type: 'remask', session: String(session), bundle: String(bundle.id), epoch: bundle.epoch });
    if (this.dealer) this.router.sendControl(this.dealer, { type: 'consume', bundle: String(bundle.id) });
    await this.runRemask(session, bundle.id, bundle.epoch);
  }

  /** This server's material provider for a bundle (server1 receives corrected shares; both receive what they hold in the clear). */
  private async materialOf(bundle: bigint, epoch: number, ep: SessionEndpoint): Promise<{ dealer: DealerMaterial; material: MaterialChannel & { readonly bytes?: number } }> {
    const d = this.dealer as Role;
    const seed = await this.seedFor(epoch);
    const material = materialReceiver(this.router, bundle, d);
    ep.onFail((err) => this.router.inbox('material', bundle, d).fail(err));
    const server1 = this.role === 'server1';
    const dealer = new DealerMaterial(this.role as 'server0' | 'server1', this.o.ring, { [this.role]: new Prg(seed, bundle) }, server1 ? material : NO_MATERIAL, new Map(), server1 ? NO_MATERIAL : material);
    return { dealer, material };
  }

  /**
   * Both servers' side of a re-mask (remask.ts): the setup's material steps on the
   * weight shares held since setup; the new opened masks replace the old ones once the
   * other servers confirmed. Throws on failure (the leader's waiting prediction fails).
   */
  private async runRemask(session: bigint, bundle: bigint, epoch: number): Promise<void> {
    const t0 = performance.now();
    const ep = new SessionEndpoint(this.router, this.role, session, [...this.others]);
    try {
      if (!this.base || !this.dealer) throw new TfeError('E_PROTOCOL', `${this.role} has no shared weights to re-mask`);
      const { dealer } = await this.materialOf(bundle, epoch, ep);
      const env: Env = new Map(this.base);
      const cache = new Map(this.cache);
      const ctx = { role: this.role, net: ep, ring: this.o.ring, dealer, prg: Prg.fresh(), cache };
      await runSteps(ctx, env, { plan: this.plan, list: 'setupSteps', batch: 1, kernels: this.o.kernels, kind: 'compute', only: materialSetupStep(this.plan) });
      if (this.isLeader) {
        for (const r of this.others) {
          await this.waiters.wait((p, m): m is Extract<Control, { type: 'done' }> => p === r && m.type === 'done' && m.session === String(session), this.router.receiveTimeoutMs, `${r}'s confirmation of the re-mask`);
        }
      } else this.router.sendControl(this.leader, { type: 'done', session: String(session) });
      this.base = keepShared(env);
      this.cache = cache;
      this.log(`re-masked the weights with ${this.dealer}'s setup bundle ${bundle} in ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', `${this.role}: ${(e as Error).message}`);
      ep.abort(err);
      this.log(`re-mask session ${session} failed: ${err.message}`);
      throw err;
    } finally {
      ep.close();
      if (this.dealer) this.router.dropInbox('material', bundle, this.dealer);
    }
  }

  /** The seed of `epoch`, waiting for it if the dealer's message is still on its way. */
  private async seedFor(epoch: number): Promise<Uint8Array> {
    if (this.seed && this.epoch === epoch) return this.seed;
    const dealer = this.dealer as Role;
    const m = await this.waiters.wait((p, x): x is Extract<Control, { type: 'seed' }> => p === dealer && x.type === 'seed' && x.epoch === epoch, this.router.receiveTimeoutMs, `the seed of epoch ${epoch} from ${dealer}`, MATERIAL_WAIT);
    return this.adoptSeed(m);
  }

  private async run(session: bigint, bundle: bigint, epoch: number, batch: number, purpose: 'setup' | 'predict', peer: Role, known: Bundle | undefined): Promise<void> {
    const t0 = performance.now();
    // `peer` names the input role's connection (`client#3` when several clients may connect)
    const ep = new SessionEndpoint(this.router, this.role, session, [...this.others, peer], new Map([[roleOfLink(peer), peer]]));
    let material: (MaterialChannel & { readonly bytes?: number }) = NO_MATERIAL;
    try {
      let dealer: DealerMaterial | undefined;
      if (this.dealer) ({ dealer, material } = await this.materialOf(bundle, epoch, ep));
      const setup = purpose === 'setup';
      const cache = setup ? new Map<string, unknown>() : this.cache;
      const env: Env = setup ? new Map() : new Map(this.base);
      const ctx = { role: this.role, net: ep, ring: this.o.ring, dealer, prg: Prg.fresh(), cache };
      await runSteps(ctx, env, { plan: this.plan, list: setup ? 'setupSteps' : 'steps', batch, kernels: this.o.kernels, kind: 'compute' });
      if (setup) {
        // the other compute roles confirm, then the leader tells the owner: weights are in place everywhere
        if (this.isLeader) {
          for (const r of this.others) {
            await this.waiters.wait((p, m): m is Extract<Control, { type: 'done' }> => p === r && m.type === 'done' && m.session === String(session), this.router.receiveTimeoutMs, `${r}'s confirmation of the setup`);
          }
        } else this.router.sendControl(this.leader, { type: 'done', session: String(session) });
        this.base = keepShared(env);
        this.cache = cache;
        if (this.isLeader) this.router.sendControl(peer, { type: 'ready', session: String(session) });
      }
      this.router.sendControl(peer, { type: 'stats', session: String(session), bytes: ep.stats.bytesTotal, frames: ep.stats.messages, offlineMs: known?.offlineMs ?? 0, offlineBytes: material.bytes ?? known?.bytes ?? 0, rssMb: peakRssMb() });
      this.counts.completed++;
      this.log(`${purpose} session ${session} for ${peer} (batch ${batch}) done in ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', `${this.role}: ${(e as Error).message}`);
      ep.abort(err);
      this.counts.failed++;
      this.log(`${purpose} session ${session} for ${peer} failed: ${err.message}`);
    } finally {
      ep.close();
      if (this.dealer) this.router.dropInbox('material', bundle, this.dealer);
    }
  }
}

/** What a compute role keeps after setup: its shares and the public values (weight masks), not the owner's view. */
function keepShared(env: Env): Env {
  const out: Env = new Map();
  for (const [id, o] of env) if ((o.kind === 'secret' && o.share) || (o.kind === 'public' && o.value)) out.set(id, o);
  return out;
}
