/**
 * `tfe deploy` through the executable's main(): init writes every file, keys are 0600,
 * every role's certificate chains to the CA (checked with node:crypto, independently of
 * the library that made it) and names its role, and the written deployment works for a
 * TLS link; the split flow (init --ca-only, init --role, sign) gives working
 * certificates without any key leaving its folder; bad --host, unknown roles, foreign
 * requests, overwrites and bad deployment files are clear errors.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeRoleRequest, roleOfCertificate } from '../../runtime/deploy/certs.js';
import { checkPlanMatches, identityOf, readDeployment, type LoadedDeployment } from '../../runtime/deploy/config.js';
import { readPlanFile } from '../../runtime/party/files.js';
import type { Link } from '../../runtime/transport/link.js';
import { connectTls, listenTls } from '../../runtime/transport/tls.js';
import { main } from '../../src/cli.js';
import { parseDeployment, splitAddress } from '../../src/deploy/config.js';
import { TfeError } from '../../src/errors.js';
import { REPO_ROOT } from '../support/paths.js';

async function tfe(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

let root: string;
let planDir: string;
const ROLES = ['server0', 'server1', 'dealer', 'client', 'model-owner'];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tfe-deploy-'));
  planDir = join(root, 'plan');
  const r = await tfe('compile', join(REPO_ROOT, 'models', 'zoo', 'A', 'model.json'), '-o', planDir);
  assert.equal(r.code, 0, r.err);
});

after(() => rmSync(root, { recursive: true, force: true }));

/** True when `cert` is signed by `ca` and names it as issuer (node:crypto's own checks). */
function chainsTo(certPem: string, caPem: string): boolean {
  const cert = new X509Certificate(certPem);
  const ca = new X509Certificate(caPem);
  return cert.checkIssued(ca) && cert.verify(ca.publicKey) && ca.ca && !cert.ca;
}

/** A TLS link from `dialer` to the listening `listener`, both with identities read from their deployments. */
async function link(listen: LoadedDeployment, listener: string, dial: LoadedDeployment, dialer: string): Promise<void> {
  const { port } = splitAddress(listen.roles.find((r) => r.name === listener)?.listen ?? '', 'test');
  const accepted: Link[] = [];
  const srv = await listenTls({ host: '127.0.0.1', port, identity: identityOf(listen, listener), planId: listen.planId, allowedPeers: [dialer], maxFrameBytes: 1024,
    onLink: (l) => accepted.push(l), onError: (e) => assert.fail(e.message) });
  try {
    const c = await connectTls({ host: '127.0.0.1', port, expectedPeer: listener, identity: identityOf(dial, dialer), planId: dial.planId, maxFrameBytes: 1024, connectTimeoutMs: 2000 });
    assert.equal(c.peer, listener);
    c.close();
  } finally {
    await srv.close();
  }
}

test('deploy init writes every file; keys are 0600; certificates chain to the CA and name their roles', async () => {
  const dir = join(root, 'all');
  const r = await tfe('deploy', 'init', dir, '--plan', planDir, '--host', 'server1=10.1.2.3:4001');
  assert.equal(r.code, 0, r.err);
  const expected = ['deployment.json', 'ca.pem', 'ca.key', ...ROLES.flatMap((x) => [`${x}.key`, `${x}.pem`]), 'server0.hpke.key', 'server1.hpke.key'];
  assert.deepEqual(readdirSync(dir).sort(), expected.sort());
  for (const f of expected.filter((x) => x.endsWith('.key'))) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  for (const role of ROLES) {
    const pem = readFileSync(join(dir, `${role}.pem`), 'utf8');
    assert.ok(chainsTo(pem, ca), `${role}.pem chains to ca.pem`);
    assert.equal(roleOfCertificate(pem), role);
    assert.equal(new X509Certificate(pem).subjectAltName, `URI:urn:tfe:role:${role}`);
  }
  const dep = readDeployment(join(dir, 'deployment.json'));
  const plan = readPlanFile(planDir);
  assert.equal(dep.planId, plan.planId);
  assert.equal(dep.plan, planDir);
  assert.deepEqual(dep.roles.map((x) => [x.name, x.kind, x.listen !== undefined]), plan.roles.map((x) => [x.name, x.kind, x.kind === 'compute' || x.kind === 'dealer']));
  assert.equal(dep.roles.find((x) => x.name === 'server1')?.listen, '10.1.2.3:4001');
  assert.match(dep.roles.find((x) => x.name === 'server0')?.listen ?? '', /^127\.0\.0\.1:\d+$/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'deployment.json'), 'utf8')).plan, '../plan', 'paths are relative to deployment.json');
  checkPlanMatches(dep, plan, 'plan.json');
  await link(dep, 'server0', dep, 'client');
  // Nothing is overwritten.
  const again = await tfe('deploy', 'init', dir, '--plan', planDir);
  assert.equal(again.code, 2);
  assert.match(again.err, /deployment\.json already exists; tfe never overwrites deployment files \[E_IO\]/);
});

