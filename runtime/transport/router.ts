/**
 * One party's view of its links: it routes every incoming frame by kind and session
 * (data frames to the session's inbox for that peer, material frames to the bundle's
 * inbox, control frames to the party's handler, abort frames to the session), so any
 * number of sessions share one link per peer without interfering. Frames that arrive
 * for a session the party has not started yet (the client's share can overtake the
 * leader's announcement) wait in a bounded buffer.
 *
 * Every buffer is bounded in bytes: frames that arrived but that no receive has taken
 * yet may hold at most `maxBufferedBytes` per inbox (one session's or bundle's frames
 * from one peer), and at most `maxUnclaimedBytes` (and `maxUnclaimedFrames`) per peer
 * for sessions and bundles this party has not started; a peer that sends more ends its
 * link with E_TRANSPORT naming it and the cap, so a flooding peer cannot exhaust memory.
 * A deployment sets the caps from its plan (transport/buffer-limits.ts).
 *
 * A link that closes fails every session that involves its peer, at once, with an
 * error naming the peer: no receive ever waits for a party that is gone.
 */
import { TfeError } from '../../src/errors.js';
import { decodeControl, encodeControl, type Control } from './control.js';
import { NO_STEP, type Frame } from './frame.js';
import type { Link } from './link.js';
import type { Role } from './types.js';

interface Waiter {
  resolve(f: Frame): void;
  reject(e: TfeError): void;
  timer: NodeJS.Timeout;
}

/** Frames from one peer for one session (or bundle), in order. */
export class Inbox {
  private readonly items: Frame[] = [];
  private waiter: Waiter | undefined;
  private failure: TfeError | undefined;
  /** A failure not made yet (see fail). */
  private endedBy: (() => TfeError) | undefined;
  private buffered = 0;

  /** The failure, made now if it was deferred. */
  private failed(err?: TfeError | (() => TfeError)): TfeError {
    if (!this.failure) {
      const e = err ?? this.endedBy;
      this.failure = typeof e === 'function' ? e() : e ?? new TfeError('E_PROTOCOL', 'inbox ended');
    }
    return this.failure;
  }

  push(f: Frame): void {
    if (this.failure || this.endedBy) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      clearTimeout(w.timer);
      w.resolve(f);
    } else {
      this.items.push(f);
      this.buffered += f.payload.byteLength;
    }
  }

  get size(): number {
    return this.items.length;
  }

  /** Payload bytes of the frames waiting to be taken. */
  get bytes(): number {
    return this.buffered;
  }

  /** Whether a receive waits here (a frame pushed now is handed over, not buffered). */
  get waiting(): boolean {
    return this.waiter !== undefined;
  }

  /** The next frame; rejects with `timeout()` after `ms`, or with the inbox's failure. */
  take(ms: number, timeout: () => TfeError): Promise<Frame> {
    if (this.failure || this.endedBy) return Promise.reject(this.failed());
    const f = this.items.shift();
    if (f) {
      this.buffered -= f.payload.byteLength;
      return Promise.resolve(f);
    }
    if (this.waiter) return Promise.reject(new TfeError('E_PROTOCOL', 'two receives wait on one inbox'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(timeout());
      }, ms);
      this.waiter = { resolve, reject, timer };
    });
  }

  /**
   * Ends the inbox: frames are dropped, a waiting receive and later ones reject with
   * `err`. Given as a function, the error is made only when a receive sees it (an
   * Error captures a stack trace, tens of microseconds, and every session's end fails
   * each of its inboxes, almost always with nobody waiting).
   */
  fail(err: TfeError | (() => TfeError)): void {
    if (this.failure || this.endedBy) return;
    if (typeof err === 'function') {
      this.endedBy = err;
      this.items.length = 0;
      this.buffered = 0;
      if (!this.waiter) return;
    }
    this.failure = this.failed(err);
    this.items.length = 0;
    this.buffered = 0;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(this.failure);
    }
  }
}

/** Something that lives as long as a session and must hear of its peers' failures. */
export interface SessionMember {
  readonly peers: readonly Role[];
  fail(err: TfeError): void;
}

export type ControlHandler = (peer: Role, msg: Control) => void;

/** The role of a link name (`client#3` -> `client`). */
export function roleOfLink(name: string): Role {
  const i = name.indexOf('#');
  return i < 0 ? name : name.slice(0, i);
}

export interface RouterOptions {
  /** Receive timeout in milliseconds (default 30 s). */
  readonly receiveTimeoutMs?: number;
  /** Frames buffered for sessions and bundles nobody has claimed yet, per peer (default 65536). */
  readonly maxUnclaimedFrames?: number;
  /** Payload bytes buffered and not yet taken, per inbox (one session or bundle, one peer); default DEFAULT_MAX_BUFFERED_BYTES. */
  readonly maxBufferedBytes?: number;
  /** Payload bytes buffered for sessions and bundles nobody has claimed yet, per peer; default DEFAULT_MAX_UNCLAIMED_BYTES. */
  readonly maxUnclaimedBytes?: number;
}

