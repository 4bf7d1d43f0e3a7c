/**
 * The deployment's certificates, made with @peculiar/x509 over WebCrypto (node:crypto
 * makes keys but not certificates). Keys are ECDSA P-256; a deployment has one CA
 * (self-signed, CA:true, keyCertSign) and one certificate per role, which names the
 * role as SAN URI `urn:tfe:role:NAME` and CN=NAME, is valid for both TLS client and
 * server use, and is signed by the CA. A role's key can stay with its organisation:
 * `roleRequest` makes a PKCS#10 request that `signRequest` turns into a certificate.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { TfeError } from '../../src/errors.js';
import { ROLE_URI_PREFIX } from './role.js';

export { roleOfCertificate } from './role.js';

type CryptoKey = webcrypto.CryptoKey;
const crypto = webcrypto;
x509.cryptoProvider.set(crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const ROLE_YEARS = 2;
/** id-ce-subjectAltName (RFC 5280 4.2.1.6). */
const SAN_OID = '2.5.29.17';

/** A key pair's private key as PKCS#8 PEM (what node:tls reads). */
export interface KeyAndCert {
  readonly keyPem: string;
  readonly certPem: string;
}

function yearsFrom(start: Date, years: number): Date {
  const d = new Date(start);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/** A random positive 128-bit serial number (RFC 5280 4.1.2.2: positive, at most 20 octets). */
function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return Buffer.from(b).toString('hex');
}

async function newKeys(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function keyPem(k: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', k), 'PRIVATE KEY');
}

/** Reads a PKCS#8 PEM private key (as written by this module) for signing. */
export async function importPrivateKey(pem: string, file: string): Promise<CryptoKey> {
  try {
    const der = x509.PemConverter.decodeFirst(pem);
    return await crypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
  } catch (e) {
    throw new TfeError('E_ARG', `${file} is not an ECDSA P-256 private key in PKCS#8 PEM: ${(e as Error).message}`, 'use a key written by `tfe deploy init`');
  }
}

function checkRoleName(role: string): void {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(role)) throw new TfeError('E_ARG', `'${role}' is not a role name (a lowercase letter, then up to 63 of a-z, 0-9, - and _)`);
}

/** A new deployment CA: self-signed, CA:true (path length 0), keyCertSign + cRLSign, valid 10 years. */
export async function makeCa(name = 'tfe deployment CA'): Promise<KeyAndCert> {
  const keys = await newKeys();
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [name] }],
    notBefore: now,
    notAfter: yearsFrom(now, CA_YEARS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { keyPem: await keyPem(keys.privateKey), certPem: cert.toString('pem') };
}

/** Issues the certificate of `role` for `publicKey`, signed by the CA. */
async function issue(role: string, publicKey: CryptoKey | x509.PublicKey, ca: { certPem: string; key: CryptoKey }): Promise<string> {
  checkRoleName(role);
  const caCert = new x509.X509Certificate(ca.certPem);
  const now = new Date();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [role] }],
    issuer: caCert.subject,
    notBefore: now,
    notAfter: yearsFrom(now, ROLE_YEARS),
    publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${ROLE_URI_PREFIX}${role}` }]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  // A CA key that is not the CA certificate's would give certificates nobody accepts.
  if (!(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }))) {
    throw new TfeError('E_ARG', 'the CA key does not match the CA certificate', 'use the ca.key written together with ca.pem');
  }
  return cert.toString('pem');
}

/** A new key and certificate for `role`, signed by the CA (`ca.keyPem` its key). */
export async function makeRoleCertificate(role: string, ca: KeyAndCert): Promise<KeyAndCert> {
  const keys = await newKeys();
  const caKey = await importPrivateKey(ca.keyPem, 'the CA key');
  return { keyPem: await keyPem(keys.privateKey), certPem: await issue(role, keys.publicKey, { certPem: ca.certPem, key: caKey }) };
}

/** A new key for `role` and a PKCS#10 request for its certificate (CN and SAN name the role). */
export async function makeRoleRequest(role: string): Promise<{ keyPem: string; csrPem: string }> {
  checkRoleName(role);
  const keys = await newKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [role] }],
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${ROLE_URI_PREFIX}${role}` }])],
  });
  return { keyPem: await keyPem(keys.privateKey), csrPem: csr.toString('pem') };
}

/** The role a certificate request asks for (its CN, which its SAN URI must agree with). */
export function roleOfRequest(csrPem: string, file: string): string {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (e) {
    throw new TfeError('E_ARG', `${file} is not a PKCS#10 certificate request: ${(e as Error).message}`, 'give the ROLE.csr written by `tfe deploy init --role ROLE`');
  }
  const cn = csr.subjectName.getField('CN');
  if (cn.length !== 1) throw new TfeError('E_ARG', `${file} names no single role (its subject is '${csr.subject}')`);
  const role = cn[0];
  const ext = csr.getExtension(SAN_OID);
  const san = ext ? new x509.SubjectAlternativeNameExtension(ext.rawData) : undefined;
  const uris = san ? san.names.items.filter((n) => n.type === 'url').map((n) => n.value) : [];
  if (uris.length > 0 && (uris.length !== 1 || uris[0] !== `${ROLE_URI_PREFIX}${role}`)) {
    throw new TfeError('E_ARG', `${file} asks for role '${role}' but its SAN says ${uris.join(', ')}`);
  }
  checkRoleName(role);
  return role;
}

/**
 * Signs a role's request with the CA: checks the request's own signature (the requester
 * holds the key) and that its role is one of `roles`, then issues a certificate whose
 * names and extensions are fixed here (nothing else is copied from the request).
 */
export async function signRequest(csrPem: string, file: string, roles: readonly string[], ca: KeyAndCert): Promise<{ role: string; certPem: string }> {
  const role = roleOfRequest(csrPem, file);
  if (!roles.includes(role)) {
    throw new TfeError('E_ARG', `${file} asks for role '${role}', which is not a role of this deployment (roles: ${roles.join(', ')})`);
  }
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  if (!(await csr.verify())) throw new TfeError('E_ARG', `${file} has a bad signature: it was not signed by the key it carries`);
  const caKey = await importPrivateKey(ca.keyPem, 'the CA key');
  return { role, certPem: await issue(role, csr.publicKey, { certPem: ca.certPem, key: caKey }) };
}

/** True when `certPem` is signed by the CA `caPem` (signature only; validity dates aside). */
export async function signedBy(certPem: string, caPem: string): Promise<boolean> {
  const ca = new x509.X509Certificate(caPem);
  return new x509.X509Certificate(certPem).verify({ publicKey: ca.publicKey, signatureOnly: true });
}