test('the split flow: --ca-only, --role per organisation, sign; no key leaves its folder', async () => {
  const coord = join(root, 'coordinator');
  const org0 = join(root, 'org0');
  const orgC = join(root, 'orgC');
  const c = await tfe('deploy', 'init', coord, '--plan', planDir, '--ca-only');
  assert.equal(c.code, 0, c.err);
  assert.deepEqual(readdirSync(coord).sort(), ['ca.key', 'ca.pem', 'deployment.json']);
  for (const [dir, role] of [[org0, 'server0'], [orgC, 'client']]) {
    const r = await tfe('deploy', 'init', dir, '--plan', planDir, '--role', role);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(dir).sort(), role === 'server0' ? ['server0.csr', 'server0.hpke.key', 'server0.key'] : [`${role}.csr`, `${role}.key`]);
    assert.equal(statSync(join(dir, `${role}.key`)).mode & 0o777, 0o600);
    const s = await tfe('deploy', 'sign', join(dir, `${role}.csr`), '--deployment', join(coord, 'deployment.json'));
    assert.equal(s.code, 0, s.err);
    assert.match(s.out, new RegExp(`wrote .*${role}\\.pem \\(role ${role}\\)`));
    assert.ok(chainsTo(readFileSync(join(coord, `${role}.pem`), 'utf8'), readFileSync(join(coord, 'ca.pem'), 'utf8')));
    assert.equal(roleOfCertificate(readFileSync(join(coord, `${role}.pem`), 'utf8')), role);
    // The organisation gets back deployment.json, ca.pem and its certificate; its key never moved.
    for (const f of ['deployment.json', 'ca.pem', `${role}.pem`]) writeFileSync(join(dir, f), readFileSync(join(coord, f)));
  }
  assert.ok(!existsSync(join(coord, 'server0.key')) && !existsSync(join(coord, 'client.key')));
  const dep0 = readDeployment(join(org0, 'deployment.json'));
  const depC = readDeployment(join(orgC, 'deployment.json'));
  await link(dep0, 'server0', depC, 'client');

  // A request for a role the deployment does not have is refused.
  const mallory = await makeRoleRequest('mallory');
  writeFileSync(join(root, 'mallory.csr'), mallory.csrPem);
  const m = await tfe('deploy', 'sign', join(root, 'mallory.csr'), '--deployment', join(coord, 'deployment.json'));
  assert.equal(m.code, 2);
  assert.match(m.err, /asks for role 'mallory', which is not a role of this deployment \(roles: server0, server1, dealer, client, model-owner\) \[E_ARG\]/);
  // Signing needs ca.key beside the deployment.
  const s = await tfe('deploy', 'sign', join(org0, 'server0.csr'), '--deployment', join(org0, 'deployment.json'));
  assert.equal(s.code, 2);
  assert.match(s.err, /cannot read the CA key .*org0\/ca\.key: no such file \[E_IO\]/);
});

