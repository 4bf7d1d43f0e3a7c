/**
 * HPKE envelopes of the prediction service (issue 14): the client's input share for one
 * shareholder role, sealed to that role's key, and the role's output share sealed back to
 * the client. The same code runs in Node and in a browser: it imports no `node:` module;
 * the primitives come in an {@link EnvelopeSuite} (WebCrypto here, `webSuite()`; node:crypto
 * in hpke-node.ts, `nodeSuite()`, ~5x less CPU per seal/open).
 *
 * Library: panva's `hpke` (RFC 9180, MIT, no dependencies), pinned at 1.1.7. Chosen over
 * `@hpke/core` (hpke-js) because its KEM/KDF/AEAD are small documented interfaces
 * (`KEM`, `KDF`, `AEAD` in its index.d.ts) into which node:crypto primitives plug without
 * subclassing, while the library keeps the key schedule, labels, nonces and exporter; the
 * browser uses the library's own WebCrypto primitives. Both libraries interoperate
 * (notes/serve-design.md section 1, measured there: 0.22 ms seal with node:crypto vs
 * 1.3 ms with WebCrypto).
 *
 * Suite: RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM.
 *
 * Request (client → role), `enc (32) ‖ ct`:
 *   info = "tfe-serve v1\0" ‖ planId ‖ "\0" ‖ role   (a ciphertext for one role or plan
 *          does not open for another), aad = h = SHA-256(canonical request header) (the
 *          leader cannot re-label rows or shapes), plaintext = "TFQ1" ‖ u32le rows ‖ the
 *          share words as u64 LE (rows · rowWords of them).
 * Response (role → client), RFC 9458 section 4.4 construction with tfe labels:
 *   secret = Export("tfe-serve response v1\0" ‖ role, 16); nonce_r = 16 random bytes;
 *   prk = Extract(enc ‖ nonce_r, secret); key = Expand(prk, "key", 16);
 *   iv = Expand(prk, "nonce", 12); wire = nonce_r ‖ AES-128-GCM(key, iv, aad = h,
 *   "TFR1" ‖ u32le rows ‖ output share words as u64 LE). Only the client and that role can
 *   derive the key (fresh per request and per role), so the leader relays but cannot read it.
 *
 * Every failure is a TfeError: E_SHAPE for a length that does not fit the declared rows,
 * E_CIPHERTEXT for an envelope that does not decrypt (tampered enc, ciphertext, aad, or
 * sealed for another role / plan: AEAD cannot tell which) or a malformed plaintext.
 */
import {
  AEAD_AES_128_GCM,
  CipherSuite,
  KDF_HKDF_SHA256,
  KEM_DHKEM_X25519_HKDF_SHA256,
  type AEAD,
  type CryptoKey,
  type KDF,
  type Key,
  type KeyPair,
} from 'hpke';
import canonicalizeModule from 'canonicalize';
import { TfeError } from '../../src/errors.js';

/** The primitives an envelope needs: the HPKE suite, its KDF and AEAD (for the response key) and a CSPRNG. */
export interface EnvelopeSuite<K extends Key = Key> {
  /** Which primitives these are ("node:crypto" or "webcrypto"), for logs and benches. */
  readonly name: string;
  readonly hpke: CipherSuite<K>;
  readonly kdf: Readonly<KDF>;
  readonly aead: Readonly<AEAD>;
  /** `n` bytes from a CSPRNG (crypto.getRandomValues or node:crypto randomBytes). */
  random(n: number): Uint8Array;
  /**
   * SHA-256 done synchronously (node:crypto): WebCrypto's `subtle.digest` costs ~0.3-0.5 ms of
   * CPU per call in Node, a tenth of a whole prediction's client work. Absent: WebCrypto.
   */
  readonly sha256?: (bytes: Uint8Array) => Uint8Array;
}

