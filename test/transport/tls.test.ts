/**
 * Links over mutual TLS 1.3 on 127.0.0.1, with certificates made by runtime/deploy/
 * certs.ts: frames both ways with exact counters; a certificate from another CA is
 * refused and the right peer still connects afterwards; a certificate of the wrong
 * role at an address is refused (both directions); a plan id mismatch is refused with
 * both ids; the connect timeout names the peer; a peer that disconnects or sends an
 * oversized frame ends the other's link with an error naming it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as tls from 'node:tls';
import { before, test } from 'node:test';
import { makeCa, makeRoleCertificate, type KeyAndCert } from '../../runtime/deploy/certs.js';
import { encodeFrame, FRAME_HEADER_BYTES, type Frame } from '../../runtime/transport/frame.js';
import type { Link } from '../../runtime/transport/link.js';
import { connectTls, listenTls, type TlsIdentity } from '../../runtime/transport/tls.js';
import { TfeError } from '../../src/errors.js';

const PLAN = 'plan-aaaaaaaa';
const MAX = 1 << 16;
let ca: KeyAndCert;
const ids = new Map<string, TlsIdentity>();
let rogueServer: TlsIdentity; // 'server0' certified by another CA
let stranger: TlsIdentity; // 'client' certified by another CA (trusting the deployment's CA, which is public)

before(async () => {
  ca = await makeCa();
  for (const role of ['server0', 'server1', 'client']) {
    const c = await makeRoleCertificate(role, ca);
    ids.set(role, { role, ca: ca.certPem, cert: c.certPem, key: c.keyPem });
  }
  const other = await makeCa('another CA');
  const c = await makeRoleCertificate('client', other);
  stranger = { role: 'client', ca: ca.certPem, cert: c.certPem, key: c.keyPem };
  const r = await makeRoleCertificate('server0', other);
  rogueServer = { role: 'server0', ca: other.certPem, cert: r.certPem, key: r.keyPem };
});

const id = (role: string): TlsIdentity => ids.get(role) as TlsIdentity;

/** A server0 listener collecting its links and errors. */
async function listen(opts: { planId?: string; allowed?: string[]; role?: string } = {}) {
  const links: Link[] = [];
  const errors: TfeError[] = [];
  const waiters: Array<() => void> = [];
  const poke = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const l = await listenTls({
    host: '127.0.0.1', port: 0, identity: id(opts.role ?? 'server0'), planId: opts.planId ?? PLAN, allowedPeers: opts.allowed ?? ['server1', 'client'], maxFrameBytes: MAX,
    onLink: (link) => { links.push(link); poke(); },
    onError: (e) => { errors.push(e); poke(); },
  });
  const until = async (cond: () => boolean): Promise<void> => {
    while (!cond()) await new Promise<void>((r) => waiters.push(r));
  };
  return { ...l, links, errors, until };
}

const dial = (port: number, role: string, o: { expectedPeer?: string; planId?: string; identity?: TlsIdentity; timeout?: number } = {}) =>
  connectTls({ host: '127.0.0.1', port, expectedPeer: o.expectedPeer ?? 'server0', identity: o.identity ?? id(role), planId: o.planId ?? PLAN, maxFrameBytes: MAX, connectTimeoutMs: o.timeout ?? 3000 });

const closed = (l: Link): Promise<TfeError | undefined> => new Promise((r) => l.onClose(r));

function frames(l: Link, n: number): Promise<Frame[]> {
  const got: Frame[] = [];
  return new Promise((resolve) => l.onFrame((f) => {
    got.push(f);
    if (got.length === n) resolve(got);
  }));
}

const isTransport = (pattern: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof TfeError, String(e));
  assert.equal(e.code, 'E_TRANSPORT');
  assert.match(e.message, pattern);
  return true;
};

test('frames go both ways, in order, with exact counters, and close is orderly', async () => {
  const srv = await listen();
  try {
    const c = await dial(srv.port, 'client');
    await srv.until(() => srv.links.length === 1);
    const s = srv.links[0];
    assert.equal(c.peer, 'server0');
    assert.equal(s.peer, 'client');
    const big = new Uint8Array(40_000).map((_, i) => i % 251);
    const toServer = frames(s, 3);
    c.send({ kind: 'data', session: 7n, step: 1, seq: 0, clock: 3, payload: big });
    c.send({ kind: 'material', session: 7n, step: 2, seq: 1, clock: 0, payload: Uint8Array.of(1, 2, 3) });
    c.send({ kind: 'control', session: 8n, step: 0xffffffff, seq: 0, clock: 0, payload: new Uint8Array(0) });
    const got = await toServer;
    assert.deepEqual(got.map((f) => [f.kind, f.session, f.step, f.seq, f.clock, f.payload.byteLength]), [
      ['data', 7n, 1, 0, 3, 40_000], ['material', 7n, 2, 1, 0, 3], ['control', 8n, 0xffffffff, 0, 0, 0]]);
    assert.deepEqual(got[0].payload, big);
    for (const f of got) assert.equal(f.payload.byteOffset % 8, 0);
    const toClient = frames(c, 1);
    s.send({ kind: 'abort', session: 7n, step: 4, seq: 0, clock: 9, payload: Uint8Array.of(5) });
    assert.deepEqual([...(await toClient)[0].payload], [5]);
    assert.deepEqual(c.counters, { framesSent: 3, payloadBytesSent: 40_003, headerBytesSent: 3 * FRAME_HEADER_BYTES, framesReceived: 1, payloadBytesReceived: 1, headerBytesReceived: FRAME_HEADER_BYTES });
    assert.deepEqual(s.counters, { framesSent: 1, payloadBytesSent: 1, headerBytesSent: FRAME_HEADER_BYTES, framesReceived: 3, payloadBytesReceived: 40_003, headerBytesReceived: 3 * FRAME_HEADER_BYTES });
    const [ec, es] = [closed(c), closed(s)];
    c.close();
    assert.equal(await ec, undefined);
    assert.equal(await es, undefined, 'the peer sees an orderly close');
    assert.throws(() => c.send({ kind: 'data', session: 1n, step: 0, seq: 0, clock: 0, payload: new Uint8Array(0) }), /cannot send to server0: the link is closed/);
  } finally {
    await srv.close();
  }
});

