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
 *
 * Serving (issue 14): the leader also implements `ServedCompute` (served-types.ts) for the
 * HTTP service in its process: `serve(batch)` runs a served batch (served.ts) through the
 * same admission path as a client's `open`; the other shareholders open their envelopes,
 * run, and seal their output shares to the client. Each non-leader shareholder sends its
 * signed HPKE key statement to the leader whenever their link comes up (`hpke`); the leader
 * hands them out, unverified (the client verifies them), once it knows all of them.
 */
import { TfeError } from '../../src/errors.js';
import { predictParticipants, type Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole, shareholders } from '../../src/protocols/spec.js';
import { DealerMaterial, NO_MATERIAL, type MaterialChannel } from '../crypto/material.js';
import { Prg, freshSeed } from '../crypto/prg.js';
import type { KernelRegistry } from '../protocols/registry.js';
import type { RingBackend } from '../ring/backend.js';
import type { Control } from '../transport/control.js';
import { roleOfLink, type Router } from '../transport/router.js';
import { Rendezvous, type Pending } from './rendezvous.js';
import { SessionEndpoint, bytesOf } from '../transport/session.js';
import type { Role } from '../transport/types.js';
import { openRequest, requestEnvelopeBytes, sealResponse } from '../serve/envelope.js';
import { nodeSuite, type NodeX25519Key } from '../serve/hpke-node.js';
import { MAX_PREWARM_COUNT, MAX_PREWARM_SIZES, MAX_SERVED_REQUESTS } from '../transport/control.js';
import { materialReceiver } from './material-channel.js';
import {
  AAD_BYTES, SERVED_STATUS, checkServedShape, decodeIntake, decodeOuttake, encodeIntake, encodeOuttake, intakeBytes, outtakeWords,
  recvChunked, sendChunked, servedError, servedInputEnv, servedLayout, servedOutputWords, wordsOfBytes, type ServedLayout, type ServedStatus,
} from './served.js';
import type { Readiness, ServedBatch, ServedCompute, ServedOutcome, ServedResult, SignedKeyStatement } from './served-types.js';
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
  /**
   * This shareholder's HPKE key (ROLE.hpke.key) and its signed statement, for served
   * sessions: a non-leader sends the statement to the leader and opens its envelopes with
   * the key; the leader hands its own statement out first.
   */
  readonly hpke?: { readonly privateKey: NodeX25519Key; readonly statement: SignedKeyStatement };
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

/** A served batch as announced to one other shareholder: rows per request, and its envelope sizes. */
interface ServedAnnouncement {
  readonly rows: readonly number[];
  readonly sizes: ReadonlyMap<Role, readonly number[]>;
}

export class ComputeParty implements ServedCompute {
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
  /** Which connection of each input or output role an announced session uses (from `join`), by `session/role`. */
  private readonly joins = new Map<string, string>();
  /** The leader's rendezvous of predictions with several input and output roles (undefined: one role, no wait). */
  private readonly rendezvous: Rendezvous | undefined;
  /** Sessions completed and failed, for tests and logs. */
  readonly counts = { completed: 0, failed: 0 };
  /** The leader's view: the material role holds no masks of the weights shared here (it restarted): re-mask before predicting. */
  private remaskNeeded = false;
  private remasking: Promise<void> | undefined;
  private seedWait: Promise<void> | undefined;
  /** The shareholders, in `shareholders()` order (the leader first). */
  private readonly holders: readonly Role[];
  /** The leader's view: the other shareholders' key statements, as they last sent them on their current link. */
  private readonly statements = new Map<Role, SignedKeyStatement>();
  /** The leader's standing pool request to the material role (re-sent whenever its link comes up). */
  private prewarmAsk: { readonly batches: readonly number[]; readonly count: number } | undefined;
  /** The node:crypto envelope suite, made on first use. */
  private suite: ReturnType<typeof nodeSuite> | undefined;