test('bad options and files are clear errors', async () => {
  const h = await tfe('deploy', 'init', join(root, 'x1'), '--plan', planDir, '--host', 'client=127.0.0.1:5000');
  assert.equal(h.code, 2);
  assert.match(h.err, /--host client=127\.0\.0\.1:5000: input role 'client' only dials out and listens nowhere \[E_ARG\]\nhint: --host applies to server0, server1, dealer/);
  const u = await tfe('deploy', 'init', join(root, 'x2'), '--plan', planDir, '--host', 'server9=127.0.0.1:5000');
  assert.match(u.err, /the plan has no role 'server9'/);
  const a = await tfe('deploy', 'init', join(root, 'x3'), '--plan', planDir, '--host', 'server0=127.0.0.1');
  assert.match(a.err, /'127\.0\.0\.1' is not HOST:PORT/);
  const r = await tfe('deploy', 'init', join(root, 'x4'), '--plan', planDir, '--role', 'nobody');
  assert.match(r.err, /--role nobody: the plan has no such role/);
  assert.ok(!existsSync(join(root, 'x1')) && !existsSync(join(root, 'x4')), 'nothing is written on an error');

  const dep = readDeployment(join(root, 'all', 'deployment.json'));
  assert.throws(() => identityOf(dep, 'eve'), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /no role 'eve' \(roles: server0/.test(e.message));
  assert.throws(() => identityOf({ ...dep, ca: join(root, 'missing.pem') }, 'client'), (e: unknown) => e instanceof TfeError && e.code === 'E_IO' && e.message.includes('missing.pem'));
  assert.throws(() => checkPlanMatches({ ...dep, planId: 'ffffffffffff' }, readPlanFile(planDir), 'plan.json'), /plan\.json is plan \w+, but the deployment was made for plan ffffffffffff/);

  const good = JSON.parse(readFileSync(join(root, 'all', 'deployment.json'), 'utf8'));
  const bad = (edit: (d: { roles: Array<Record<string, unknown>> }) => void): unknown => {
    const d = structuredClone(good);
    edit(d);
    return d;
  };
  assert.throws(() => parseDeployment(bad((d) => { d.roles[3].listen = '127.0.0.1:1'; }), 'd.json'), /d\.json fails the deployment schema at roles\.3\.listen: input role 'client' only dials out/);
  assert.throws(() => parseDeployment(bad((d) => { delete d.roles[0].listen; }), 'd.json'), /roles\.0\.listen: compute role 'server0' needs a listen address/);
  assert.throws(() => parseDeployment(bad((d) => { d.roles[2].listen = d.roles[0].listen; }), 'd.json'), /roles 'server0' and 'dealer' both listen on/);
  assert.throws(() => parseDeployment({ ...good, format: 'x' }, 'd.json'), /d\.json is not a tfe deployment/);
  assert.deepEqual(splitAddress('[::1]:4000', 'x'), { host: '::1', port: 4000 });
  assert.throws(() => splitAddress('h:70000', 'x'), /not HOST:PORT/);
});

test('deploy init on a securenn plan: certificates for server0, server1 and server2 (which listens), none for a dealer; --host names server2', async () => {
  const snPlan = join(root, 'plan-securenn');
  const c = await tfe('compile', join(REPO_ROOT, 'models', 'zoo', 'A', 'model.json'), '-o', snPlan, '--protocol', 'securenn');
  assert.equal(c.code, 0, c.err);
  const dir = join(root, 'securenn');
  const r = await tfe('deploy', 'init', dir, '--plan', snPlan, '--host', 'server2=10.1.2.4:4002');
  assert.equal(r.code, 0, r.err);
  const roles = ['server0', 'server1', 'server2', 'client', 'model-owner'];
  // securenn's server2 holds no input shares, so it gets no HPKE key
  assert.deepEqual(readdirSync(dir).sort(), ['deployment.json', 'ca.pem', 'ca.key', ...roles.flatMap((x) => [`${x}.key`, `${x}.pem`]), 'server0.hpke.key', 'server1.hpke.key'].sort());
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  for (const role of roles) assert.equal(roleOfCertificate(readFileSync(join(dir, `${role}.pem`), 'utf8')), role);
  assert.ok(chainsTo(readFileSync(join(dir, 'server2.pem'), 'utf8'), ca));
  const dep = readDeployment(join(dir, 'deployment.json'));
  const kinds = Object.fromEntries(dep.roles.map((x) => [x.name, `${x.kind}${x.listen !== undefined ? ' listens' : ''}`]));
  assert.deepEqual(kinds, { 'server0': 'compute listens', 'server1': 'compute listens', 'server2': 'compute listens', 'client': 'input', 'model-owner': 'input' });
  assert.equal(dep.roles.find((x) => x.name === 'server2')?.listen, '10.1.2.4:4002');
  // server2 accepts the servers' links, and a client's certificate works for server0 (its peer) as for Pond
  await link(dep, 'server0', dep, 'client');
  const h = await tfe('deploy', 'init', join(root, 'sn-x'), '--plan', snPlan, '--host', 'dealer=127.0.0.1:5000');
  assert.equal(h.code, 2);
  assert.match(h.err, /the plan has no role 'dealer'/);
});
