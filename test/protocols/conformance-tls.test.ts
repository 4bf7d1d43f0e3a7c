/**
 * Every kernel of every protocol (Pond, securenn) over TCP + mutual TLS 1.3 on 127.0.0.1 (the deployment's
 * transport: certificates from runtime/deploy/certs.ts, frames, session tags, the
 * dealer's material channel) gives, once shared inputs are reconstructed, the result
 * it gives over in-memory links: both equal the plaintext reference protocol within
 * the case's stated tolerance, on the same inputs (one run per case, small shapes),
 * and the rounds, the bytes each party sends and the dealer bytes measured over TLS
 * equal the declared cost (securenn: the helper server2's material is its own bytes,
 * sent over its TLS links to server0 and server1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCa, makeRoleCertificate } from '../../runtime/deploy/certs.js';
import { LockstepParties, lockstepRoles } from '../../runtime/party/lockstep.js';
import { kernelsFor } from '../../runtime/protocols/index.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import type { Link } from '../../runtime/transport/link.js';
import { connectTls, listenTls, type TlsIdentity } from '../../runtime/transport/tls.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES } from './cases.js';
import { compare, refRun } from './reference-check.js';

const PLAN = 'conformance-over-tls';
const MAX_FRAME = 1 << 24;

/** TLS link pairs between the lockstep roles of `protocol`: b listens on an ephemeral port, a dials it. */
async function tlsLinks(protocol: string): Promise<{ links: (a: string, b: string) => Promise<[Link, Link]>; close(): Promise<void> }> {
  const ca = await makeCa('conformance CA');
  const ids = new Map<string, TlsIdentity>();
  for (const role of lockstepRoles(protocol)) {
    const c = await makeRoleCertificate(role, ca);
    ids.set(role, { role, ca: ca.certPem, cert: c.certPem, key: c.keyPem });
  }
  const listeners: { close(): Promise<void> }[] = [];
  return {
    async links(a, b) {
      let accepted: (l: Link) => void = () => undefined;
      const got = new Promise<Link>((res) => (accepted = res));
      const l = await listenTls({ host: '127.0.0.1', port: 0, identity: ids.get(b) as TlsIdentity, planId: PLAN, allowedPeers: [a], maxFrameBytes: MAX_FRAME, onLink: (x) => accepted(x), onError: (e) => assert.fail(e.message) });
      listeners.push(l);
      const la = await connectTls({ host: '127.0.0.1', port: l.port, expectedPeer: b, identity: ids.get(a) as TlsIdentity, planId: PLAN, maxFrameBytes: MAX_FRAME });
      return [la, await got];
    },
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}

for (const protocol of PROTOCOLS.keys()) {
  describe(`${protocol} kernels over mutual TLS equal the same kernels over memory`, () => {
    const ring = testBackend();
    const kernels = kernelsFor(protocol);
    let tls: LockstepParties;
    let mem: LockstepParties;
    let net: Awaited<ReturnType<typeof tlsLinks>>;
    before(async () => {
      net = await tlsLinks(protocol);
      tls = await LockstepParties.create({ ring, links: net.links, protocol });
      mem = await LockstepParties.create({ ring, protocol });
    });
    after(async () => {
      tls.close();
      mem.close();
      await net.close();
    });

    for (const c of CASES) {
      test(`${protocol}: ${c.kernel}: ${c.label}`, async () => {
        const inputs = c.inputs();
        const want = await refRun(c, inputs);
        const kernel = kernels.get(c.kernel);
        const declared = kernel.cost(inputs.map((x) => x.value.shape), c.attrs, { warm: true });
        for (const [name, dep] of [['tls', tls], ['memory', mem]] as const) {
          const shared = await shareInputs(dep, inputs);
          const { outputs, stats } = await runKernel(dep, kernel, shared, c.attrs);
          const got = await revealToClient(dep, outputs);
          assert.equal(got.length, want.length, name);
          got.forEach((g, i) => compare(c, g, want[i]));
          assert.equal(stats.rounds, declared.rounds, `${name}: rounds`);
          for (const r of new Set([...Object.keys(stats.bytes), ...Object.keys(declared.bytes)])) {
            assert.equal(stats.bytes[r] ?? 0, declared.bytes[r] ?? 0, `${name}: bytes sent by ${r}`);
          }
          assert.equal(stats.dealerBytes, declared.dealerBytes, `${name}: dealer bytes`);
        }
      });
    }
  });
}
