/**
 * The material party: Pond's dealer, or securenn's helper server2 (which runs this same
 * class: it holds no share and makes the share-holders' correlated randomness, SecureNN
 * sec. 3). It makes correlated randomness OFFLINE, ahead of
 * the sessions that use it, in bundles (one session's worth of material for a given
 * purpose and batch size, under its own PRG streams: Prg(seed_i, bundle id)), and
 * keeps a bounded pool of them ready for the leader to hand to new sessions. So the
 * online phase of a prediction never waits on material that could have been made
 * earlier; only a batch size nobody asked for before waits for its first bundle.
 *
 * Epochs: when a server's link (re)appears, or a setup bundle is made (new weight
 * masks), the dealer draws fresh seeds for both servers and discards its pool: no
 * stream is ever used twice, and no pooled material refers to masks of old weights.
 * The masks of the current weights (kept values B, see pond/material.ts weightMask)
 * live as long as the dealer process; each seed says whether this process holds them
 * (`masks`), so that after a restart the servers re-mask the weights they hold with it
 * (a setup bundle, runtime/party/remask.ts) before the next prediction.
 *
 * Pool: up to `poolSize` bundles per batch size asked for (batch 1 from the start),
 * within `poolBytes` of material; refilled as the leader consumes them. A leader that
 * serves (issue 14) names its batch sizes and the bundles to keep of each with `prewarm`,
 * which overrides these targets (the `poolBytes` cap still holds).
 */
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/index.js';
import { protocolSpec } from '../../src/protocols/registry.js';
import { materialRole, shareholders } from '../../src/protocols/spec.js';
import { DealerMaterial } from '../crypto/material.js';
import { Prg, freshSeed } from '../crypto/prg.js';
import type { KernelRegistry } from '../protocols/registry.js';
import type { PartyContext } from '../protocols/types.js';
import type { RingBackend } from '../ring/backend.js';
import type { RingTensor } from '../ring/tensor.js';
import type { Control } from '../transport/control.js';
import { drainedWithin } from '../transport/drain.js';
import type { Link } from '../transport/link.js';
import type { Router } from '../transport/router.js';
import { newStats, type Endpoint, type Role } from '../transport/types.js';
import { materialSender } from './material-channel.js';
import { runSteps } from './steps.js';

export interface DealerOptions {
  readonly plan: Plan;
  readonly router: Router;
  readonly ring: RingBackend;
  readonly kernels: KernelRegistry;
  /** Ready bundles kept per batch size (default 2; 0: make on demand only). */
  readonly poolSize?: number;
  /** Cap on pooled material, in bytes (default 512 MiB). */
  readonly poolBytes?: number;
  readonly log?: (line: string) => void;
}

interface Pooled {
  readonly purpose: 'setup' | 'predict';
  readonly batch: number;
  readonly bytes: number;
}

/** The dealer's endpoint: it sends nothing online and receives nothing; steps only tag its material. */
class DealerNet implements Endpoint {
  readonly stats = newStats();
  constructor(readonly role: Role, private readonly tag: (step: number) => void, private readonly links: () => Link[], private readonly timeoutMs: number) {}
  /** Backpressure: the material of the previous step has left for the servers before the next is made (a server that reads nothing fails the bundle after the receive timeout). */
  async drained(): Promise<void> {
    for (const l of this.links()) {
      await drainedWithin(l, this.timeoutMs, () => new TfeError('E_TRANSPORT', `${l.peer} has not read ${this.role}'s material within ${this.timeoutMs / 1000} s`));
    }
  }
  setStep(step: number): void {
    this.tag(step);
  }
  send(to: Role): void {
    throw new TfeError('E_PROTOCOL', `${this.role} makes material and sends no online message (to ${to})`);
  }
  recv(from: Role): Promise<BigUint64Array> {
    return Promise.reject(new TfeError('E_PROTOCOL', `${this.role} makes material and receives no online message (from ${from})`));
  }
}

export class DealerParty {
  readonly role: Role;
  private readonly servers: readonly Role[];
  private readonly keep = new Map<string, RingTensor>();
  private epoch = 0;
  private seeds: Record<string, Uint8Array> = {};
  private nextBundle = 1n;
  private readonly pool = new Map<bigint, Pooled>();
  /** Batch sizes to keep ready, with the number of bundles each. */
  private readonly targets = new Map<number, number>();
  private readonly demands: { purpose: 'setup' | 'predict'; batch: number }[] = [];
  private masksMade = false;
  private working = false;
  private readonly poolSize: number;
  private readonly poolBytes: number;
  private readonly log: (line: string) => void;
  /** Bundles made, for tests and logs. */
  readonly made: { id: bigint; purpose: string; batch: number; ms: number; bytes: number }[] = [];

  constructor(private readonly o: DealerOptions) {
    const p = protocolSpec(o.plan.protocol);
    const maker = materialRole(p);
    const holders = shareholders(p);
    if (maker === undefined || holders.length !== 2) throw new TfeError('E_PLAN', `protocol ${p.name} has no dealer or helper making material for two share-holding servers`);
    this.role = maker;
    this.servers = holders;
    this.poolSize = o.poolSize ?? 2;
    this.poolBytes = o.poolBytes ?? 512 * 2 ** 20;
    this.log = o.log ?? (() => undefined);
    if (this.poolSize > 0) this.targets.set(1, this.poolSize);
    // without weight masks to draw at setup, prediction material can be made at once
    this.masksMade = !o.plan.setupSteps.some((s) => s.kernel === 'mask_s');
    o.router.onControl((peer, msg) => this.onControl(peer, msg));
    o.router.onLinkAdded((peer) => {
      if (this.servers.includes(peer)) this.serverLinked();
    });
  }

