/**
 * Every Pond kernel over TCP + mutual TLS 1.3 on 127.0.0.1 (the deployment's
 * transport: certificates from runtime/deploy/certs.ts, frames, session tags, the
 * dealer's material channel) gives, once shared inputs are reconstructed, the result
 * it gives over in-memory links: both equal the plaintext reference protocol within
 * the case's stated tolerance, on the same inputs (one run per case, small shapes),
 * and the rounds and bytes measured over TLS equal the declared cost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCa, makeRoleCertificate } from '../../runtime/deploy/certs.js';
import { LOCKSTEP_ROLES, LockstepParties } from '../../runtime/party/lockstep.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import type { Link } from '../../runtime/transport/link.js';
import { connectTls, listenTls, type TlsIdentity } from '../../runtime/transport/tls.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES } from './cases.js';
import { compare, refRun } from './reference-check.js';

const PLAN = 'conformance-over-tls';
const MAX_FRAME = 1 << 24;

/** TLS link pairs between the lockstep roles: b listens on an ephemeral port, a dials it. */
async function tlsLinks(): Promise<{ links: (a: string, b: string) => Promise<[Link, Link]>; close(): Promise<void> }> {
  const ca = await makeCa('conformance CA');
  const ids = new Map<string, TlsIdentity>();
  for (const role of LOCKSTEP_ROLES) {
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

describe('pond kernels over mutual TLS equal the same kernels over memory', () => {
  const ring = testBackend();
  let tls: LockstepParties;
  let mem: LockstepParties;
  let net: Awaited<ReturnType<typeof tlsLinks>>;
  before(async () => {
    net = await tlsLinks();
    tls = await LockstepParties.create({ ring, links: net.links });
    mem = await LockstepParties.create({ ring });
  });
  after(async () => {
    tls.close();
    mem.close();
    await net.close();
  });

  for (const c of CASES) {
    test(`${c.kernel}: ${c.label}`, async () => {
      const inputs = c.inputs();
      const want = await refRun(c, inputs);
      for (const [name, dep] of [['tls', tls], ['memory', mem]] as const) {
        const shared = await shareInputs(dep, inputs);
        const { outputs, stats } = await runKernel(dep, pond.get(c.kernel), shared, c.attrs);
        const got = await revealToClient(dep, outputs);
        assert.equal(got.length, want.length, name);
        got.forEach((g, i) => compare(c, g, want[i]));
        const declared = pond.get(c.kernel).cost(inputs.map((x) => x.value.shape), c.attrs, { warm: true });
        assert.equal(stats.rounds, declared.rounds, `${name}: rounds`);
        assert.equal(stats.dealerBytes, declared.dealerBytes, `${name}: dealer bytes`);
      }
    });
  }
});
