/**
 * Links over mutually authenticated TLS 1.3 (node:tls). The deployment CA is the only
 * trust anchor on both sides; a peer's role is read from its certificate (runtime/
 * deploy/role.ts), never from what it says: the dialer accepts only the role it
 * expects at that address (checkServerIdentity checks the role, not the host name),
 * the listener only its allowed roles. Right after the handshake both ends send a
 * `hello` frame (JSON {role, planId, version}) and check the other's: the role must
 * be the certificate's and the plan id must be ours, else the link is refused with an
 * error naming the peer, its address and both plan ids.
 *
 * After the hello, a `hello` frame with an empty payload is the peer's orderly goodbye
 * (close()); a connection that ends without one is an error naming the peer. Hello and
 * goodbye frames are link control and are not counted in the counters.
 *
 * Backpressure: sends are written to the socket at once; `drained()` resolves when the
 * socket's buffer has been handed to the kernel, and parties await it at each step
 * boundary, so a party has at most one step's messages per session buffered here. A
 * send that leaves more than `maxPendingBytes` unsent (default 4 x maxFrameBytes +
 * 64 MiB: four concurrent sessions each with a whole step's messages (at most the
 * largest frame the plan allows) unsent, which a peer that reads never reaches) ends
 * the link with E_TRANSPORT naming the peer and the cap: a peer that stops reading
 * cannot make this party buffer without bound.
 *
 * The dialer retries a connection that is refused or unreachable (the peer is not
 * listening yet) until connectTimeoutMs; every other failure (a wrong certificate, a
 * plan mismatch) fails at once.
 */
import * as tls from 'node:tls';
import { TfeError } from '../../src/errors.js';
import { roleOfCertificate } from '../deploy/role.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder, NO_STEP, type Frame } from './frame.js';
import { LinkState, newLinkCounters, type Link, type LinkCounters } from './link.js';

/** A role's credentials: the deployment CA (the only trust anchor), its certificate and key, all PEM. */
export interface TlsIdentity {
  readonly role: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** What each end says first. */
export interface Hello {
  readonly role: string;
  readonly planId: string;
}

/** Added to 4 x maxFrameBytes for the default cap on unsent bytes. */
const PENDING_SLACK_BYTES = 64 * 2 ** 20;

/** The version of the hello exchange (and of the link's conventions). */
export const HELLO_VERSION = 1;
/** How long an accepted connection may take to send its hello. */
const LISTENER_HELLO_MS = 10_000;
/** How long close() waits for the peer to end the connection before dropping it. */
const CLOSE_GRACE_MS = 2_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** TCP keepalive: a peer whose machine vanished is noticed even on an idle link. */
const KEEPALIVE_MS = 10_000;
/** Socket errors that mean "not listening (yet)": the only ones connectTls retries. */
const RETRYABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL']);

const seconds = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;

function errCode(e: unknown): string {
  const c = (e as NodeJS.ErrnoException).code;
  return c ?? (e instanceof Error ? e.message : String(e));
}

/** OpenSSL's short reason (`unsupported protocol`), without its file and line. */
function reasonOf(e: Error): string {
  const r = (e as Error & { reason?: unknown }).reason;
  return typeof r === 'string' && r.length > 0 ? ` (${r})` : '';
}

/** A TLS alert that means the other end refused our certificate. */
function refusedOurCertificate(code: string): boolean {
  return /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|HANDSHAKE_FAILURE)/.test(code);
}

const CERT_HINT = "check that every role's certificate was made for this deployment (`tfe deploy init` or `tfe deploy sign`) and that ca.pem is the deployment's";

function helloFrame(h: Hello): Frame {
  const payload = new TextEncoder().encode(JSON.stringify({ role: h.role, planId: h.planId, version: HELLO_VERSION }));
  return { kind: 'hello', session: 0n, step: NO_STEP, seq: 0, clock: 0, payload };
}

const GOODBYE: Frame = { kind: 'hello', session: 0n, step: NO_STEP, seq: 0, clock: 0, payload: new Uint8Array(0) };

/** A Link over one TLS socket whose peer certificate names `peer`; usable once `ready` resolves. */
/** Corked bytes beyond which a tick's frames are flushed before the tick ends (write). */
const CORK_FLUSH_BYTES = 256 * 1024;

class TlsLink implements Link {
  readonly counters: LinkCounters = newLinkCounters();
  readonly ready: Promise<void>;
  private readonly state = new LinkState();
  private readonly decoder: FrameDecoder;
  private phase: 'hello' | 'open' | 'ended' = 'hello';
  private goodbye = false;
  private helloTimer: NodeJS.Timeout | undefined;
  private resolveReady!: () => void;
  private rejectReady!: (e: TfeError) => void;
  private drainWaiters: (() => void)[] = [];
  /** Whether the socket is corked until the end of this tick (write). */
  private corked = false;
  /** Unsent bytes (socket.writableLength) above which a send ends the link. */
  maxPendingBytes: number;

