/**
 * Bounded queues (issue 11): a peer that floods a party with frames nobody consumes is
 * cut off at the router's byte caps, over in-memory links and over mutual TLS, with an
 * E_TRANSPORT naming the peer and the cap: frames buffered for a session this party
 * runs (maxBufferedBytes per inbox) and for sessions it does not run
 * (maxUnclaimedBytes per peer). The same volume consumed as it arrives passes. On the
 * sending side, a TLS send that leaves more than maxPendingBytes unsent ends the link
 * naming the peer and the cap, and `drained()` resolves once the socket has flushed; a
 * peer that never reads fails the session's wait at a step boundary after the receive
 * timeout, naming the peer and the step.
 * The caps derived from a plan (buffer-limits.ts) are 2 x its largest declared session
 * bytes + 64 MiB per inbox.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { compile } from '../../compiler/compile.js';
import { zooModelPath } from '../../models/index.js';
import { makeCa, makeRoleCertificate } from '../../runtime/deploy/certs.js';
import { bufferLimits, sessionBytes } from '../../runtime/transport/buffer-limits.js';
import type { Frame } from '../../runtime/transport/frame.js';
import type { Link } from '../../runtime/transport/link.js';
import { MemoryLink, memoryLinkPair } from '../../runtime/transport/memory-link.js';
import { Router } from '../../runtime/transport/router.js';
import { SessionEndpoint } from '../../runtime/transport/session.js';
import { connectTls, listenTls, type TlsIdentity } from '../../runtime/transport/tls.js';
import { TfeError } from '../../src/errors.js';
import { declaredCost } from '../../src/plan/index.js';

const CAP = 1 << 20;
const CHUNK = 64 * 1024;
const PLAN = 'plan-flood';

const data = (session: bigint, seq: number): Frame => ({ kind: 'data', session, step: 0, seq, clock: 0, payload: new Uint8Array(CHUNK) });

/** Resolves with the error the router reports when its link to `peer` ends. */
function dropped(r: Router, peer: string): Promise<TfeError | undefined> {
  return new Promise((resolve) => r.onLinkClosed((p, err) => {
    if (p === peer) resolve(err);
  }));
}

const names = (peer: string, cap: number, what: RegExp) => (err: TfeError | undefined): void => {
  assert.ok(err instanceof TfeError, String(err));
  assert.equal(err.code, 'E_TRANSPORT');
  assert.match(err.message, new RegExp(`^${peer} sent`));
  assert.match(err.message, new RegExp(`${cap}`));
  assert.match(err.message, what);
};

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('memory links: a flood of one session is cut at maxBufferedBytes; consumed frames pass', async () => {
  const receiver = new Router('server0', { maxBufferedBytes: CAP });
  const [mine, theirs] = memoryLinkPair('server0', 'client');
  receiver.addLink(mine);
  // the same volume (2 x the cap), taken as it arrives: no cap is reached
  const box = receiver.inbox('data', 1n, 'client');
  for (let i = 0; i < 32; i++) {
    theirs.send(data(1n, i));
    const f = await box.take(1000, () => new TfeError('E_TRANSPORT', 'timeout'));
    assert.equal(f.seq, i);
  }
  // session 2 is claimed but nothing takes its frames
  receiver.inbox('data', 2n, 'client');
  const err = dropped(receiver, 'client');
  for (let i = 0; i < 17; i++) theirs.send(data(2n, i));
  names('client', CAP, /of data 2 that server0 has not consumed, over the cap of 1048576 bytes buffered per session and peer/)(await err);
  assert.equal(receiver.hasLink('client'), false);
});

test('memory links: frames for sessions the party does not run are cut at maxUnclaimedBytes', async () => {
  const receiver = new Router('server1', { maxUnclaimedBytes: CAP });
  const [mine, theirs] = memoryLinkPair('server1', 'server0');
  receiver.addLink(mine);
  const err = dropped(receiver, 'server0');
  for (let i = 0; i < 17; i++) theirs.send(data(BigInt(100 + i), 0));
  names('server0', CAP, /the cap on unclaimed frames\) for sessions server1 does not run/)(await err);
});

let ids: Map<string, TlsIdentity>;
before(async () => {
  const ca = await makeCa();
  ids = new Map();
  for (const role of ['server0', 'client']) {
    const c = await makeRoleCertificate(role, ca);
    ids.set(role, { role, ca: ca.certPem, cert: c.certPem, key: c.keyPem });
  }
});