/** The WebCrypto suite (browsers, and Node as a cross-check): the library's own primitives. */
export function webSuite(): EnvelopeSuite<CryptoKey> {
  const kdf = KDF_HKDF_SHA256();
  const aead = AEAD_AES_128_GCM();
  return {
    name: 'webcrypto',
    hpke: new CipherSuite(KEM_DHKEM_X25519_HKDF_SHA256, () => kdf, () => aead),
    kdf,
    aead,
    random: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
  };
}

/** Bytes of the encapsulated key (X25519 public key). */
export const ENC_BYTES = 32;
/** Bytes of the AES-GCM tag. */
export const TAG_BYTES = 16;
/** Bytes of the response nonce: max(Nn, Nk) for AES-128-GCM (RFC 9458 section 4.4). */
export const RESPONSE_NONCE_BYTES = 16;
/** Bytes of a plaintext header: 4-byte magic and u32le rows. */
export const HEADER_BYTES = 8;
/** Largest row count a u32 header carries. */
export const MAX_ROWS = 0xffff_ffff;

const REQUEST_MAGIC = 'TFQ1';
const RESPONSE_MAGIC = 'TFR1';
const text = new TextEncoder();

/** What the client declares about a request; its hash is the aad of every envelope of the request. */
export interface RequestHeader {
  readonly model: string;
  readonly plan_id: string;
  readonly rows: number;
  readonly inputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** h = SHA-256(RFC 8785 canonical JSON of the header): the aad binding shapes and plan to the envelopes. */
export async function requestHash(header: RequestHeader, suite?: Pick<EnvelopeSuite, 'sha256'>): Promise<Uint8Array> {
  const json = canonicalize(header);
  if (json === undefined) throw new TfeError('E_ARG', 'request header cannot be canonicalized');
  if (suite?.sha256) return suite.sha256(text.encode(json));
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', text.encode(json)));
}

/** The HPKE info of a request to `role` under plan `planId`. */
export function requestInfo(planId: string, role: string): Uint8Array {
  return text.encode(`tfe-serve v1\0${planId}\0${role}`);
}

/** Byte length of a request envelope carrying `rows` rows of `rowWords` u64 words. */
export function requestEnvelopeBytes(rows: number, rowWords: number): number {
  return ENC_BYTES + HEADER_BYTES + rows * rowWords * 8 + TAG_BYTES;
}

/** Byte length of a response carrying `rows` rows of `rowWords` u64 words. */
export function responseEnvelopeBytes(rows: number, rowWords: number): number {
  return RESPONSE_NONCE_BYTES + HEADER_BYTES + rows * rowWords * 8 + TAG_BYTES;
}

/**
 * What both ends keep to protect the answer of one role: the request's enc, its exporter
 * secret and aad. The client gets it from `sealRequest`, the role from `openRequest`.
 */
export interface ResponseKey {
  readonly role: string;
  readonly enc: Uint8Array;
  readonly secret: Uint8Array;
  readonly aad: Uint8Array;
}

/** Where the rows of an envelope are and how wide they are. */
export interface RowLayout {
  /** Rows of the request (1..MAX_ROWS), as declared in its header. */
  readonly rows: number;
  /** u64 words per row (sum over the role's input or output tensors of their per-row sizes). */
  readonly rowWords: number;
}

export interface SealRequestArgs extends RowLayout {
  /** The role's raw X25519 public key (32 bytes), from the verified model metadata. */
  readonly publicKey: Uint8Array;
  readonly planId: string;
  readonly role: string;
  /** `requestHash(header)`. */
  readonly aad: Uint8Array;
  /** The role's share words, `rows · rowWords` of them, row-major in plan input order. */
  readonly words: BigUint64Array;
}

export interface SealedRequest {
  /** `enc ‖ ct`, to send (base64) under the role's name. */
  readonly envelope: Uint8Array;
  /** Keep it to open the role's answer. */
  readonly response: ResponseKey;
}

/** Seals one role's input share (client side). */
export async function sealRequest<K extends Key>(suite: EnvelopeSuite<K>, a: SealRequestArgs): Promise<SealedRequest> {
  checkLayout(a, `request for ${a.role}`);
  checkWords(a.words, a, `request for ${a.role}`);
  if (a.publicKey.length !== 32) throw new TfeError('E_ARG', `the HPKE public key of ${a.role} has ${a.publicKey.length} bytes, expected 32 (X25519)`);
  let pk: K;
  try {
    pk = await suite.hpke.DeserializePublicKey(a.publicKey);
  } catch (e) {
    throw new TfeError('E_ARG', `the HPKE public key of ${a.role} is not a valid X25519 key (${errorText(e)})`);
  }
  const { encapsulatedSecret: enc, ctx } = await suite.hpke.SetupSender(pk, { info: requestInfo(a.planId, a.role) });
  const ct = await ctx.Seal(framed(REQUEST_MAGIC, a.rows, a.words), a.aad);
  const secret = await ctx.Export(responseContext(a.role), RESPONSE_NONCE_BYTES);
  return { envelope: concatBytes(enc, ct), response: { role: a.role, enc, secret, aad: a.aad } };
}

export interface OpenRequestArgs extends RowLayout {
  readonly planId: string;
  readonly role: string;
  readonly aad: Uint8Array;
}

export interface OpenedRequest {
  readonly words: BigUint64Array;
  readonly response: ResponseKey;
}

/**
 * Opens one role's input share (server side, with the role's private key). The envelope's
 * length is checked against the declared rows before any decryption. With the WebCrypto
 * suite pass the key pair (or an extractable private key): DHKEM needs the recipient's
 * public key; the node:crypto key carries it.
 */
export async function openRequest<K extends Key>(suite: EnvelopeSuite<K>, privateKey: K | KeyPair<K>, a: OpenRequestArgs, envelope: Uint8Array): Promise<OpenedRequest> {
  const where = `the request envelope for ${a.role}`;
  checkLayout(a, where);
  const expected = requestEnvelopeBytes(a.rows, a.rowWords);
  if (envelope.length !== expected) {
    throw new TfeError('E_SHAPE', `${where} has ${envelope.length} bytes, expected ${expected} for ${a.rows} row(s) of ${a.rowWords} words`, 'seal exactly the declared rows for each role');
  }
  const enc = envelope.slice(0, ENC_BYTES);
  let pt: Uint8Array;
  let secret: Uint8Array;
  try {
    const ctx = await suite.hpke.SetupRecipient(privateKey, enc, { info: requestInfo(a.planId, a.role) });
    pt = await ctx.Open(envelope.subarray(ENC_BYTES), a.aad);
    secret = await ctx.Export(responseContext(a.role), RESPONSE_NONCE_BYTES);
  } catch (e) {
    throw new TfeError(
      'E_CIPHERTEXT',
      `${where} did not decrypt (${errorText(e)}): tampered, or sealed for another role, plan or request header`,
      "seal each share to its role's key from GET /v2/models/NAME, with this plan id and header",
    );
  }
  const words = unframed(REQUEST_MAGIC, pt, a, where);
  return { words, response: { role: a.role, enc, secret, aad: a.aad } };
}

/** Seals one role's output share to the client's one-time response key (server side). */
export async function sealResponse<K extends Key>(suite: EnvelopeSuite<K>, key: ResponseKey, layout: RowLayout, words: BigUint64Array): Promise<Uint8Array> {
  checkLayout(layout, `response of ${key.role}`);
  checkWords(words, layout, `response of ${key.role}`);
  const nonce = suite.random(RESPONSE_NONCE_BYTES);
  const { aeadKey, iv } = await responseAead(suite, key, nonce);
  const ct = await suite.aead.Seal(aeadKey, iv, key.aad, framed(RESPONSE_MAGIC, layout.rows, words));
  return concatBytes(nonce, ct);
}

/** Opens one role's output share (client side, with the key `sealRequest` returned for that role). */
export async function openResponse<K extends Key>(suite: EnvelopeSuite<K>, key: ResponseKey, layout: RowLayout, wire: Uint8Array): Promise<BigUint64Array> {
  const where = `the response of ${key.role}`;
  checkLayout(layout, where);
  const expected = responseEnvelopeBytes(layout.rows, layout.rowWords);
  if (wire.length !== expected) {
    throw new TfeError('E_SHAPE', `${where} has ${wire.length} bytes, expected ${expected} for ${layout.rows} row(s) of ${layout.rowWords} words`);
  }
  const { aeadKey, iv } = await responseAead(suite, key, wire.subarray(0, RESPONSE_NONCE_BYTES));
  let pt: Uint8Array;
  try {
    pt = await suite.aead.Open(aeadKey, iv, key.aad, wire.subarray(RESPONSE_NONCE_BYTES));
  } catch (e) {
    throw new TfeError('E_CIPHERTEXT', `${where} did not decrypt (${errorText(e)}): tampered, or sealed under another request's key`);
  }
  return unframed(RESPONSE_MAGIC, pt, layout, where);
}

function responseContext(role: string): Uint8Array {
  return text.encode(`tfe-serve response v1\0${role}`);
}

async function responseAead<K extends Key>(suite: EnvelopeSuite<K>, key: ResponseKey, nonce: Uint8Array): Promise<{ aeadKey: Uint8Array; iv: Uint8Array }> {
  const prk = await suite.kdf.Extract(concatBytes(key.enc, nonce), key.secret);
  const aeadKey = await suite.kdf.Expand(prk, text.encode('key'), suite.aead.Nk);
  const iv = await suite.kdf.Expand(prk, text.encode('nonce'), suite.aead.Nn);
  return { aeadKey, iv };
}

function checkLayout(l: RowLayout, where: string): void {
  if (!Number.isInteger(l.rows) || l.rows < 1 || l.rows > MAX_ROWS) throw new TfeError('E_SHAPE', `${where}: rows must be an integer in 1..${MAX_ROWS}, got ${l.rows}`);
  if (!Number.isInteger(l.rowWords) || l.rowWords < 1) throw new TfeError('E_SHAPE', `${where}: words per row must be a positive integer, got ${l.rowWords}`);
}

function checkWords(words: BigUint64Array, l: RowLayout, where: string): void {
  if (words.length !== l.rows * l.rowWords) {
    throw new TfeError('E_SHAPE', `${where}: ${words.length} share words, expected ${l.rows * l.rowWords} (${l.rows} row(s) of ${l.rowWords})`);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** magic ‖ u32le rows ‖ words as u64 LE. */
function framed(magic: string, rows: number, words: BigUint64Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + words.length * 8);
  out.set(text.encode(magic), 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, rows, true);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength), HEADER_BYTES);
  else for (let i = 0; i < words.length; i++) view.setBigUint64(HEADER_BYTES + 8 * i, words[i] ?? 0n, true);
  return out;
}

