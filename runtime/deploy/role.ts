/**
 * The role a certificate names. A tfe role certificate carries the role twice: as the
 * SAN URI `urn:tfe:role:NAME` (what is checked) and as its subject CN=NAME (what a
 * person reading it sees); both must agree. Parsed with node:crypto's X509Certificate,
 * so the TLS path does not load the certificate-making library.
 */
import { X509Certificate } from 'node:crypto';
import { TfeError } from '../../src/errors.js';

export const ROLE_URI_PREFIX = 'urn:tfe:role:';
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,63}$/;

/** The role named by a certificate (DER bytes or PEM text); E_TRANSPORT if it names none or two different ones. */
export function roleOfCertificate(cert: Uint8Array | string): string {
  let x: X509Certificate;
  try {
    x = new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert.buffer, cert.byteOffset, cert.byteLength));
  } catch (e) {
    throw new TfeError('E_TRANSPORT', `not a readable X.509 certificate: ${(e as Error).message}`);
  }
  const uris = (x.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith(`URI:${ROLE_URI_PREFIX}`))
    .map((s) => s.slice(`URI:${ROLE_URI_PREFIX}`.length));
  const cn = x.subject.split('\n').find((s) => s.startsWith('CN='))?.slice(3);
  if (uris.length !== 1) {
    throw new TfeError('E_TRANSPORT', `the certificate of '${x.subject.replace(/\n/g, ', ')}' names ${uris.length === 0 ? 'no' : 'more than one'} tfe role (expected one SAN URI ${ROLE_URI_PREFIX}NAME)`,
      'make role certificates with `tfe deploy init` or `tfe deploy sign`');
  }
  const role = uris[0];
  if (!ROLE_NAME.test(role)) throw new TfeError('E_TRANSPORT', `the certificate names an invalid role '${role}'`);
  if (cn !== role) throw new TfeError('E_TRANSPORT', `the certificate's SAN names role '${role}' but its CN is '${cn ?? '(none)'}'`);
  return role;
}
