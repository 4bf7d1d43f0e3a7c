/**
 * HPKE key files and signed key statements (runtime/deploy/init.ts, runtime/serve/identity.ts,
 * runtime/serve/keys.ts): `tfe deploy init` writes a 0600 X25519 key for each shareholder
 * only (pond and securenn); a statement signed at start verifies with node:crypto's own
 * ECDSA (independently of keys.ts) and through verifyServerKeys, which returns exactly
 * the keys in the files; and every way a leader or a stale deployment could mislead the
 * client is E_TRUST naming the role and the reason: another CA, another role's
 * certificate, a swapped public key, another plan id, an expired certificate, a missing
 * role, a CA pin that does not match; without a CA only a loopback URL is accepted, with
 * a warning.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeCa, makeRoleCertificate } from '../../runtime/deploy/certs.js';
import { readDeployment, roleOf, type LoadedDeployment } from '../../runtime/deploy/config.js';
import { initDeployment, initRole } from '../../runtime/deploy/init.js';
import type { SignedKeyStatement } from '../../runtime/party/served-types.js';
import { nodePrivateKeyFromPem } from '../../runtime/serve/hpke-node.js';
import { loadServeIdentity, signKeyStatement } from '../../runtime/serve/identity.js';
import { certificateSha256, isLoopbackUrl, UNAUTHENTICATED_WARNING, verifyServerKeys } from '../../runtime/serve/keys.js';
import type { ModelMetadata } from '../../runtime/serve/oip.js';
import { main } from '../../src/cli.js';
import { TfeError } from '../../src/errors.js';
import { REPO_ROOT } from '../support/paths.js';

let root: string;
let planDir: string;
let snPlanDir: string;
let dep: LoadedDeployment;
let planId: string;

async function compile(out: string, ...extra: string[]): Promise<void> {
  let err = '';
  const code = await main(['compile', join(REPO_ROOT, 'models', 'zoo', 'A', 'model.json'), '-o', out, ...extra], { out: () => undefined, err: (s) => { err += s; } });
  assert.equal(code, 0, err);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'tfe-keys-'));
  planDir = join(root, 'plan');
  snPlanDir = join(root, 'plan-securenn');
  await compile(planDir);
  await compile(snPlanDir, '--protocol', 'securenn');
  await initDeployment({ dir: join(root, 'dep'), planDir, hosts: [] });
  dep = readDeployment(join(root, 'dep', 'deployment.json'));
  planId = dep.planId;
});

after(() => rmSync(root, { recursive: true, force: true }));

const URL_REMOTE = 'http://10.1.2.3:8080/v2/models/A';
const URL_LOCAL = 'http://127.0.0.1:8080/v2/models/A';

function metadata(keys: readonly SignedKeyStatement[], id = planId, holders = ['server0', 'server1']): ModelMetadata {
  return {
    name: 'A', versions: [id.slice(0, 12)], platform: 'tfe-pond',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 784] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 10] }],
    parameters: { tfe: {
      version: 1, plan_id: id, protocol: 'pond', max_rows: 8,
      bindings: { inputs: [{ name: 'x', shape: [-1, 784], dtype: 'float32', scale: 16, range: [0, 1] }], outputs: [{ name: 'y', shape: [-1, 10], scale: 16, postprocess: 'none', kind: 'logits' }] },
      shareholders: holders, keys: [...keys], allow_plaintext: false,
    } },
  };
}

async function refuses(p: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TfeError, String(e));
    assert.equal(e.code, 'E_TRUST');
    assert.match(e.message, reason);
    return true;
  });
}

const identities = (): SignedKeyStatement[] => ['server0', 'server1'].map((r) => loadServeIdentity(roleOf(dep, r), planId).statement);
const caPem = (): string => readFileSync(dep.ca, 'utf8');

test('deploy init writes a 0600 X25519 key for each shareholder only (pond: server0, server1; securenn: not server2), also with --role', async () => {
  const files = readdirSync(join(root, 'dep')).filter((f) => f.endsWith('.hpke.key')).sort();
  assert.deepEqual(files, ['server0.hpke.key', 'server1.hpke.key']);
  for (const f of files) {
    const path = join(root, 'dep', f);
    assert.equal(statSync(path).mode & 0o777, 0o600, f);
    assert.equal(createPrivateKey(readFileSync(path, 'utf8')).asymmetricKeyType, 'x25519');
  }
  assert.deepEqual(dep.roles.map((r) => [r.name, r.hpkeKey !== undefined]), dep.roles.map((r) => [r.name, r.name === 'server0' || r.name === 'server1']));
  // two keys are different keys
  const [a, b] = files.map((f) => nodePrivateKeyFromPem(readFileSync(join(root, 'dep', f), 'utf8'), f).publicRaw);
  assert.notDeepEqual(a, b);

  await initDeployment({ dir: join(root, 'sn'), planDir: snPlanDir, hosts: [] });
  assert.deepEqual(readdirSync(join(root, 'sn')).filter((f) => f.endsWith('.hpke.key')).sort(), ['server0.hpke.key', 'server1.hpke.key']);
  const sn = readDeployment(join(root, 'sn', 'deployment.json'));
  assert.equal(roleOf(sn, 'server2').hpkeKey, undefined);

  const written = await initRole({ dir: join(root, 'org1'), planDir, role: 'server1' });
  assert.deepEqual(written.map((f) => f.slice(join(root, 'org1').length + 1)).sort(), ['server1.csr', 'server1.hpke.key', 'server1.key']);
  assert.equal(statSync(join(root, 'org1', 'server1.hpke.key')).mode & 0o777, 0o600);
  assert.deepEqual((await initRole({ dir: join(root, 'orgD'), planDir, role: 'dealer' })).length, 2, 'the dealer holds no shares: no HPKE key');
  // never overwritten
  await assert.rejects(initRole({ dir: join(root, 'org1'), planDir, role: 'server1' }), /already exists/);
});

test('a statement signed at start verifies with node:crypto and through verifyServerKeys, giving the keys in the files', async () => {
  const id = loadServeIdentity(roleOf(dep, 'server1'), planId);
  const cert = new X509Certificate(id.statement.cert);
  // independent check: node:crypto ECDSA over the statement bytes, P1363 signature
  assert.ok(verify('sha256', Buffer.from(id.statement.statement), { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(id.statement.signature, 'base64')));
  const fields = JSON.parse(id.statement.statement) as Record<string, unknown>;
  assert.deepEqual(Object.keys(fields), ['format', 'notAfter', 'planId', 'publicKey', 'role', 'suite', 'version'], 'canonical JSON sorts keys');
  assert.deepEqual(fields.suite, { aead: 1, kdf: 1, kem: 32 });
  assert.equal(fields.notAfter, new Date(cert.validTo).toISOString());
  assert.equal(fields.planId, planId);
  const rawFromFile = createPublicKey(readFileSync(join(root, 'dep', 'server1.hpke.key'), 'utf8')).export({ format: 'jwk' }).x;
  assert.equal(fields.publicKey, rawFromFile);

  let warned = '';
  const keys = await verifyServerKeys(metadata(identities()), { caPem: caPem(), url: URL_REMOTE, onWarning: (w) => { warned = w; } });
  assert.equal(warned, '', 'no warning with a CA');
  assert.deepEqual([...keys.keys()], ['server0', 'server1']);
  assert.equal(Buffer.from(keys.get('server1') ?? []).toString('base64url'), rawFromFile);
  // the CA pinned by its SHA-256 (what the browser page does)
  const pin = new X509Certificate(caPem()).fingerprint256.replace(/:/g, '').toLowerCase();
  assert.equal(await certificateSha256(caPem()), pin);
  assert.equal((await verifyServerKeys(metadata(identities()), { caPem: caPem(), caSha256: pin, url: URL_REMOTE })).size, 2);
  await refuses(verifyServerKeys(metadata(identities()), { caPem: caPem(), caSha256: '0'.repeat(64), url: URL_REMOTE }), /has SHA-256 [0-9a-f]{64}, not the pinned 0{64}/);
});

test('verifyServerKeys refuses another CA, another role\'s certificate, a swapped key, another plan, an expired certificate and a missing role (E_TRUST)', async () => {
  const good = identities();
  // another CA: the deployment's statements checked against a foreign CA
  const otherCa = await makeCa('another CA');
  await refuses(verifyServerKeys(metadata(good), { caPem: otherCa.certPem, url: URL_REMOTE }), /certificate of server0 .* is not signed by the deployment CA 'CN=another CA'/);
  // a certificate of the right role from another CA, with a matching key statement
  const foreign = await makeRoleCertificate('server1', otherCa);
  const foreignStatement = signKeyStatement({ role: 'server1', planId, publicKey: new Uint8Array(32).fill(9), certPem: foreign.certPem, keyPem: foreign.keyPem });
  await refuses(verifyServerKeys(metadata([good[0], foreignStatement]), { caPem: caPem(), url: URL_REMOTE }), /certificate of server1 .* is not signed by the deployment CA/);
  // another role's certificate: the leader signs a key for server1 with its own certificate
  const leaderKey = readFileSync(roleOf(dep, 'server0').key, 'utf8');
  const leaderCert = readFileSync(roleOf(dep, 'server0').cert, 'utf8');
  const forged = signKeyStatement({ role: 'server1', planId, publicKey: new Uint8Array(32).fill(7), certPem: leaderCert, keyPem: leaderKey });
  await refuses(verifyServerKeys(metadata([good[0], forged]), { caPem: caPem(), url: URL_REMOTE }), /statement for server1 is signed with the certificate of role server0/);
  // a swapped public key in server1's genuine statement
  const fields = JSON.parse(good[1].statement) as Record<string, unknown>;
  const swapped = { ...good[1], statement: JSON.stringify({ ...fields, publicKey: Buffer.alloc(32, 7).toString('base64url') }) };
  await refuses(verifyServerKeys(metadata([good[0], swapped]), { caPem: caPem(), url: URL_REMOTE }), /signature of server1 does not verify under its certificate/);
  // another plan id: genuine statements for another plan
  await refuses(verifyServerKeys(metadata(good, 'f'.repeat(64)), { caPem: caPem(), url: URL_REMOTE }), new RegExp(`key of server0 is for plan ${planId}, but the model metadata names plan f{64}`));
  // an expired certificate (role certificates last 2 years; the CA 10)
  const later = new Date(Date.now() + 3 * 365 * 86_400_000);
  await refuses(verifyServerKeys(metadata(good), { caPem: caPem(), url: URL_REMOTE, now: later }), /certificate of server0 is not valid now .*expired/);
  // a missing role, a duplicate, a non-shareholder
  await refuses(verifyServerKeys(metadata([good[0]]), { caPem: caPem(), url: URL_REMOTE }), /no key for server1/);
  await refuses(verifyServerKeys(metadata([good[0], good[0]]), { caPem: caPem(), url: URL_REMOTE }), /two keys for server0/);
  const dealerCert = await makeRoleCertificate('dealer', { certPem: caPem(), keyPem: readFileSync(join(root, 'dep', 'ca.key'), 'utf8') });
  const dealer = signKeyStatement({ role: 'dealer', planId, publicKey: new Uint8Array(32).fill(1), certPem: dealerCert.certPem, keyPem: dealerCert.keyPem });
  await refuses(verifyServerKeys(metadata([...good, dealer]), { caPem: caPem(), url: URL_REMOTE }), /key for dealer, which is not a shareholder/);
  // a role certificate given as the CA
  await refuses(verifyServerKeys(metadata(good), { caPem: good[0].cert, url: URL_REMOTE }), /is not a CA/);
});

test('without a CA: a loopback URL is accepted with a warning; any other URL is refused', async () => {
  const warnings: string[] = [];
  const keys = await verifyServerKeys(metadata(identities()), { url: URL_LOCAL, onWarning: (w) => warnings.push(w) });
  assert.equal(keys.size, 2);
  assert.deepEqual(warnings, [UNAUTHENTICATED_WARNING]);
  assert.match(UNAUTHENTICATED_WARNING, /a leader could swap server1's key; give --ca ca\.pem/);
  await refuses(verifyServerKeys(metadata(identities()), { url: URL_REMOTE }), /no CA certificate to verify the server keys of http:\/\/10\.1\.2\.3:8080\/v2\/models\/A, which is not a loopback address/);
  for (const u of ['http://127.0.0.1:1/v2/models/A', 'http://127.9.8.7/x', 'http://localhost:80/v2', 'http://[::1]:8080/v2/models/A']) assert.ok(isLoopbackUrl(u), u);
  for (const u of ['http://10.0.0.1/', 'http://127.0.0.1.example.com/', 'http://[::2]/', 'http://localhost.evil.com/', 'not a url']) assert.ok(!isLoopbackUrl(u), u);
});

test('loadServeIdentity: a role without an HPKE key or with the wrong key file is a clear error', () => {
  const s0 = roleOf(dep, 'server0');
  assert.throws(() => loadServeIdentity({ ...s0, hpkeKey: undefined }, planId), (e: unknown) => e instanceof TfeError && e.code === 'E_ARG' && /no HPKE key \(hpkeKey\) for server0/.test(e.message));
  assert.throws(() => loadServeIdentity({ ...s0, hpkeKey: s0.key }, planId), (e: unknown) => e instanceof TfeError && e.code === 'E_FORMAT' && /expected an X25519 HPKE key/.test(e.message));
  assert.throws(() => loadServeIdentity({ ...s0, cert: roleOf(dep, 'server1').cert }, planId), (e: unknown) => e instanceof TfeError && e.code === 'E_TRUST' && /certificate of server1, not of server0/.test(e.message));
});