/** The words of an authenticated plaintext, after checking its magic and row count. */
function unframed(magic: string, pt: Uint8Array, l: RowLayout, where: string): BigUint64Array {
  const expected = HEADER_BYTES + l.rows * l.rowWords * 8;
  if (pt.length !== expected) throw new TfeError('E_CIPHERTEXT', `${where} decrypted to ${pt.length} bytes, expected ${expected}`);
  const got = new TextDecoder().decode(pt.subarray(0, 4));
  if (got !== magic) throw new TfeError('E_CIPHERTEXT', `${where} does not start with "${magic}" (got ${JSON.stringify(got)}): not a tfe-serve v1 envelope`);
  const view = new DataView(pt.buffer, pt.byteOffset, pt.byteLength);
  const rows = view.getUint32(4, true);
  if (rows !== l.rows) throw new TfeError('E_CIPHERTEXT', `${where} carries ${rows} row(s) but the request declares ${l.rows}`);
  const words = new BigUint64Array(l.rows * l.rowWords);
  if (LITTLE_ENDIAN) new Uint8Array(words.buffer).set(pt.subarray(HEADER_BYTES));
  else for (let i = 0; i < words.length; i++) words[i] = view.getBigUint64(HEADER_BYTES + 8 * i, true);
  return words;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