test('a payload changed right after send arrives as it was sent (the link copies it; it used to send the changed bytes when the socket was busy)', async () => {
  const srv = await listen();
  try {
    const c = await dial(srv.port, 'client');
    await srv.until(() => srv.links.length === 1);
    const s = srv.links[0];
    // 200 frames of 60,000 bytes (12 MB) fill the socket's buffer, so most payloads wait in the write queue
    const sizes = Array.from({ length: 200 }, (_, k) => (k % 50 === 49 ? 8 : 60_000));
    const sent = sizes.map((n, k) => new Uint8Array(n).map((_, i) => (i * 7 + k) % 251));
    const want = sent.map((p) => p.slice());
    const got = frames(s, sizes.length);
    sent.forEach((payload, k) => {
      c.send({ kind: 'data', session: 1n, step: 0, seq: k, clock: 0, payload });
      payload.fill(0xee); // the kernel reuses its array at once
    });
    const received = await Promise.race([got, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('frames did not arrive within 20 s')), 20_000).unref())]);
    received.forEach((f, k) => assert.ok(Buffer.from(f.payload).equals(Buffer.from(want[k])), `frame ${k} changed in flight`));
    c.close();
  } finally {
    srv.close();
  }
});

test('a certificate from another CA is refused, and the right client still connects', async () => {
  const srv = await listen();
  try {
    await assert.rejects(dial(srv.port, 'client', { identity: stranger }), isTransport(/server0 at 127\.0\.0\.1:\d+/));
    await srv.until(() => srv.errors.length >= 1);
    assert.match(srv.errors[0].message, /^server0 refused a connection from 127\.0\.0\.1:\d+: its certificate does not chain to the deployment CA \(\w+\)$/);
    assert.equal(srv.links.length, 0);
    // A server certified by another CA is refused by the dialer.
    const rogue = await listenTls({ host: '127.0.0.1', port: 0, identity: rogueServer, planId: PLAN, allowedPeers: ['client'], maxFrameBytes: MAX, onLink: () => assert.fail('a link to a rogue server'), onError: () => undefined });
    await assert.rejects(dial(rogue.port, 'client'), isTransport(/its certificate does not chain to the deployment CA/));
    await rogue.close();
    const c = await dial(srv.port, 'client');
    await srv.until(() => srv.links.length === 1);
    assert.equal(srv.links[0].peer, 'client');
    c.close();
  } finally {
    await srv.close();
  }
});

test('a client without a certificate, or offering only TLS 1.2, is refused', async () => {
  const srv = await listen();
  try {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      const sock = tls.connect({ host: '127.0.0.1', port: srv.port, ca: [ca.certPem], checkServerIdentity: () => undefined, minVersion: version, maxVersion: version });
      sock.on('error', () => undefined);
      sock.resume();
      await new Promise((r) => sock.once('close', r));
    }
    await srv.until(() => srv.errors.length >= 2);
    assert.match(srv.errors[0].message, /^server0 refused a connection from 127\.0\.0\.1:\d+: it presented no certificate$/);
    assert.match(srv.errors[1].message, /^server0 refused a TLS connection from 127\.0\.0\.1:\d+: ERR_SSL_UNSUPPORTED_PROTOCOL \(unsupported protocol\)$/);
    assert.equal(srv.links.length, 0);
  } finally {
    await srv.close();
  }
});

test('a certificate of the wrong role is refused in both directions', async () => {
  const srv = await listen({ allowed: ['client'] });
  try {
    // server1's certificate is listening where the client expects server0? Here: dial expecting server1 at server0's address.
    await assert.rejects(dial(srv.port, 'client', { expectedPeer: 'server1' }), isTransport(/expected server1 there, but its certificate is for role 'server0'/));
    // server1 may not connect to a listener that allows only the client.
    await assert.rejects(dial(srv.port, 'server1'), isTransport(/server0 at 127\.0\.0\.1:\d+/));
    await srv.until(() => srv.errors.some((e) => /certificate is for role 'server1', which may not connect here/.test(e.message)));
    assert.equal(srv.links.length, 0);
  } finally {
    await srv.close();
  }
});