  /** Starts a new epoch when a server's link (re)appears: fresh seeds to every connected server. */
  serverLinked(): void {
    this.newEpoch();
    this.kick();
  }

  private newEpoch(): void {
    this.epoch++;
    this.pool.clear();
    this.seeds = Object.fromEntries(this.servers.map((s) => [s, freshSeed()]));
    for (const s of this.servers) {
      if (this.o.router.hasLink(s)) this.o.router.sendControl(s, { type: 'seed', epoch: this.epoch, seed: Buffer.from(this.seeds[s]).toString('hex'), masks: this.masksMade });
    }
  }

  private onControl(peer: Role, msg: Control): void {
    if (!this.servers.includes(peer)) return this.log(`ignored '${msg.type}' from ${peer}`);
    if (msg.type === 'make') {
      this.demands.push({ purpose: msg.purpose, batch: msg.batch });
      if (msg.purpose === 'predict' && this.poolSize > 0 && !this.targets.has(msg.batch)) this.targets.set(msg.batch, 1);
      this.kick();
    } else if (msg.type === 'prewarm') {
      // serving: the leader names the batch sizes its sessions use, so each finds a pooled bundle
      if (peer !== this.servers[0]) return this.log(`ignored 'prewarm' from ${peer}: only the leader asks for pools`);
      for (const b of msg.batches) this.targets.set(b, msg.count);
      this.log(`keeping ${msg.count} bundle(s) pooled for batch sizes ${msg.batches.join(', ')}`);
      this.kick();
    } else if (msg.type === 'consume') {
      this.pool.delete(BigInt(msg.bundle));
      this.kick();
    } else this.log(`ignored '${msg.type}' from ${peer}`);
  }

  private connected(): boolean {
    return this.servers.every((s) => this.o.router.hasLink(s));
  }

  /** Starts the work loop unless it runs. */
  private kick(): void {
    if (this.working) return;
    this.working = true;
    void this.work().finally(() => {
      this.working = false;
    });
  }

  private next(): { purpose: 'setup' | 'predict'; batch: number; demanded: boolean } | undefined {
    const d = this.demands.shift();
    if (d) return { ...d, demanded: true };
    if (!this.masksMade) return undefined;
    let bytes = 0;
    for (const b of this.pool.values()) bytes += b.bytes;
    if (bytes >= this.poolBytes) return undefined;
    for (const [batch, want] of this.targets) {
      const have = [...this.pool.values()].filter((b) => b.purpose === 'predict' && b.batch === batch).length;
      if (have < want) return { purpose: 'predict', batch, demanded: false };
    }
    return undefined;
  }

  private async work(): Promise<void> {
    while (this.connected()) {
      const job = this.next();
      if (!job) break;
      try {
        await this.make(job.purpose, job.batch, job.demanded);
      } catch (e) {
        this.log(`could not make a ${job.purpose} bundle for batch ${job.batch}: ${(e as Error).message}`);
      }
      // let control messages and other parties' work in between bundles
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Makes one bundle: runs the plan's steps that consume material, sending server1's part, then announces it. */
  private async make(purpose: 'setup' | 'predict', batch: number, demanded: boolean): Promise<void> {
    if (purpose === 'setup') {
      // new weights get new masks: nothing pooled for the old ones may be used again
      // (masks first: the new epoch's seeds tell the servers this party holds masks)
      this.masksMade = true;
      this.newEpoch();
    }
    const t0 = performance.now();
    const id = this.nextBundle++;
    const epoch = this.epoch;
    const router = this.o.router;
    const channel = materialSender(router, id, this.servers[1]);
    // server0 receives only the material both servers hold in the clear (FSS key correction words)
    const channel0 = materialSender(router, id, this.servers[0]);
    const streams = { [this.servers[0]]: new Prg(this.seeds[this.servers[0]], id), [this.servers[1]]: new Prg(this.seeds[this.servers[1]], id) };
    const net = new DealerNet(this.role, (step) => {
      channel.step = step;
      channel0.step = step;
    }, () => this.servers.filter((s) => router.hasLink(s)).map((s) => router.link(s)), router.receiveTimeoutMs);
    const ctx: PartyContext & { net: DealerNet } = {
      role: this.role,
      net,
      ring: this.o.ring,
      dealer: new DealerMaterial('dealer', this.o.ring, streams, channel, this.keep, channel0),
      prg: Prg.fresh(),
      cache: new Map(),
    };
    await runSteps(ctx, new Map(), { plan: this.o.plan, list: purpose === 'setup' ? 'setupSteps' : 'steps', batch, kernels: this.o.kernels, kind: 'dealer' });
    if (epoch !== this.epoch) {
      // a server reconnected meanwhile: the streams are stale; make it again if someone waits for it
      if (purpose === 'setup' || demanded) this.demands.unshift({ purpose, batch });
      return;
    }
    const ms = performance.now() - t0;
    const bytes = channel.bytes + channel0.bytes;
    this.pool.set(id, { purpose, batch, bytes });
    this.made.push({ id, purpose, batch, ms, bytes });
    const msg: Control = { type: 'bundle', bundle: String(id), epoch, purpose, batch, offlineMs: ms, bytes };
    for (const s of this.servers) router.sendControl(s, msg);
    this.log(`made ${purpose} bundle ${id} for batch ${batch}: ${(bytes / 2 ** 20).toFixed(2)} MiB in ${ms.toFixed(1)} ms`);
  }
}