/** Default per-inbox cap without a plan: 1 GiB (a deployment derives its own from its plan, buffer-limits.ts). */
export const DEFAULT_MAX_BUFFERED_BYTES = 2 ** 30;
/** Default per-peer cap on frames for sessions not started yet, without a plan: 2 GiB. */
export const DEFAULT_MAX_UNCLAIMED_BYTES = 2 ** 31;

export class Router {
  readonly receiveTimeoutMs: number;
  private readonly maxUnclaimed: number;
  readonly maxBufferedBytes: number;
  readonly maxUnclaimedBytes: number;
  private readonly links = new Map<Role, Link>();
  private readonly inboxes = new Map<string, Inbox>();
  private readonly claimed = new Set<string>();
  private readonly members = new Map<bigint, SessionMember>();
  /** Sessions a peer aborted before this party started them: refused at start. */
  private readonly aborted = new Map<bigint, TfeError>();
  private control: ControlHandler | undefined;
  private readonly closeHandlers: ((peer: Role, err: TfeError | undefined) => void)[] = [];
  private readonly linkWaiters = new Map<Role, (() => void)[]>();
  private readonly addHandlers: ((peer: Role) => void)[] = [];

  constructor(readonly role: Role, opts: RouterOptions = {}) {
    this.receiveTimeoutMs = opts.receiveTimeoutMs ?? 30_000;
    this.maxUnclaimed = opts.maxUnclaimedFrames ?? 65_536;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.maxUnclaimedBytes = opts.maxUnclaimedBytes ?? DEFAULT_MAX_UNCLAIMED_BYTES;
  }

  /**
   * Adds (or replaces) a link and starts routing its frames. `name` is how this party
   * addresses it: the peer's role, or for input and output roles, of which several
   * processes may connect at once (clients), a name per connection (`client#3`).
   */
  addLink(link: Link, name: string = link.peer): void {
    const peer = name;
    const old = this.links.get(peer);
    if (old && old !== link) old.close();
    this.links.set(peer, link);
    link.onFrame((f) => {
      try {
        this.route(peer, f);
      } catch (e) {
        const err = e instanceof TfeError ? e : new TfeError('E_TRANSPORT', `frame from ${peer}: ${(e as Error).message}`);
        this.dropLink(link, err, peer);
      }
    });
    link.onClose((err) => this.dropLink(link, err, peer));
    for (const w of this.linkWaiters.get(peer)?.splice(0) ?? []) w();
    for (const h of this.addHandlers) h(peer);
  }

  /** Calls `h` whenever a link (re)appears. */
  onLinkAdded(h: (peer: Role) => void): void {
    this.addHandlers.push(h);
  }

  private dropLink(link: Link, err: TfeError | undefined, name: string = link.peer): void {
    const peer = name;
    if (this.links.get(peer) !== link) return;
    this.links.delete(peer);
    link.close();
    const why = err ?? new TfeError('E_TRANSPORT', `${peer} closed the connection`);
    for (const [key, box] of this.inboxes) {
      if (!key.endsWith(`:${peer}`)) continue;
      box.fail(why);
      // nobody holds an unclaimed inbox: forget it, or every connection that left would stay here
      if (!this.claimed.has(key)) this.inboxes.delete(key);
    }
    for (const m of [...this.members.values()]) if (m.peers.includes(peer)) m.fail(why);
    for (const h of this.closeHandlers) h(peer, err);
  }

  hasLink(peer: Role): boolean {
    return this.links.has(peer);
  }

  peers(): Role[] {
    return [...this.links.keys()];
  }

  /** The link to `peer`; E_TRANSPORT naming it if there is none. */
  link(peer: Role): Link {
    const l = this.links.get(peer);
    if (!l) throw new TfeError('E_TRANSPORT', `${this.role} is not connected to ${peer}`);
    return l;
  }