  constructor(private readonly o: ComputeOptions) {
    this.plan = o.plan;
    this.role = o.role;
    this.router = o.router;
    const p = protocolSpec(o.plan.protocol);
    const holders = shareholders(p);
    if (!holders.includes(o.role)) throw new TfeError('E_PLAN', `${o.role} holds no shares under protocol ${p.name}: it runs as ${o.role === materialRole(p) ? 'the material party' : 'an input or output role'}, not as a compute party`);
    this.holders = holders;
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
    const participants = predictParticipants(o.plan);
    this.rendezvous = participants.length > 1 && this.isLeader
      ? new Rendezvous(participants, this.router.receiveTimeoutMs, (p, err) => {
        this.log(`refused a predict session for ${p.link}: ${err.message}`);
        this.refuse(p.link, p.request, err);
      })
      : undefined;
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
      // a shareholder that reconnects sends its statement again (a restarted one may have a new key)
      this.statements.delete(peer);
      this.rendezvous?.drop(peer);
    });
    this.router.onLinkAdded((peer) => {
      if (peer === this.leader && !this.isLeader) this.sendStatement();
      if (peer === this.dealer && this.isLeader) this.sendPrewarm();
    });
    if (!this.isLeader && this.router.hasLink(this.leader)) this.sendStatement();
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
        if (this.joins.size < 4096) this.joins.set(`${msg.session}/${roleOfLink(peer)}`, peer);
        return;
      case 'session':
        if (peer !== this.leader) return this.log(`ignored 'session' from ${peer}`);
        this.track(msg.served ? this.followServed(msg) : this.follow(msg));
        return;
      case 'hpke':
        if (!this.isLeader || !this.others.includes(peer) || msg.role !== peer) return this.log(`ignored an HPKE key statement from ${peer}${msg.role !== peer ? ` for ${msg.role}` : ''}`);
        this.statements.set(peer, { role: msg.role, statement: msg.statement, signature: msg.signature, cert: msg.cert });
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

  /** The leader's side of `open`: check who asks, admit, answer, run. */
  private async open(peer: Role, msg: Extract<Control, { type: 'open' }>): Promise<void> {
    let group: readonly Pending[];
    let batch = msg.batch;
    try {
      const role = roleOfLink(peer);
      const kind = this.kinds.get(role);
      if (kind !== 'input' && kind !== 'output') throw new TfeError('E_POLICY', `${role} may not open sessions (it is ${kind === undefined ? 'not a role of the plan' : `a ${kind} role`})`);
      if (msg.purpose === 'setup' && !this.plan.weights.some((w) => w.owner === role) && this.plan.setupSteps.length > 0) {
        throw new TfeError('E_POLICY', `${role} owns no weights of this plan: only the weights' owner runs the setup`);
      }
      const provides = this.plan.inputs.some((b) => b.provider === role);
      if (msg.batch === 0 && (msg.purpose === 'setup' || provides)) throw new TfeError('E_ARG', `${role} asked for a ${msg.purpose} session of batch 0: only a role that provides no inputs may leave the batch to the providers`);
      if (msg.purpose === 'predict' && this.rendezvous) {
        // a prediction with several input and output roles: wait until each has asked
        const m = this.rendezvous.add({ link: peer, request: msg.request, batch: msg.batch, job: msg.job ?? '' });
        if (!m) return;
        if (!m.ok) {
          for (const g of m.group) this.refuse(g.link, g.request, m.error);
          this.log(`refused a predict session for ${m.group.map((g) => g.link).join(', ')}: ${m.error.message}`);
          return;
        }
        ({ group, batch } = m);
      } else {
        group = [{ link: peer, request: msg.request, batch: msg.batch, job: msg.job ?? '' }];
      }
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', (e as Error).message);
      this.log(`refused a ${msg.purpose} session for ${peer}: ${err.message}`);
      this.refuse(peer, msg.request, err);
      return;
    }
    let session: bigint;
    let bundle: Bundle;
    const links = group.map((g) => g.link);
    try {
      if (batch < 1) throw new TfeError('E_ARG', `a ${msg.purpose} session needs a batch of at least 1`);
      ({ session, bundle } = await this.admit(msg.purpose, batch, links.map(roleOfLink), undefined));
      for (const g of group) this.router.sendControl(g.link, { type: 'accepted', request: g.request, session: String(session), batch });
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', (e as Error).message);
      this.log(`refused a ${msg.purpose} session for ${links.join(', ')}: ${err.message}`);
      for (const g of group) this.refuse(g.link, g.request, err);
      return;
    }
    await this.run(session, bundle.id, bundle.epoch, batch, msg.purpose, links, bundle);
  }

  /**
   * The leader's admission of a session, for a link client's `open` and a served batch
   * alike: readiness and batch checks, the other parties connected, the material role's
   * seed and masks, a bundle for (purpose, batch), then the session announced to the other
   * shareholders (with the served batch's rows and their envelope sizes) and the bundle's
   * consumption to the material role. `bundleWaitMs`: time spent getting the bundle.
   */
  private async admit(purpose: Bundle['purpose'], batch: number, providers: readonly Role[], served: ServedAnnouncement | undefined): Promise<{ session: bigint; bundle: Bundle; bundleWaitMs: number }> {
    if (purpose === 'predict' && !this.ready) {
      throw new TfeError('E_PLAN', `${this.role} has no weights yet: the model owner has not shared them`, 'start `tfe party model-owner` first, and wait for it to finish');
    }
    if (batch > this.maxBatch) throw new TfeError('E_ARG', `batch ${batch} is above this deployment's limit of ${this.maxBatch}`);
    // the other servers and the dealer may still be connecting (all parties just started)
    await Promise.all([...this.others, ...(this.dealer ? [this.dealer] : [])].map((r) => this.router.waitLink(r, this.router.receiveTimeoutMs)));
    if (purpose === 'predict') {
      await this.linkSeed();
      await this.ensureMasks();
    }
    const t0 = performance.now();
    const bundle = await this.takeBundle(purpose, batch);
    const bundleWaitMs = performance.now() - t0;
    const session = randomSessionId();
    for (const r of this.others) {
      const sizes = served?.sizes.get(r);
      this.router.sendControl(r, {
        type: 'session', session: String(session), bundle: String(bundle.id), epoch: bundle.epoch, batch, purpose, peer: providers[0],
        ...(providers.length > 1 ? { peers: [...providers] } : {}),
        ...(served && sizes ? { served: { rows: [...served.rows], sizes: [...sizes] } } : {}),
      });
    }
    if (this.dealer) this.router.sendControl(this.dealer, { type: 'consume', bundle: String(bundle.id) });
    return { session, bundle, bundleWaitMs };
  }

  /** The connection of `role` that joined `session` (its input role says so with `join`). */
  private async joined(session: string, role: Role): Promise<string> {
    const key = `${session}/${role}`;
    const have = this.joins.get(key);
    if (have !== undefined) {
      this.joins.delete(key);
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
    const roles = msg.peers ?? [msg.peer];
    let links: string[];
    try {
      // the leader names input and output roles only: a session never runs with a server or the dealer as its peer
      for (const r of roles) {
        const k = this.kinds.get(r);
        if (k !== 'input' && k !== 'output') throw new TfeError('E_PROTOCOL', `${this.leader} announced a session with '${r}', which is not an input or output role of the plan`);
      }
      if (new Set(roles).size !== roles.length) throw new TfeError('E_PROTOCOL', `${this.leader} announced a session naming a role twice (${roles.join(', ')})`);
      links = await Promise.all(roles.map((r) => this.joined(msg.session, r)));
    } catch (e) {
      this.counts.failed++;
      this.log(`${msg.purpose} session ${msg.session} for ${roles.join(', ')} failed: ${(e as Error).message}`);
      // the dealer's material for this bundle will never be used: free it (found by fuzzing:
      // a client that opened sessions and left made server1 keep every bundle's material)
      if (this.dealer) this.router.dropInbox('material', BigInt(msg.bundle), this.dealer);
      return;
    }
    await this.run(BigInt(msg.session), BigInt(msg.bundle), msg.epoch, msg.batch, msg.purpose, links, undefined);
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
      // waiting starts before the steps: a faster server's confirmation may arrive before ours end
      const confirmed = this.isLeader ? this.confirmations(session, 're-mask') : undefined;
      await runSteps(ctx, env, { plan: this.plan, list: 'setupSteps', batch: 1, kernels: this.o.kernels, kind: 'compute', only: materialSetupStep(this.plan) });
      if (confirmed) await confirmed;
      else this.router.sendControl(this.leader, { type: 'done', session: String(session) });
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

  /**
   * The other servers' `done` for `session` (the leader's wait, registered before its own
   * steps run: a `done` arriving earlier would otherwise be dropped and the session would
   * hang until the receive timeout). Handled at once, so a session that fails before
   * awaiting it leaves no unhandled rejection; the waiters time out on their own.
   */
  private confirmations(session: bigint, what: string): Promise<void> {
    const all = Promise.all(this.others.map((r) => this.waiters.wait(
      (p, m): m is Extract<Control, { type: 'done' }> => p === r && m.type === 'done' && m.session === String(session),
      this.router.receiveTimeoutMs, `${r}'s confirmation of the ${what}`))).then(() => undefined);
    all.catch(() => undefined);
    return all;
  }

  /** The seed of `epoch`, waiting for it if the dealer's message is still on its way. */
  private async seedFor(epoch: number): Promise<Uint8Array> {
    if (this.seed && this.epoch === epoch) return this.seed;
    const dealer = this.dealer as Role;
    const m = await this.waiters.wait((p, x): x is Extract<Control, { type: 'seed' }> => p === dealer && x.type === 'seed' && x.epoch === epoch, this.router.receiveTimeoutMs, `the seed of epoch ${epoch} from ${dealer}`, MATERIAL_WAIT);
    return this.adoptSeed(m);
  }

  private async run(session: bigint, bundle: bigint, epoch: number, batch: number, purpose: 'setup' | 'predict', peers: readonly Role[], known: Bundle | undefined): Promise<void> {
    const t0 = performance.now();
    // `peers` name the input and output roles' connections (`client#3` when several clients may connect)
    const ep = new SessionEndpoint(this.router, this.role, session, [...this.others, ...peers], new Map(peers.map((p) => [roleOfLink(p), p])));
    const peer = peers.join(', ');
    let material: (MaterialChannel & { readonly bytes?: number }) = NO_MATERIAL;
    try {
      let dealer: DealerMaterial | undefined;
      if (this.dealer) ({ dealer, material } = await this.materialOf(bundle, epoch, ep));
      const setup = purpose === 'setup';
      const cache = setup ? new Map<string, unknown>() : this.cache;
      const env: Env = setup ? new Map() : new Map(this.base);
      const ctx = { role: this.role, net: ep, ring: this.o.ring, dealer, prg: Prg.fresh(), cache };
      // the leader listens for the other servers' confirmations before its own steps: one may finish first
      const confirmed = setup && this.isLeader ? this.confirmations(session, 'setup') : undefined;
      await runSteps(ctx, env, { plan: this.plan, list: setup ? 'setupSteps' : 'steps', batch, kernels: this.o.kernels, kind: 'compute' });
      if (setup) {
        // the other compute roles confirm, then the leader tells the owner: weights are in place everywhere
        if (confirmed) await confirmed;
        else this.router.sendControl(this.leader, { type: 'done', session: String(session) });
        this.base = keepShared(env);
        this.cache = cache;
        if (this.isLeader) for (const p of peers) this.router.sendControl(p, { type: 'ready', session: String(session) });
      }
      const stats = { type: 'stats' as const, session: String(session), bytes: ep.stats.bytesTotal, frames: ep.stats.messages, offlineMs: known?.offlineMs ?? 0, offlineBytes: material.bytes ?? known?.bytes ?? 0, rssMb: peakRssMb() };
      for (const p of peers) this.router.sendControl(p, stats);
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
  // ---- serving (ServedCompute, served.ts) ------------------------------------------------

  private sendStatement(): void {
    const h = this.o.hpke;
    if (!h || this.isLeader) return;
    try {
      this.router.sendControl(this.leader, { type: 'hpke', role: this.role, statement: h.statement.statement, signature: h.statement.signature, cert: h.statement.cert });
    } catch (e) {
      this.log(`could not send the HPKE key statement to ${this.leader}: ${(e as Error).message}`);
    }
  }

  private sendPrewarm(): void {
    const ask = this.prewarmAsk;
    if (!ask || !this.dealer || !this.router.hasLink(this.dealer)) return;
    try {
      this.router.sendControl(this.dealer, { type: 'prewarm', batches: [...ask.batches], count: ask.count });
    } catch (e) {
      this.log(`could not ask ${this.dealer} to prewarm: ${(e as Error).message}`);
    }
  }

  /** Every shareholder's key statement (this leader's first, in `shareholders()` order) once all are known, else none. */
  keyStatements(): readonly SignedKeyStatement[] {
    const own = this.o.hpke?.statement;
    if (!own) return [];
    const all = this.holders.map((r) => (r === this.role ? own : this.statements.get(r)));
    return all.every((x): x is SignedKeyStatement => x !== undefined) ? all : [];
  }

  /** Whether this leader can serve now, or what it waits for. */
  readiness(): Readiness {
    const no = (reason: string): Readiness => ({ ready: false, reason });
    if (!this.isLeader) return no(`${this.role} is not the leader (${this.leader} serves)`);
    try {
      servedLayout(this.plan);
    } catch (e) {
      return no((e as Error).message);
    }
    if (!this.ready) return no('the weights are not shared yet: the model owner has not run the setup');
    for (const r of [...this.others, ...(this.dealer ? [this.dealer] : [])]) if (!this.router.hasLink(r)) return no(`${this.role} is not connected to ${r}`);
    if (this.dealer && !this.seed) return no(`no seed from ${this.dealer} (the material role) yet`);
    if (!this.o.hpke) return no(`${this.role} has no HPKE key`);
    const missing = this.others.filter((r) => !this.statements.has(r));
    if (missing.length) return no(`waiting for the HPKE key statement of ${missing.join(', ')}`);
    return { ready: true };
  }

  /** Asks the material role to keep `count` bundles pooled for each batch size (now, and whenever its link comes up again). */
  prewarm(batches: readonly number[], count: number): void {
    if (!this.isLeader) throw new TfeError('E_PROTOCOL', `${this.role} is not the leader: only ${this.leader} asks for pools`);
    if (!Number.isInteger(count) || count < 0 || count > MAX_PREWARM_COUNT) throw new TfeError('E_ARG', `prewarm: count must be an integer in 0..${MAX_PREWARM_COUNT}, got ${count}`);
    if (batches.length > MAX_PREWARM_SIZES) throw new TfeError('E_ARG', `prewarm: at most ${MAX_PREWARM_SIZES} batch sizes, got ${batches.length}`);
    for (const b of batches) {
      if (!Number.isInteger(b) || b < 1 || b > this.maxBatch) throw new TfeError('E_ARG', `prewarm: batch size ${b} is not an integer in 1..${this.maxBatch}`);
    }
    this.prewarmAsk = { batches: [...new Set(batches)], count };
    this.sendPrewarm();
  }

  /** The leader's pooled prediction bundles per batch size (current epoch). */
  poolLevels(): ReadonlyMap<number, number> {
    const m = new Map<number, number>();
    for (const b of this.bundles) if (b.purpose === 'predict' && b.epoch === this.epoch) m.set(b.batch, (m.get(b.batch) ?? 0) + 1);
    return m;
  }

  private envelopeSuite(): ReturnType<typeof nodeSuite> {
    this.suite ??= nodeSuite();
    return this.suite;
  }

  /**
   * Runs a served batch (leader only): checks it, admits a session at `padTo`, sends each
   * other shareholder its envelopes, runs the plan without the provider's steps, and
   * collects their sealed responses. Rejects with a TfeError when the session fails as a
   * whole; an envelope that fails at its shareholder fails only its request (its result
   * carries the error).
   */
  async serve(b: ServedBatch): Promise<ServedOutcome> {
    if (!this.isLeader) throw new TfeError('E_PROTOCOL', `${this.role} is not the leader: served batches go to ${this.leader}`);
    const layout = servedLayout(this.plan);
    const n = b.requests.length;
    if (n < 1 || n > MAX_SERVED_REQUESTS) throw new TfeError('E_ARG', `a served batch has ${n} requests, expected 1..${MAX_SERVED_REQUESTS}`);
    if (!Number.isInteger(b.padTo) || b.padTo < 1) throw new TfeError('E_ARG', `a served batch's size must be a positive integer, got ${b.padTo}`);
    const rows = b.requests.map((q, i) => {
      if (!Number.isInteger(q.rows) || q.rows < 1) throw new TfeError('E_ARG', `request ${i} of the served batch has ${q.rows} rows`);
      if (q.own.length !== q.rows * layout.rowWords) throw new TfeError('E_SHAPE', `request ${i} of the served batch carries ${q.own.length} share words for ${this.role}, expected ${q.rows * layout.rowWords} (${q.rows} row(s) of ${layout.rowWords})`);
      if (q.aad.length !== AAD_BYTES) throw new TfeError('E_ARG', `request ${i} of the served batch has an aad of ${q.aad.length} bytes, expected ${AAD_BYTES}`);
      return q.rows;
    });
    const total = rows.reduce((a, r) => a + r, 0);
    if (total > b.padTo) throw new TfeError('E_ARG', `a served batch of ${total} rows does not fit its size ${b.padTo}`);
    if (this.keyStatements().length === 0) throw new TfeError('E_OVERLOAD', `${this.role} does not know every shareholder's HPKE key yet`, 'wait for /v2/health/ready');
    // each other shareholder's envelopes; one of the wrong length is not forwarded (its shareholder answers E_SHAPE for it)
    const forwarded = new Map<Role, Uint8Array[]>();
    for (const r of this.others) {
      forwarded.set(r, b.requests.map((q, i) => {
        const env = q.sealed.get(r);
        if (!env) throw new TfeError('E_ARG', `request ${i} of the served batch has no envelope for ${r}`);
        return env.length === requestEnvelopeBytes(q.rows, layout.rowWords) ? env : new Uint8Array(0);
      }));
    }
    const sizes = new Map([...forwarded].map(([r, envs]) => [r, envs.map((e) => e.length)]));
    const { session, bundle, bundleWaitMs } = await this.admit('predict', b.padTo, [layout.provider], { rows, sizes });
    return this.runServed(session, bundle, b, layout, rows, forwarded, bundleWaitMs);
  }

  /** The leader's side of a served session (after admission). */
  private async runServed(session: bigint, bundle: Bundle, b: ServedBatch, layout: ServedLayout, rows: readonly number[], forwarded: ReadonlyMap<Role, readonly Uint8Array[]>, bundleWaitMs: number): Promise<ServedOutcome> {
    const t0 = performance.now();
    const ep = new SessionEndpoint(this.router, this.role, session, [...this.others]);
    let material: (MaterialChannel & { readonly bytes?: number }) = NO_MATERIAL;
    try {
      let dealer: DealerMaterial | undefined;
      if (this.dealer) ({ dealer, material } = await this.materialOf(bundle.id, bundle.epoch, ep));
      ep.setStep(layout.intakeStep, 'served intake');
      for (const [r, envs] of forwarded) sendChunked(ep, r, wordsOfBytes(encodeIntake(envs.map((envelope, i) => ({ aad: b.requests[i].aad, envelope })))));
      const env: Env = new Map(this.base);
      for (const [id, x] of servedInputEnv(layout, rows, b.requests.map((q) => q.own), b.padTo)) env.set(id, x);
      const ctx = { role: this.role, net: ep, ring: this.o.ring, dealer, prg: Prg.fresh(), cache: this.cache };
      await runSteps(ctx, env, { plan: this.plan, list: 'steps', batch: b.padTo, kernels: this.o.kernels, kind: 'compute', only: layout.only });
      const rounds = ep.stats.clock;
      const own = servedOutputWords(layout, rows, env, this.role);
      ep.setStep(layout.outtakeStep, 'served outtake');
      const outtakes = new Map<Role, ReturnType<typeof decodeOuttake>>();
      for (const r of this.others) outtakes.set(r, decodeOuttake(await recvChunked(ep, r, outtakeWords(rows, layout.outRowWords)), rows, layout.outRowWords, r));
      const bytes: Record<Role, number> = { [this.role]: ep.stats.bytesTotal };
      let materialBytes = material.bytes ?? 0;
      for (const [r, o] of outtakes) {
        bytes[r] = o.bytes;
        materialBytes += o.materialBytes;
      }
      if (this.dealer && materialBytes > 0) bytes[this.dealer] = materialBytes;
      const results = own.map((words, i): ServedResult => ({
        own: words,
        sealed: new Map([...outtakes].map(([r, o]) => {
          const x = o.results[i];
          return [r, x instanceof Uint8Array ? x : servedError(r, x)] as const;
        })),
      }));
      const sessionMs = performance.now() - t0;
      this.counts.completed++;
      const failed = results.filter((x) => [...x.sealed.values()].some((v) => !(v instanceof Uint8Array))).length;
      this.log(`served session ${session} (${rows.length} request(s), ${rows.reduce((a, r) => a + r, 0)} of ${b.padTo} rows${failed ? `, ${failed} failed at a shareholder` : ''}) done in ${sessionMs.toFixed(1)} ms`);
      return { results, sessionMs, bundleWaitMs, rounds, bytes };
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', `${this.role}: ${(e as Error).message}`);
      ep.abort(err);
      this.counts.failed++;
      this.log(`served session ${session} failed: ${err.message}`);
      throw err;
    } finally {
      ep.close();
      if (this.dealer) this.router.dropInbox('material', bundle.id, this.dealer);
    }
  }

  /**
   * A non-leader shareholder's side of a served session: check the announcement, take the
   * intake, open each request's envelope with this role's key (one that fails gets zero
   * rows and a status: only that request fails), run, seal each output share to its
   * client's response key, and send the outtake to the leader.
   */
  private async followServed(msg: Extract<Control, { type: 'session' }>): Promise<void> {
    const session = BigInt(msg.session);
    const bundle = BigInt(msg.bundle);
    const ep = new SessionEndpoint(this.router, this.role, session, [...this.others]);
    let material: (MaterialChannel & { readonly bytes?: number }) = NO_MATERIAL;
    const t0 = performance.now();
    try {
      const served = msg.served;
      if (!served) throw new TfeError('E_PROTOCOL', `session ${msg.session} is not a served session`);
      const layout = servedLayout(this.plan);
      if (msg.purpose !== 'predict') throw new TfeError('E_PROTOCOL', `${this.leader} announced a served ${msg.purpose} session`);
      if (msg.batch > this.maxBatch) throw new TfeError('E_PROTOCOL', `${this.leader} announced a served session of batch ${msg.batch}, above this server's limit of ${this.maxBatch}`);
      checkServedShape(layout, served.rows, served.sizes, msg.batch, this.leader);
      const hpke = this.o.hpke;
      if (!hpke) throw new TfeError('E_PROTOCOL', `${this.role} has no HPKE key to open served requests with`, `start ${this.role} with its ROLE.hpke.key`);
      if (!this.base) throw new TfeError('E_PLAN', `${this.role} has no weights yet: the model owner has not shared them`);
      let dealer: DealerMaterial | undefined;
      if (this.dealer) ({ dealer, material } = await this.materialOf(bundle, msg.epoch, ep));
      ep.setStep(layout.intakeStep, 'served intake');
      const intake = decodeIntake(bytesOf(await recvChunked(ep, this.leader, intakeBytes(served.sizes) / 8)), served.sizes, this.leader);
      const suite = this.envelopeSuite();
      const opened = await Promise.all(intake.map(async ({ aad, envelope }, i) => {
        try {
          return await openRequest(suite, hpke.privateKey, { rows: served.rows[i], rowWords: layout.rowWords, planId: this.plan.planId, role: this.role, aad }, envelope);
        } catch (e) {
          const status: Exclude<ServedStatus, 0> = e instanceof TfeError && e.code === 'E_SHAPE' ? SERVED_STATUS.shape : SERVED_STATUS.ciphertext;
          return status;
        }
      }));
      const env: Env = new Map(this.base);
      for (const [id, x] of servedInputEnv(layout, served.rows, opened.map((o) => (typeof o === 'number' ? undefined : o.words)), msg.batch)) env.set(id, x);
      const ctx = { role: this.role, net: ep, ring: this.o.ring, dealer, prg: Prg.fresh(), cache: this.cache };
      await runSteps(ctx, env, { plan: this.plan, list: 'steps', batch: msg.batch, kernels: this.o.kernels, kind: 'compute', only: layout.only });
      const outs = servedOutputWords(layout, served.rows, env, this.role);
      const results = await Promise.all(opened.map((o, i) => (typeof o === 'number' ? o : sealResponse(suite, o.response, { rows: served.rows[i], rowWords: layout.outRowWords }, outs[i]))));
      const words = outtakeWords(served.rows, layout.outRowWords);
      ep.setStep(layout.outtakeStep, 'served outtake');
      sendChunked(ep, this.leader, encodeOuttake({ bytes: ep.stats.bytesTotal + words * 8, materialBytes: material.bytes ?? 0, results }, served.rows, layout.outRowWords));
      this.counts.completed++;
      const failed = opened.filter((o) => typeof o === 'number').length;
      this.log(`served session ${msg.session} (${served.rows.length} request(s)${failed ? `, ${failed} did not open here` : ''}) done in ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (e) {
      const err = e instanceof TfeError ? e : new TfeError('E_PROTOCOL', `${this.role}: ${(e as Error).message}`);
      ep.abort(err);
      this.counts.failed++;
      this.log(`served session ${msg.session} failed: ${err.message}`);
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