  constructor(
    private readonly socket: tls.TLSSocket,
    readonly peer: string,
    private readonly address: string,
    private readonly self: Hello,
    maxFrameBytes: number,
    helloTimeoutMs: number,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.decoder = new FrameDecoder(maxFrameBytes, peer);
    this.maxPendingBytes = 4 * maxFrameBytes + PENDING_SLACK_BYTES;
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.onSocketError(e));
    socket.on('close', () => this.onSocketClose());
    this.helloTimer = setTimeout(() => this.fail(new TfeError('E_TRANSPORT', `${peer} at ${address} sent no hello within ${seconds(helloTimeoutMs)}`)), helloTimeoutMs);
    this.helloTimer.unref();
    this.write(helloFrame(self));
  }

  get maxFrameBytes(): number {
    return this.decoder.maxFrameBytes;
  }

  set maxFrameBytes(n: number) {
    this.decoder.maxFrameBytes = n;
  }

  send(frame: Frame): void {
    if (this.phase !== 'open' || this.state.isEnded) throw new TfeError('E_TRANSPORT', `cannot send to ${this.peer}: the link is closed`);
    if (frame.kind === 'hello') throw new TfeError('E_ARG', 'hello frames belong to the link; send data, material, control or abort frames');
    this.write(frame);
    this.counters.framesSent++;
    this.counters.payloadBytesSent += frame.payload.byteLength;
    this.counters.headerBytesSent += FRAME_HEADER_BYTES;
    const pending = this.socket.writableLength;
    if (pending > this.maxPendingBytes) {
      const err = new TfeError('E_TRANSPORT', `the send buffer to ${this.peer} holds ${pending} unsent bytes, over the cap of ${this.maxPendingBytes}: ${this.peer} does not read what it is sent`,
        'the peer is stalled or overloaded, or the link is too slow for this batch size');
      this.fail(err, true);
      throw err;
    }
  }

  drained(): Promise<void> {
    if (this.phase === 'ended' || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private wakeDrainWaiters(): void {
    for (const w of this.drainWaiters.splice(0)) w();
  }

  onFrame(handler: (frame: Frame) => void): void {
    this.state.setFrameHandler(handler);
  }

  onClose(handler: (err: TfeError | undefined) => void): void {
    this.state.setCloseHandler(handler);
  }

  close(): void {
    if (this.phase === 'ended') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'ended';
    clearTimeout(this.helloTimer);
    if (wasOpen) this.write(GOODBYE);
    this.wakeDrainWaiters();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    this.state.end(undefined);
    this.rejectReady(new TfeError('E_TRANSPORT', `the link to ${this.peer} was closed before its hello`));
  }

  /**
   * Writes a copy of the payload: a socket keeps a reference to what it cannot send at
   * once, so a caller that reused its array after send (a kernel opening a value in
   * place) would change bytes still queued. Under concurrent sessions that sent wrong
   * shares and gave a wrong prediction without any error; the copy makes the contract
   * hold whatever the caller does (test/transport/tls.test.ts).
   */
  private write(frame: Frame): void {
    const [header, payload] = encodeFrame(frame);
    // frames written in the same tick (a kernel's sends, a session's announcements) leave
    // as one writev and fewer TLS records: the socket stays corked until the tick ends
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(header);
    if (payload.byteLength > 0) this.socket.write(Buffer.from(payload));
    // a large burst goes out at once rather than at the end of the tick
    if (this.corked && this.socket.writableLength >= CORK_FLUSH_BYTES) {
      this.corked = false;
      this.socket.uncork();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'ended') return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.fail(e instanceof TfeError ? e : new TfeError('E_TRANSPORT', `bad data from ${this.peer}: ${errCode(e)}`));
      return;
    }
    for (const f of frames) {
      if (this.state.isEnded) return;
      if (this.phase === 'hello') this.checkHello(f);
      else if (f.kind === 'hello') {
        if (f.payload.byteLength === 0) this.goodbye = true;
        else this.fail(new TfeError('E_TRANSPORT', `${this.peer} at ${this.address} sent a second hello`));
      } else if (this.goodbye) {
        this.fail(new TfeError('E_TRANSPORT', `${this.peer} at ${this.address} sent a frame after its goodbye`));
      } else {
        this.counters.framesReceived++;
        this.counters.payloadBytesReceived += f.payload.byteLength;
        this.counters.headerBytesReceived += FRAME_HEADER_BYTES;
        this.state.deliver(f);
      }
    }
  }

  private checkHello(f: Frame): void {
    const who = `${this.peer} at ${this.address}`;
    if (f.kind !== 'hello') return this.fail(new TfeError('E_TRANSPORT', `${who} sent a ${f.kind} frame before its hello`));
    let h: { role?: unknown; planId?: unknown; version?: unknown };
    try {
      h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(f.payload)) as typeof h;
    } catch {
      return this.fail(new TfeError('E_TRANSPORT', `${who} sent a hello that is not JSON`));
    }
    if (h === null || typeof h !== 'object') return this.fail(new TfeError('E_TRANSPORT', `${who} sent a hello that is not a JSON object`));
    if (h.version !== HELLO_VERSION) {
      return this.fail(new TfeError('E_TRANSPORT', `${who} speaks link version ${String(h.version)}, this party ${HELLO_VERSION}`, 'run the same tfe version on every party'));
    }
    if (h.role !== this.peer) {
      return this.fail(new TfeError('E_TRANSPORT', `refused ${who}: its hello says role '${String(h.role)}' but its certificate is for '${this.peer}'`));
    }
    if (h.planId !== this.self.planId) {
      return this.fail(new TfeError('E_TRANSPORT', `refused ${who}: it runs plan ${String(h.planId)}, ${this.self.role} runs plan ${this.self.planId}`,
        'every party must use the plan named in deployment.json (compile once and copy plan.json to every party)'));
    }
    clearTimeout(this.helloTimer);
    this.phase = 'open';
    this.resolveReady();
  }

  private onSocketError(e: Error): void {
    const code = errCode(e);
    const who = `${this.peer} at ${this.address}`;
    if (this.phase === 'hello' && refusedOurCertificate(code)) {
      this.fail(new TfeError('E_TRANSPORT', `${who} refused the certificate of ${this.self.role} (${code})`, CERT_HINT), true);
    } else {
      this.fail(new TfeError('E_TRANSPORT', `connection to ${this.peer} lost: ${code}`), true);
    }
  }

  private onSocketClose(): void {
    if (this.phase === 'ended') return;
    this.wakeDrainWaiters();
    if (this.phase === 'open' && this.goodbye) {
      this.phase = 'ended';
      this.state.end(undefined);
      return;
    }
    this.fail(new TfeError('E_TRANSPORT', this.phase === 'hello'
      ? `${this.peer} at ${this.address} closed the connection before its hello (it may have refused this party's certificate or role)`
      : `${this.peer} closed the connection`));
  }

  /**
   * Ends the link with `err`: reported to onClose, or rejects `ready` during the hello.
   * The socket is ended rather than destroyed, so that what was written (our hello,
   * whose plan id the peer needs for its own error message) still reaches the peer.
   */
  private fail(err: TfeError, socketFailed = false): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    clearTimeout(this.helloTimer);
    this.wakeDrainWaiters();
    if (socketFailed) this.socket.destroy();
    else {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.state.end(err);
    this.rejectReady(err);
  }
}

