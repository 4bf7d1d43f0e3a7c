/**
 * The shareholders' HPKE public keys as the client trusts them (issue 14, design note
 * notes/serve-design.md section 2.2). Each shareholder signs, at process start and with
 * its TLS certificate's key, a statement binding its X25519 HPKE public key to its role
 * and the plan id; the leader publishes every statement with its certificate in the model
 * metadata. A client verifies each against the deployment CA, so the leader (which relays
 * everything) cannot substitute its own key for server1's and read server1's share.
 *
 * Statement: the RFC 8785 canonical JSON of
 *   {"format":"tfe-hpke-key","version":1,"role":R,"planId":P,"suite":{"kem":32,"kdf":1,"aead":1},
 *    "publicKey":base64url(32 bytes),"notAfter":ISO-8601 (the certificate's notAfter)}
 * signed with ECDSA P-256 / SHA-256 in IEEE P1363 form (r ‖ s, 64 bytes: what WebCrypto's
 * `verify` takes as is; the deployment's TLS keys are P-256, runtime/deploy/certs.ts).
 * The suite ids are RFC 9180's: DHKEM(X25519, HKDF-SHA256) 0x0020, HKDF-SHA256 0x0001,
 * AES-128-GCM 0x0001.
 *
 * This module runs in Node and in browsers (no node: import): WebCrypto (globalThis.crypto)
 * and @peculiar/x509 for the certificates. Every failure is E_TRUST naming the role and
 * the reason.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import canonicalizeModule from 'canonicalize';
import { TfeError } from '../../src/errors.js';
import { fromBase64 } from './oip.js';
import type { ModelMetadata } from './oip.js';

/** A signed key statement as the metadata carries it (runtime/party/served-types.ts SignedKeyStatement, structurally). */
type SignedKeyStatement = ModelMetadata['parameters']['tfe']['keys'][number];

export const KEY_STATEMENT_FORMAT = 'tfe-hpke-key';
export const KEY_STATEMENT_VERSION = 1;
/** RFC 9180 ids of the envelope suite (envelope.ts). */
export const HPKE_SUITE = { kem: 0x0020, kdf: 0x0001, aead: 0x0001 } as const;
/** The SAN URI prefix that names a role in a tfe certificate (runtime/deploy/role.ts). */
const ROLE_URI_PREFIX = 'urn:tfe:role:';
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The fields of a key statement. */
export interface KeyStatementFields {
  readonly format: typeof KEY_STATEMENT_FORMAT;
  readonly version: typeof KEY_STATEMENT_VERSION;
  readonly role: string;
  readonly planId: string;
  readonly suite: { readonly kem: number; readonly kdf: number; readonly aead: number };
  /** base64url (no padding) of the raw 32-byte X25519 public key. */
  readonly publicKey: string;
  /** ISO 8601: the signing certificate's notAfter (the statement is worth no more than the certificate). */
  readonly notAfter: string;
}

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** The text that is signed: the canonical JSON of the statement's fields. */
export function keyStatementText(f: Omit<KeyStatementFields, 'format' | 'version' | 'suite'>): string {
  const full: KeyStatementFields = { format: KEY_STATEMENT_FORMAT, version: KEY_STATEMENT_VERSION, role: f.role, planId: f.planId, suite: { ...HPKE_SUITE }, publicKey: f.publicKey, notAfter: f.notAfter };
  const text = canonicalize(full);
  if (text === undefined) throw new TfeError('E_ARG', 'the HPKE key statement cannot be canonicalized');
  return text;
}

/** base64url without padding (RFC 4648 section 5), in Node and browsers. */
export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  try {
    return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  } catch {
    return undefined;
  }
}

/** What verifyServerKeys needs besides the metadata. */
export interface VerifyOptions {
  /** The deployment CA certificate (PEM): the only trust anchor. */
  readonly caPem?: string;
  /** Hex SHA-256 of the CA certificate's DER: `caPem` (fetched from the server) must match it. */
  readonly caSha256?: string;
  /** The model URL the metadata came from (without a CA, only a loopback URL is accepted). */
  readonly url: string;
  /** Called with a one-line warning when keys are accepted without a CA (loopback only). */
  readonly onWarning?: (message: string) => void;
  /** The time to check validity at (default: now). */
  readonly now?: Date;
}

/** The warning given when keys are accepted unauthenticated (loopback, no CA). */
export const UNAUTHENTICATED_WARNING = "server keys are unauthenticated: a leader could swap server1's key; give --ca ca.pem";

