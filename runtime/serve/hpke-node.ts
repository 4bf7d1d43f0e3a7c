/**
 * node:crypto primitives for the `hpke` library (RFC 9180): DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and AES-128-GCM, plugged into its `KEM`/`KDF`/`AEAD` interfaces so the
 * library keeps the key schedule, labels, nonces and exporter while the servers, the Node
 * client and the load generator pay node:crypto's cost instead of WebCrypto's (measured in
 * notes/serve-design.md section 1: 0.22 ms vs 1.3 ms CPU per seal, 0.12 vs 0.9 ms per open;
 * at 500 predictions/s that is the difference between ~0.35 and ~2.3 cores). The browser
 * uses envelope.ts `webSuite()`; both are tested to decrypt each other and against the
 * RFC 9180 appendix A.1.1 vectors (test/serve/hpke.test.ts).
 *
 * DHKEM per RFC 9180 section 4.1: Encap draws an ephemeral key (node:crypto
 * generateKeyPairSync), dh = X25519(skE, pkR), refused when all-zero (section 7.1.4: a
 * low-order peer key), shared_secret = ExtractAndExpand(dh, enc ‖ pkRm) with the KEM's
 * labels; DeriveKeyPair per section 7.1.3 (X25519: sk = LabeledExpand(dkp_prk, "sk", "", 32)).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { CipherSuite, LabeledExpand, LabeledExtract, I2OSP, type AEAD, type KDF, type KEM, type Key, type KeyPair } from 'hpke';
import { TfeError } from '../../src/errors.js';
import type { EnvelopeSuite } from './envelope.js';

/** An X25519 key held as a node:crypto KeyObject, with its raw public key (for kem_context). */
export interface NodeX25519Key extends Key {
  readonly algorithm: { name: 'X25519' };
  readonly extractable: boolean;
  readonly type: 'private' | 'public';
  readonly keyObject: KeyObject;
  /** The raw 32-byte public key (of the pair, for a private key). */
  readonly publicRaw: Uint8Array;
}

const KEM_ID = 0x0020;
const KEM_SUITE_ID = concat(new TextEncoder().encode('KEM'), I2OSP(KEM_ID, 2));
const label = (s: string): Uint8Array => new TextEncoder().encode(s);
/** DER prefix of an X25519 PKCS#8 PrivateKeyInfo (RFC 8410), followed by the 32 raw bytes (JWK import needs `x` too). */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

/** HKDF-SHA256 (RFC 5869) over node:crypto HMAC. */
export function nodeHkdfSha256(): Readonly<KDF> {
  return {
    id: 0x0001,
    type: 'KDF',
    name: 'HKDF-SHA256',
    Nh: 32,
    stages: 2,
    Extract(salt, ikm) {
      // An empty salt is an HMAC key of zero length, which HMAC pads to zeros: RFC 5869's default salt.
      return Promise.resolve(new Uint8Array(createHmac('sha256', salt).update(ikm).digest()));
    },
    Expand(prk, info, L) {
      return Promise.resolve(hkdfExpand(prk, info, L));
    },
    Derive() {
      return Promise.reject(new Error('HKDF-SHA256 is a two-stage KDF: Derive is not defined'));
    },
  };
}

function hkdfExpand(prk: Uint8Array, info: Uint8Array, L: number): Uint8Array {
  if (L > 255 * 32) throw new Error(`HKDF-SHA256 output length ${L} exceeds 255·32`);
  const out = new Uint8Array(L);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < L; i++) {
    t = new Uint8Array(createHmac('sha256', prk).update(t).update(info).update(Uint8Array.of(i)).digest());
    out.set(t.subarray(0, Math.min(32, L - off)), off);
    off += 32;
  }
  return out;
}