export interface ListenOptions {
  host: string;
  port: number;
  identity: TlsIdentity;
  planId: string;
  /** Roles that may connect. */
  allowedPeers: readonly string[];
  maxFrameBytes: number;
  /** A link whose peer has passed every check. */
  onLink(link: Link): void;
  /** A refused or failed incoming connection; the listener keeps listening. */
  onError(err: TfeError): void;
}

/**
 * Listens for the roles in `allowedPeers`. `close()` stops listening and closes
 * (orderly) every link it accepted.
 */
export async function listenTls(o: ListenOptions): Promise<{ port: number; close(): Promise<void> }> {
  const id = o.identity;
  // The client certificate is required and verified against the deployment CA alone;
  // the verdict is checked here, first thing on secureConnection, instead of by node
  // dropping the socket, so that the refusal can name the address and the reason.
  // Nothing is read from or written to an unauthorized socket.
  const server = tls.createServer({ ca: [id.ca], cert: id.cert, key: id.key, requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.3', handshakeTimeout: LISTENER_HELLO_MS });
  /** Every open connection, with its link once the link has passed its hello. */
  const conns = new Map<tls.TLSSocket, TlsLink | undefined>();
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const addr = `${socket.remoteAddress}:${socket.remotePort}`;
    conns.set(socket, undefined);
    socket.on('close', () => conns.delete(socket));
    if (!socket.authorized) {
      const peerCert = socket.getPeerCertificate() as tls.PeerCertificate | null;
      const none = peerCert === null || Object.keys(peerCert).length === 0;
      socket.destroy();
      const why = none ? 'it presented no certificate' : `its certificate does not chain to the deployment CA (${String(socket.authorizationError)})`;
      o.onError(new TfeError('E_TRANSPORT', `${id.role} refused a connection from ${addr}: ${why}`, CERT_HINT));
      return;
    }
    let role: string;
    try {
      role = roleOfCertificate(socket.getPeerCertificate().raw);
    } catch (e) {
      socket.destroy();
      o.onError(new TfeError('E_TRANSPORT', `${id.role} refused a connection from ${addr}: ${(e as Error).message}`, CERT_HINT));
      return;
    }
    if (!o.allowedPeers.includes(role) || role === id.role) {
      socket.destroy();
      o.onError(new TfeError('E_TRANSPORT', `${id.role} refused a connection from ${addr}: its certificate is for role '${role}', which may not connect here (allowed: ${o.allowedPeers.join(', ')})`));
      return;
    }
    const link = new TlsLink(socket, role, addr, { role: id.role, planId: o.planId }, o.maxFrameBytes, LISTENER_HELLO_MS);
    link.ready.then(() => {
      if (conns.has(socket)) conns.set(socket, link);
      o.onLink(link);
    }, (e: TfeError) => o.onError(e));
  });
  server.on('tlsClientError', (err, socket) => {
    const from = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'a peer that hung up';
    o.onError(new TfeError('E_TRANSPORT', `${id.role} refused a TLS connection from ${from}: ${errCode(err)}${reasonOf(err)}`, CERT_HINT));
  });
  await new Promise<void>((resolve, reject) => {
    const onListenError = (e: Error): void => reject(new TfeError('E_TRANSPORT', `${id.role} cannot listen on ${o.host}:${o.port}: ${errCode(e)}`,
      errCode(e) === 'EADDRINUSE' ? 'another process uses that port: stop it or change the listen address in deployment.json' : undefined));
    server.once('error', onListenError);
    server.listen(o.port, o.host, () => {
      server.off('error', onListenError);
      server.on('error', (e) => o.onError(new TfeError('E_TRANSPORT', `${id.role}'s listener on ${o.host}:${o.port} failed: ${errCode(e)}`)));
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const [socket, link] of conns) {
        if (link) link.close();
        else socket.destroy();
      }
    }),
  };
}