/** True for a loopback host: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function trust(message: string, hint?: string): TfeError {
  return new TfeError('E_TRUST', message, hint);
}

const hex = (b: ArrayBuffer): string => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

/** Hex SHA-256 of a PEM certificate's DER (the pin a page carries for its CA). */
export async function certificateSha256(pem: string): Promise<string> {
  let der: ArrayBuffer;
  try {
    der = x509.PemConverter.decodeFirst(pem);
  } catch (e) {
    throw trust(`the CA certificate is not PEM (${errorText(e)})`);
  }
  return hex(await globalThis.crypto.subtle.digest('SHA-256', der));
}

/** E_TRUST unless the CA certificate's SHA-256 (of its DER) is the pin. */
export async function checkCaPin(caPem: string, caSha256: string): Promise<void> {
  const pin = caSha256.toLowerCase().replace(/:/g, '');
  if (!/^[0-9a-f]{64}$/.test(pin)) throw trust(`the CA pin '${caSha256}' is not a hex SHA-256 (64 hex digits)`);
  const got = await certificateSha256(caPem);
  if (got !== pin) throw trust(`the CA certificate the server gave has SHA-256 ${got}, not the pinned ${pin}`, 'the server is not the deployment this page was built for');
}

/** The CA: parsed, a CA by its basic constraints, within its validity. */
function readCa(caPem: string, now: Date): x509.X509Certificate {
  let ca: x509.X509Certificate;
  try {
    ca = new x509.X509Certificate(caPem);
  } catch (e) {
    throw trust(`the CA certificate is not a readable X.509 certificate (${errorText(e)})`, 'give the ca.pem written by tfe deploy init');
  }
  const bc = ca.getExtension(x509.BasicConstraintsExtension);
  if (!bc || !bc.ca) throw trust(`the CA certificate '${ca.subject}' is not a CA (no basicConstraints CA:true)`, 'give the ca.pem written by tfe deploy init, not a role certificate');
  if (now < ca.notBefore || now > ca.notAfter) throw trust(`the CA certificate '${ca.subject}' is not valid now (valid ${ca.notBefore.toISOString()} to ${ca.notAfter.toISOString()})`);
  return ca;
}

/** The role a certificate names by its SAN URI, which its CN must repeat (as runtime/deploy/role.ts requires). */
function roleOfCert(cert: x509.X509Certificate): string | undefined {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const uris = san ? san.names.items.filter((n) => n.type === 'url' && n.value.startsWith(ROLE_URI_PREFIX)).map((n) => n.value.slice(ROLE_URI_PREFIX.length)) : [];
  if (uris.length !== 1) return undefined;
  const cn = cert.subjectName.getField('CN');
  return cn.length === 1 && cn[0] === uris[0] ? uris[0] : undefined;
}

/** The statement's fields, checked for shape and canonical form. */
function parseStatement(text: string, role: string): KeyStatementFields {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw trust(`the key statement of ${role} is not JSON`);
  }
  if (canonicalize(o) !== text) throw trust(`the key statement of ${role} is not in canonical (RFC 8785) form`);
  const f = o as Partial<Record<keyof KeyStatementFields, unknown>>;
  if (f.format !== KEY_STATEMENT_FORMAT || f.version !== KEY_STATEMENT_VERSION) {
    throw trust(`the key statement of ${role} is not a ${KEY_STATEMENT_FORMAT} version ${KEY_STATEMENT_VERSION} statement`);
  }
  if (typeof f.role !== 'string' || typeof f.planId !== 'string' || typeof f.publicKey !== 'string' || typeof f.notAfter !== 'string' || typeof f.suite !== 'object' || f.suite === null) {
    throw trust(`the key statement of ${role} lacks role, planId, suite, publicKey or notAfter`);
  }
  return f as KeyStatementFields;
}