test('a plan id mismatch is refused on both ends with both ids', async () => {
  const srv = await listen({ planId: 'plan-bbbbbbbb' });
  try {
    await assert.rejects(dial(srv.port, 'client'), isTransport(/refused server0 at 127\.0\.0\.1:\d+: it runs plan plan-bbbbbbbb, client runs plan plan-aaaaaaaa/));
    await srv.until(() => srv.errors.length >= 1);
    assert.match(srv.errors[0].message, /refused client at 127\.0\.0\.1:\d+: it runs plan plan-aaaaaaaa, server0 runs plan plan-bbbbbbbb/);
    assert.equal(srv.links.length, 0);
  } finally {
    await srv.close();
  }
});

test('a peer that is not listening is retried, then named in the timeout error', async () => {
  // A port that nobody listens on: take a free one and release it.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const t0 = Date.now();
  await assert.rejects(dial(port, 'client', { expectedPeer: 'server1', timeout: 300 }),
    isTransport(new RegExp(`^cannot reach server1 at 127\\.0\\.0\\.1:${port} within 0\\.3 s: ECONNREFUSED$`)));
  assert.ok(Date.now() - t0 >= 290, 'it kept retrying until the timeout');
  // A peer that starts listening within the timeout is reached.
  const late = dial(port, 'client', { timeout: 5000 });
  await new Promise((r) => setTimeout(r, 200));
  const srv = await listenTls({ host: '127.0.0.1', port, identity: id('server0'), planId: PLAN, allowedPeers: ['client'], maxFrameBytes: MAX, onLink: (l) => l.close(), onError: () => undefined });
  try {
    const c = await late;
    assert.equal(c.peer, 'server0');
    assert.equal(await closed(c), undefined);
  } finally {
    await srv.close();
  }
});

test('a peer that disconnects ends the link with an error naming it', async () => {
  const srv = await listen();
  try {
    const c = await dial(srv.port, 'client');
    await srv.until(() => srv.links.length === 1);
    const ended = closed(c);
    // The server's process is gone: its socket ends without a goodbye (listener close() would be orderly).
    (srv.links[0] as unknown as { socket: { destroy(): void } }).socket.destroy();
    const err = await ended;
    assert.ok(err instanceof TfeError && err.code === 'E_TRANSPORT', String(err));
    assert.match(err.message, /^(server0 closed the connection|connection to server0 lost: \w+)$/);
  } finally {
    await srv.close();
  }
});

test('an oversized frame ends the link naming the peer', async () => {
  const srv = await listen();
  try {
    const c = await dial(srv.port, 'client');
    await srv.until(() => srv.links.length === 1);
    const s = srv.links[0];
    s.maxFrameBytes = 24 + 100;
    const [es, ec] = [closed(s), closed(c)];
    c.send({ kind: 'data', session: 1n, step: 0, seq: 0, clock: 0, payload: new Uint8Array(101) });
    const err = await es;
    assert.equal(err?.message, 'oversized frame from client: 125 bytes, limit 124');
    assert.ok((await ec) instanceof TfeError, 'the sender sees the link end too');
  } finally {
    await srv.close();
  }
});

/** A hand-driven TLS client with the client's certificate, writing raw bytes. */
async function rawClient(port: number): Promise<tls.TLSSocket> {
  const c = id('client');
  const sock = tls.connect({ host: '127.0.0.1', port, ca: [c.ca], cert: c.cert, key: c.key, minVersion: 'TLSv1.3', checkServerIdentity: () => undefined });
  sock.on('error', () => undefined);
  sock.resume();
  await new Promise((r) => sock.once('secureConnect', r));
  return sock;
}

const hello = (role: string, planId = PLAN): Uint8Array[] =>
  encodeFrame({ kind: 'hello', session: 0n, step: 0xffffffff, seq: 0, clock: 0, payload: new TextEncoder().encode(JSON.stringify({ role, planId, version: 1 })) });

test('a hello whose role is not the certificate\'s is refused; a malformed frame ends the link naming the peer', async () => {
  const srv = await listen();
  try {
    const liar = await rawClient(srv.port);
    for (const b of hello('server1')) liar.write(b);
    await srv.until(() => srv.errors.length >= 1);
    assert.match(srv.errors[0].message, /^refused client at 127\.0\.0\.1:\d+: its hello says role 'server1' but its certificate is for 'client'$/);
    assert.equal(srv.links.length, 0);
    liar.destroy();

    const garbler = await rawClient(srv.port);
    for (const b of hello('client')) garbler.write(b);
    await srv.until(() => srv.links.length === 1);
    const ended = closed(srv.links[0]);
    const bad = encodeFrame({ kind: 'data', session: 1n, step: 0, seq: 0, clock: 0, payload: new Uint8Array(3) });
    bad[0][4] = 9; // version 9
    for (const b of bad) garbler.write(b);
    const err = await ended;
    assert.equal(err?.message, 'malformed frame from client: version 9, expected 1');
    garbler.destroy();
  } finally {
    await srv.close();
  }
});
