/**
 * A shareholder's serving identity (issue 14, design note 2.2): its HPKE private key
 * (`ROLE.hpke.key`, written by `tfe deploy init`) and the statement binding the key's
 * public half to its role and plan, signed at process start with the role's TLS key
 * (ECDSA P-256, runtime/deploy/certs.ts) so that no one else, not even the leader that
 * relays it, can make one. The statement's format is keys.ts's; clients verify it there.
 * Node only (node:crypto signs, node:fs reads).
 */
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import type { DeploymentRole } from '../../src/deploy/config.js';
import { TfeError } from '../../src/errors.js';
import type { SignedKeyStatement } from '../party/served-types.js';
import { readText } from '../deploy/config.js';
import { roleOfCertificate } from '../deploy/role.js';
import { nodePrivateKeyFromPem, type NodeX25519Key } from './hpke-node.js';
import { keyStatementText, toBase64Url } from './keys.js';

export interface ServeIdentity {
  /** The role's HPKE private key, for envelope.ts `openRequest` with `nodeSuite()`. */
  readonly privateKey: NodeX25519Key;
  /** Its public key signed with the role's certificate key, for the model metadata. */
  readonly statement: SignedKeyStatement;
}

export interface StatementInput {
  readonly role: string;
  readonly planId: string;
  /** The raw 32-byte X25519 public key. */
  readonly publicKey: Uint8Array;
  /** The role's certificate (PEM): its notAfter bounds the statement. */
  readonly certPem: string;
  /** The certificate's private key (PKCS#8 PEM, ECDSA P-256). */
  readonly keyPem: string;
}

/** Signs the key statement of `s.role` with its certificate key (ECDSA P-256 / SHA-256, IEEE P1363 form). */
export function signKeyStatement(s: StatementInput): SignedKeyStatement {
  let notAfter: string;
  try {
    notAfter = new Date(new X509Certificate(s.certPem).validTo).toISOString();
  } catch (e) {
    throw new TfeError('E_FORMAT', `the certificate of ${s.role} is not a readable X.509 certificate (${(e as Error).message})`);
  }
  let key;
  try {
    key = createPrivateKey({ key: s.keyPem, format: 'pem' });
  } catch (e) {
    throw new TfeError('E_FORMAT', `the TLS key of ${s.role} is not a PEM private key (${(e as Error).message})`, 'give the ROLE.key written by tfe deploy init');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TfeError('E_FORMAT', `the TLS key of ${s.role} is ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ` (${key.asymmetricKeyDetails.namedCurve})` : ''}, expected ECDSA P-256`, 'give the ROLE.key written by tfe deploy init');
  }
  const statement = keyStatementText({ role: s.role, planId: s.planId, publicKey: toBase64Url(s.publicKey), notAfter });
  const signature = sign('sha256', Buffer.from(statement, 'utf8'), { key, dsaEncoding: 'ieee-p1363' });
  return { role: s.role, statement, signature: signature.toString('base64'), cert: s.certPem };
}

/**
 * Loads `role`'s HPKE key and signs its statement for `planId`. `role` is the role's
 * entry of a deployment read with readDeployment (absolute paths). E_ARG when the role
 * has no HPKE key (a deployment made before issue 14, or a role holding no shares);
 * E_IO / E_FORMAT for unreadable files; E_TRUST when the certificate names another role.
 */
export function loadServeIdentity(role: DeploymentRole, planId: string): ServeIdentity {
  if (role.hpkeKey === undefined) {
    throw new TfeError('E_ARG', `the deployment gives no HPKE key (hpkeKey) for ${role.name}`,
      `make a new deployment with \`tfe deploy init\` (or \`tfe deploy init --role ${role.name}\`), which writes ${role.name}.hpke.key, and add "hpkeKey" to the role in deployment.json`);
  }
  const privateKey = nodePrivateKeyFromPem(readText(role.hpkeKey, `the HPKE key of ${role.name}`), role.hpkeKey);
  const certPem = readText(role.cert, `the certificate of ${role.name}`);
  let named: string;
  try {
    named = roleOfCertificate(certPem);
  } catch (e) {
    throw new TfeError('E_TRUST', `${role.cert}: ${(e as Error).message}`);
  }
  if (named !== role.name) throw new TfeError('E_TRUST', `${role.cert} is the certificate of ${named}, not of ${role.name}`);
  const statement = signKeyStatement({ role: role.name, planId, publicKey: privateKey.publicRaw, certPem, keyPem: readText(role.key, `the key of ${role.name}`) });
  return { privateKey, statement };
}