export interface ConnectOptions {
  host: string;
  port: number;
  /** The role that must be listening there (checked against its certificate). */
  expectedPeer: string;
  identity: TlsIdentity;
  planId: string;
  maxFrameBytes: number;
  /** How long a refused or unreachable peer is retried; default 10000. */
  connectTimeoutMs?: number;
}

/** A connection failure that waiting will not fix. */
class Refused extends Error {}

/** Dials `expectedPeer`, retrying while it is not listening, until connectTimeoutMs. */
export async function connectTls(o: ConnectOptions): Promise<Link> {
  const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const where = `${o.expectedPeer} at ${o.host}:${o.port}`;
  let delay = 50;
  for (;;) {
    let last: unknown;
    try {
      return await attempt(o, deadline);
    } catch (e) {
      if (e instanceof TfeError) throw e;
      if (e instanceof Refused) throw new TfeError('E_TRANSPORT', e.message, CERT_HINT);
      last = e;
      const code = errCode(e);
      if (!RETRYABLE.has(code)) throw new TfeError('E_TRANSPORT', `cannot connect to ${where}: ${code}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new TfeError('E_TRANSPORT', `cannot reach ${o.expectedPeer} at ${o.host}:${o.port} within ${seconds(timeoutMs)}: ${errCode(last)}`,
        `start ${o.expectedPeer} first, or check its address in deployment.json and that the port is open`);
    }
    await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    delay = Math.min(delay * 2, 1000);
  }
}

function attempt(o: ConnectOptions, deadline: number): Promise<Link> {
  const id = o.identity;
  const address = `${o.host}:${o.port}`;
  return new Promise<Link>((resolve, reject) => {
    const socket = tls.connect({
      host: o.host,
      port: o.port,
      ca: [id.ca],
      cert: id.cert,
      key: id.key,
      minVersion: 'TLSv1.3',
      rejectUnauthorized: true,
      checkServerIdentity: (_host, cert) => {
        let role: string;
        try {
          role = roleOfCertificate(cert.raw);
        } catch (e) {
          return new Refused(`refused ${address}: ${(e as Error).message}`);
        }
        if (role !== o.expectedPeer) return new Refused(`refused ${address}: expected ${o.expectedPeer} there, but its certificate is for role '${role}'`);
        return undefined;
      },
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, Math.max(1, deadline - Date.now()));
    const onError = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (e instanceof Refused) return reject(e);
      const code = errCode(e);
      if (RETRYABLE.has(code)) return reject(e);
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|SIGNATURE/.test(code)) {
        return reject(new Refused(`refused ${o.expectedPeer} at ${address}: its certificate does not chain to the deployment CA (${code})`));
      }
      reject(e);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      const link = new TlsLink(socket, o.expectedPeer, address, { role: id.role, planId: o.planId }, o.maxFrameBytes, Math.max(1000, deadline - Date.now()));
      link.ready.then(() => resolve(link), reject);
    });
  });
}