/** AES-128-GCM with a 16-byte tag appended to the ciphertext, over node:crypto. */
export function nodeAes128Gcm(): Readonly<AEAD> {
  return {
    id: 0x0001,
    type: 'AEAD',
    name: 'AES-128-GCM',
    Nk: 16,
    Nn: 12,
    Nt: 16,
    Seal(key, nonce, aad, pt) {
      const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
      c.setAAD(aad);
      const head = c.update(pt);
      const tail = c.final();
      const out = new Uint8Array(head.length + tail.length + 16);
      out.set(head, 0);
      out.set(tail, head.length);
      out.set(c.getAuthTag(), head.length + tail.length);
      return Promise.resolve(out);
    },
    Open(key, nonce, aad, ct) {
      try {
        if (ct.length < 16) throw new Error('ciphertext shorter than the tag');
        const d = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
        d.setAAD(aad);
        d.setAuthTag(ct.subarray(ct.length - 16));
        const head = d.update(ct.subarray(0, ct.length - 16));
        const tail = d.final();
        const out = new Uint8Array(head.length + tail.length);
        out.set(head, 0);
        out.set(tail, head.length);
        return Promise.resolve(out);
      } catch {
        return Promise.reject(new Error('AEAD decryption failed'));
      }
    },
  };
}

/**
 * DHKEM(X25519, HKDF-SHA256) over node:crypto. `ephemeral`, when given, supplies the
 * sender's ephemeral key pair instead of a fresh random one: only for the RFC 9180
 * known-answer test, which fixes it through ikmE.
 */
export function nodeX25519Kem(ephemeral?: () => Promise<KeyPair<NodeX25519Key>>): Readonly<KEM<NodeX25519Key>> {
  const kdf = nodeHkdfSha256();
  const recipients = new Map<string, NodeX25519Key>();
  async function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Promise<Uint8Array> {
    const prk = await LabeledExtract(kdf, KEM_SUITE_ID, new Uint8Array(0), label('eae_prk'), dh);
    return LabeledExpand(kdf, KEM_SUITE_ID, prk, label('shared_secret'), kemContext, 32);
  }
  function dh(sk: NodeX25519Key, pk: NodeX25519Key): Uint8Array {
    const z = new Uint8Array(diffieHellman({ privateKey: sk.keyObject, publicKey: pk.keyObject }));
    if (z.every((b) => b === 0)) throw new Error('X25519 shared secret is all-zero (low-order public key)');
    return z;
  }
  return {
    id: KEM_ID,
    type: 'KEM',
    name: 'DHKEM(X25519, HKDF-SHA256)',
    Nsecret: 32,
    Nenc: 32,
    Npk: 32,
    Nsk: 32,
    async DeriveKeyPair(ikm, extractable) {
      const prk = await LabeledExtract(kdf, KEM_SUITE_ID, new Uint8Array(0), label('dkp_prk'), ikm);
      const sk = await LabeledExpand(kdf, KEM_SUITE_ID, prk, label('sk'), new Uint8Array(0), 32);
      return pairOfPrivate(privateFromRaw(sk, extractable));
    },
    GenerateKeyPair(extractable) {
      const { privateKey } = generateKeyPairSync('x25519');
      return Promise.resolve(pairOfPrivate(wrapPrivate(privateKey, extractable)));
    },
    SerializePublicKey(key) {
      return Promise.resolve(key.publicRaw.slice());
    },
    DeserializePublicKey(raw) {
      // a recipient's key (a client seals to the same two servers again and again): cached
      const hex = Buffer.from(raw).toString('hex');
      let k = recipients.get(hex);
      if (k === undefined) {
        if (recipients.size >= 64) recipients.clear();
        k = publicFromRaw(raw);
        recipients.set(hex, k);
      }
      return Promise.resolve(k);
    },
    SerializePrivateKey(key) {
      if (key.type !== 'private') return Promise.reject(new Error('not a private key'));
      return Promise.resolve(jwkBytes(key.keyObject, 'd'));
    },
    DeserializePrivateKey(raw, extractable) {
      return Promise.resolve(privateFromRaw(raw, extractable));
    },
    async Encap(pkR) {
      const skE = ephemeral !== undefined ? (await ephemeral()).privateKey : wrapPrivate(generateKeyPairSync('x25519').privateKey, false);
      const enc = skE.publicRaw.slice();
      const sharedSecret = await extractAndExpand(dh(skE, pkR), concat(enc, pkR.publicRaw));
      return { shared_secret: sharedSecret, enc };
    },
    async Decap(enc, skR, pkR) {
      const pkE = publicFromRaw(enc);
      const pkRm = pkR?.publicRaw ?? skR.publicRaw;
      return extractAndExpand(dh(skR, pkE), concat(enc, pkRm));
    },
  };
}