async function verifyOne(k: SignedKeyStatement, planId: string, ca: x509.X509Certificate | undefined, now: Date): Promise<Uint8Array> {
  const role = k.role;
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(k.cert);
  } catch (e) {
    throw trust(`the certificate of ${role} is not a readable X.509 certificate (${errorText(e)})`);
  }
  if (ca) {
    let signed = false;
    try {
      signed = cert.issuer === ca.subject && (await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }));
    } catch {
      signed = false;
    }
    if (!signed) throw trust(`the certificate of ${role} ('${cert.subject}') is not signed by the deployment CA '${ca.subject}'`, 'give the ca.pem of this deployment (--ca); a certificate from another CA is refused');
  }
  if (now < cert.notBefore || now > cert.notAfter) {
    throw trust(`the certificate of ${role} is not valid now (valid ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}): expired or not yet valid`, 'renew the role certificate (tfe deploy init / tfe deploy sign) and restart the server');
  }
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (bc?.ca) throw trust(`the certificate of ${role} is a CA certificate, not a role certificate`);
  const certRole = roleOfCert(cert);
  if (certRole !== role) throw trust(`the key statement for ${role} is signed with the certificate of ${certRole === undefined ? 'no tfe role' : `role ${certRole}`}`, "each server signs its own key with its own certificate: the leader may have swapped another server's key");
  const f = parseStatement(k.statement, role);
  if (f.role !== role) throw trust(`the key statement listed under ${role} is for role ${f.role}`);
  let signature: Uint8Array;
  try {
    signature = fromBase64(k.signature);
  } catch {
    throw trust(`the key statement signature of ${role} is not base64`);
  }
  let ok = false;
  try {
    const key = await cert.publicKey.export(ECDSA, ['verify']);
    ok = await globalThis.crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(signature), new TextEncoder().encode(k.statement));
  } catch (e) {
    throw trust(`the key statement signature of ${role} cannot be checked (${errorText(e)}): its certificate key is not ECDSA P-256`);
  }
  if (!ok) throw trust(`the key statement signature of ${role} does not verify under its certificate: the statement (its public key or plan id) was altered`);
  if (f.planId !== planId) throw trust(`the key of ${role} is for plan ${f.planId}, but the model metadata names plan ${planId}`, 'the server runs another plan than it advertises; re-fetch the metadata or check the deployment');
  if (f.suite.kem !== HPKE_SUITE.kem || f.suite.kdf !== HPKE_SUITE.kdf || f.suite.aead !== HPKE_SUITE.aead) {
    throw trust(`the key of ${role} is for HPKE suite ${JSON.stringify(f.suite)}, not DHKEM(X25519)/HKDF-SHA256/AES-128-GCM ${JSON.stringify(HPKE_SUITE)}`);
  }
  const notAfter = new Date(f.notAfter);
  if (Number.isNaN(notAfter.getTime()) || now > notAfter) throw trust(`the key statement of ${role} expired (notAfter ${f.notAfter})`);
  const pub = fromBase64Url(f.publicKey);
  if (pub?.length !== 32) throw trust(`the key statement of ${role} carries no 32-byte X25519 public key`);
  return pub;
}

/**
 * The shareholders' raw X25519 public keys from the model metadata, each verified: its
 * certificate chains to the CA (signature, validity, the CA a CA), names the statement's
 * role, signs the statement, which names the metadata's plan id and the envelope suite;
 * the roles are exactly the metadata's shareholders. Without a CA (and without a pin) it
 * accepts self-consistent keys for a loopback URL only, calling `onWarning`; otherwise,
 * and on any failure, E_TRUST naming the role and the reason.
 */
export async function verifyServerKeys(meta: ModelMetadata, options: VerifyOptions): Promise<ReadonlyMap<string, Uint8Array>> {
  const t = meta.parameters.tfe;
  const now = options.now ?? new Date();
  if (options.caSha256 !== undefined) {
    if (options.caPem === undefined) throw trust('a CA pin was given but no CA certificate to check against it', 'fetch the CA certificate from GET /v2/models/NAME/ca.pem');
    await checkCaPin(options.caPem, options.caSha256);
  }
  let ca: x509.X509Certificate | undefined;
  if (options.caPem !== undefined) ca = readCa(options.caPem, now);
  else if (!isLoopbackUrl(options.url)) {
    throw trust(`no CA certificate to verify the server keys of ${options.url}, which is not a loopback address`, 'give the deployment CA with --ca ca.pem (caPem in the client): without it a leader could swap server1\'s key and read its share');
  }
  const seen = new Set<string>();
  for (const k of t.keys) {
    if (seen.has(k.role)) throw trust(`the metadata has two keys for ${k.role}`);
    seen.add(k.role);
    if (!t.shareholders.includes(k.role)) throw trust(`the metadata has a key for ${k.role}, which is not a shareholder (shareholders: ${t.shareholders.join(', ')})`);
  }
  const missing = t.shareholders.filter((r) => !seen.has(r));
  if (missing.length) throw trust(`the metadata has no key for ${missing.join(', ')} (shareholders: ${t.shareholders.join(', ')})`, 'the server is not ready yet (its helpers have not sent their keys); retry, or check GET /v2/health/ready');
  const out = new Map<string, Uint8Array>();
  for (const role of t.shareholders) {
    const k = t.keys.find((x) => x.role === role);
    if (k) out.set(role, await verifyOne(k, t.plan_id, ca, now));
  }
  if (!ca) options.onWarning?.(UNAUTHENTICATED_WARNING);
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