  /** Resolves when a link to `peer` exists; rejects naming it after `ms`. */
  waitLink(peer: Role, ms: number): Promise<void> {
    if (this.links.has(peer)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new TfeError('E_TRANSPORT', `${this.role}: ${peer} did not connect within ${ms / 1000} s`)), ms);
      const list = this.linkWaiters.get(peer) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.linkWaiters.set(peer, list);
    });
  }

  onControl(h: ControlHandler): void {
    this.control = h;
  }

  onLinkClosed(h: (peer: Role, err: TfeError | undefined) => void): void {
    this.closeHandlers.push(h);
  }

  sendControl(peer: Role, msg: Control): void {
    this.link(peer).send({ kind: 'control', session: 0n, step: NO_STEP, seq: 0, clock: 0, payload: encodeControl(msg) });
  }

  /** Registers a session's member (so link failures and peer aborts reach it). */
  join(session: bigint, m: SessionMember): void {
    this.members.set(session, m);
    const a = this.aborted.get(session);
    if (a) {
      this.aborted.delete(session);
      m.fail(a);
    }
  }

  /** Forgets a finished session and its inboxes. */
  leave(session: bigint, peers: readonly Role[]): void {
    this.members.delete(session);
    for (const p of peers) {
      for (const kind of ['data', 'material'] as const) {
        const key = inboxKey(kind, session, p);
        this.inboxes.get(key)?.fail(() => new TfeError('E_PROTOCOL', `session ${session} has ended`));
        this.inboxes.delete(key);
        this.claimed.delete(key);
      }
    }
  }

  /** The inbox of `kind` frames from `peer` in `session` (a bundle id for material); claimed from now on. */
  inbox(kind: 'data' | 'material', session: bigint, peer: Role): Inbox {
    const key = inboxKey(kind, session, peer);
    this.claimed.add(key);
    let box = this.inboxes.get(key);
    if (!box) {
      box = new Inbox();
      this.inboxes.set(key, box);
    }
    return box;
  }

  /** Drops a bundle's inbox (when the bundle is discarded). */
  dropInbox(kind: 'data' | 'material', session: bigint, peer: Role): void {
    const key = inboxKey(kind, session, peer);
    this.inboxes.get(key)?.fail(() => new TfeError('E_PROTOCOL', `${kind} ${session} from ${peer} was discarded`));
    this.inboxes.delete(key);
    this.claimed.delete(key);
  }

  /** Frames received and not yet taken, over every inbox (for tests and metrics). */
  get bufferedFrames(): number {
    let n = 0;
    for (const box of this.inboxes.values()) n += box.size;
    return n;
  }

  /** Frames and payload bytes buffered from `peer` for sessions and bundles nobody has claimed. */
  private unclaimedFrom(peer: Role): { frames: number; bytes: number } {
    let frames = 0;
    let bytes = 0;
    for (const [key, box] of this.inboxes) {
      if (!this.claimed.has(key) && key.endsWith(`:${peer}`)) {
        frames += box.size;
        bytes += box.bytes;
      }
    }
    return { frames, bytes };
  }

  private route(peer: Role, f: Frame): void {
    switch (f.kind) {
      case 'data':
      case 'material': {
        const key = inboxKey(f.kind, f.session, peer);
        const n = f.payload.byteLength;
        if (!this.claimed.has(key)) {
          const u = this.unclaimedFrom(peer);
          if (u.frames >= this.maxUnclaimed) throw new TfeError('E_TRANSPORT', `${peer} sent more than ${this.maxUnclaimed} frames for sessions ${this.role} does not run`);
          if (u.bytes + n > this.maxUnclaimedBytes) {
            throw new TfeError('E_TRANSPORT', `${peer} sent more than ${this.maxUnclaimedBytes} bytes (the cap on unclaimed frames) for sessions ${this.role} does not run`, 'the peer floods this party, or runs sessions this party never joined');
          }
        }
        let box = this.inboxes.get(key);
        if (!box) {
          box = new Inbox();
          this.inboxes.set(key, box);
        }
        if (!box.waiting && box.bytes + n > this.maxBufferedBytes) {
          throw new TfeError('E_TRANSPORT', `${peer} sent ${box.bytes + n} bytes of ${f.kind} ${f.session} that ${this.role} has not consumed, over the cap of ${this.maxBufferedBytes} bytes buffered per session and peer`,
            'the peer floods this party or runs ahead of the plan; a genuine plan never buffers this much');
        }
        box.push(f);
        return;
      }
      case 'control': {
        const msg = decodeControl(f.payload, peer);
        if (!this.control) throw new TfeError('E_TRANSPORT', `${this.role} takes no control messages (got '${msg.type}' from ${peer})`);
        this.control(peer, msg);
        return;
      }
      case 'abort': {
        const reason = new TextDecoder().decode(f.payload).slice(0, 2000);
        const err = new TfeError('E_TRANSPORT', `${peer} ended the session${f.step === NO_STEP ? '' : ` at step ${f.step}`}: ${reason}`);
        const m = this.members.get(f.session);
        if (m) m.fail(err);
        else if (this.aborted.size < 1024) this.aborted.set(f.session, err);
        return;
      }
      case 'hello':
        return;
    }
  }
}

function inboxKey(kind: 'data' | 'material', session: bigint, peer: Role): string {
  return `${kind}:${session}:${peer}`;
}