/** The node:crypto envelope suite (servers, Node client, bench load generator). */
export function nodeSuite(ephemeral?: () => Promise<KeyPair<NodeX25519Key>>): EnvelopeSuite<NodeX25519Key> {
  const kem = nodeX25519Kem(ephemeral);
  const kdf = nodeHkdfSha256();
  const aead = nodeAes128Gcm();
  return {
    name: 'node:crypto',
    hpke: new CipherSuite(() => kem, () => kdf, () => aead),
    kdf,
    aead,
    random: (n) => new Uint8Array(randomBytes(n)),
    sha256: (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()),
  };
}

/**
 * A server's HPKE private key from its PKCS#8 PEM file content (`ROLE.hpke.key`), checked
 * to be X25519; `where` names the file in the error.
 */
export function nodePrivateKeyFromPem(pem: string, where: string): NodeX25519Key {
  let ko: KeyObject;
  try {
    ko = createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new TfeError('E_FORMAT', `${where}: not a PEM private key (${e instanceof Error ? e.message : String(e)})`, 'give the ROLE.hpke.key file that tfe deploy init wrote');
  }
  if (ko.asymmetricKeyType !== 'x25519') {
    throw new TfeError('E_FORMAT', `${where}: an ${ko.asymmetricKeyType ?? 'unknown'} key, expected an X25519 HPKE key`, 'give the ROLE.hpke.key file, not the TLS key ROLE.key');
  }
  return wrapPrivate(ko, false);
}

/*
 * Raw bytes <-> KeyObject go through JWK (base64url `x`/`d`): measured here ~0.005 ms per
 * export and ~0.02 ms per public import, against ~0.07 / ~0.09 ms through SPKI DER, which
 * would have been a third of a seal's CPU.
 */

function wrapPrivate(ko: KeyObject, extractable: boolean): NodeX25519Key {
  return { algorithm: { name: 'X25519' }, extractable, type: 'private', keyObject: ko, publicRaw: jwkBytes(ko, 'x') };
}

function jwkBytes(ko: KeyObject, field: 'x' | 'd'): Uint8Array {
  const v = ko.export({ format: 'jwk' })[field];
  if (typeof v !== 'string') throw new Error(`X25519 key has no JWK "${field}"`);
  return new Uint8Array(Buffer.from(v, 'base64url'));
}

function pairOfPrivate(sk: NodeX25519Key): KeyPair<NodeX25519Key> {
  return { privateKey: sk, publicKey: publicFromRaw(sk.publicRaw) };
}

function privateFromRaw(raw: Uint8Array, extractable: boolean): NodeX25519Key {
  if (raw.length !== 32) throw new Error(`X25519 private key has ${raw.length} bytes, expected 32`);
  return wrapPrivate(createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, raw)), format: 'der', type: 'pkcs8' }), extractable);
}

function publicFromRaw(raw: Uint8Array): NodeX25519Key {
  if (raw.length !== 32) throw new Error(`X25519 public key has ${raw.length} bytes, expected 32`);
  const ko = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  return { algorithm: { name: 'X25519' }, extractable: true, type: 'public', keyObject: ko, publicRaw: raw.slice() };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