/** A client -> server0 TLS link pair on 127.0.0.1; `maxFrameBytes` on both ends. */
async function tlsPair(maxFrameBytes: number): Promise<{ client: Link; server: Link; close(): Promise<void> }> {
  let server: Link | undefined;
  let arrived: () => void = () => undefined;
  const got = new Promise<void>((r) => { arrived = r; });
  const l = await listenTls({
    host: '127.0.0.1', port: 0, identity: ids.get('server0') as TlsIdentity, planId: PLAN, allowedPeers: ['client'], maxFrameBytes,
    onLink: (link) => { server = link; arrived(); }, onError: () => undefined,
  });
  const client = await connectTls({ host: '127.0.0.1', port: l.port, expectedPeer: 'server0', identity: ids.get('client') as TlsIdentity, planId: PLAN, maxFrameBytes, connectTimeoutMs: 3000 });
  await got;
  return { client, server: server as Link, close: l.close };
}

test('TLS: a flooding client is cut at maxBufferedBytes, and its own link ends too', async () => {
  const p = await tlsPair(1 << 20);
  try {
    const receiver = new Router('server0', { maxBufferedBytes: CAP });
    receiver.addLink(p.server, 'client');
    receiver.inbox('data', 5n, 'client');
    const err = dropped(receiver, 'client');
    const clientEnd = new Promise<TfeError | undefined>((r) => p.client.onClose(r));
    for (let i = 0; i < 17; i++) p.client.send(data(5n, i));
    names('client', CAP, /of data 5 that server0 has not consumed/)(await err);
    await clientEnd;
    assert.throws(() => p.client.send(data(5n, 99)), /the link is closed/);
  } finally {
    await p.close();
  }
});

test('TLS: sends beyond maxPendingBytes end the link naming the peer; drained() waits for the flush', async () => {
  const p = await tlsPair(1 << 20);
  try {
    let received = 0;
    p.server.onFrame(() => { received++; });
    // 2 MiB sent at once stays under the default cap (4 x 1 MiB + 64 MiB) and drains
    for (let i = 0; i < 32; i++) p.client.send(data(1n, i));
    await p.client.drained?.();
    while (received < 32) await tick();
    // a cap of 1 MiB unsent: a burst of 4 MiB in one go crosses it
    (p.client as Link & { maxPendingBytes: number }).maxPendingBytes = CAP;
    const clientEnd = new Promise<TfeError | undefined>((r) => p.client.onClose(r));
    assert.throws(() => {
      for (let i = 0; i < 64; i++) p.client.send(data(2n, i));
    }, (e: unknown) => e instanceof TfeError && e.code === 'E_TRANSPORT' && /^the send buffer to server0 holds \d+ unsent bytes, over the cap of 1048576/.test(e.message));
    const e = await clientEnd;
    assert.match(String(e?.message), /send buffer to server0/);
    await p.client.drained?.(); // resolves on an ended link
  } finally {
    await p.close();
  }
});

test('caps derived from a plan: 2 x its largest declared session bytes + 64 MiB', async () => {
  const { plan } = await compile(zooModelPath('A'), { inputRange: [0, 1] });
  const c = declaredCost(plan, plan.steps, 1024);
  const s = sessionBytes(plan, 1024);
  assert.equal(s, Math.max(c.dealerBytes, ...Object.values(c.bytes)));
  const caps = bufferLimits(plan, 1024);
  assert.equal(caps.maxBufferedBytes, 2 * s + 64 * 2 ** 20);
  assert.equal(caps.maxUnclaimedBytes, 2 * caps.maxBufferedBytes + 512 * 2 ** 20);
});

/** A link whose sends never flush: the peer reads nothing. */
class StalledLink extends MemoryLink {
  drained(): Promise<void> {
    return new Promise<void>(() => undefined);
  }
}

test('a peer that reads nothing fails the wait at a step boundary after the receive timeout', async () => {
  const a = new StalledLink('server0', 'server1');
  const b = new MemoryLink('server1', 'server0');
  a.other = b;
  b.other = a;
  const r = new Router('server0', { receiveTimeoutMs: 100 });
  r.addLink(a);
  const ep = new SessionEndpoint(r, 'server0', 3n, ['server1']);
  ep.setStep(2, 'relu_s');
  await assert.rejects(ep.drained(), (e: unknown) => e instanceof TfeError && e.code === 'E_TRANSPORT' && /^server1 has not read what server0 sent within 0\.1 s at step 2 \(relu_s\)$/.test(e.message));
  ep.close();
});
