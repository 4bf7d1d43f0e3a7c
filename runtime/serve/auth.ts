/**
 * Who may ask the prediction service (issue 14; serve-design.md section 2.6): API keys.
 *
 * A key is a random bearer token `tfe_` + base64url(32 bytes from node:crypto randomBytes),
 * shown once to whoever asked for it. The key file (`--api-keys FILE`) stores, per key, an id
 * and the SHA-256 of the token, never the token:
 *
 *     {"format":"tfe-api-keys","version":1,"keys":[{"id":"alice","sha256":"<64 hex>","perMinute":600}]}
 *
 * Hash choice: plain SHA-256, not a password hash (scrypt, argon2). A password hash slows
 * down guessing of low-entropy secrets; a token with 256 random bits cannot be guessed
 * either way, and SHA-256 is preimage-resistant, so a leaked key file gives no token,
 * while a per-request scrypt would cost tens of ms of CPU on every prediction. (GitHub and
 * Stripe-style token stores make the same choice for high-entropy tokens.)
 *
 * Comparison: the presented token's SHA-256 is compared with every stored hash with
 * `crypto.timingSafeEqual`, without an early exit, so the time taken does not depend on
 * which entry (if any) matched nor on how many leading bytes agree.
 *
 * Nothing here echoes a token: the 401 reasons are fixed texts, and file errors never quote
 * a field's value (an operator who pastes a token into `sha256` must not see it in a log).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { TfeError } from '../../src/errors.js';
import { jsonSyntaxWhere } from './json-where.js';

export const API_KEYS_FORMAT = 'tfe-api-keys';
export const API_KEYS_VERSION = 1;
/** Every token starts with this, so that secret scanners and people can recognise one. */
export const TOKEN_PREFIX = 'tfe_';
/** Random bytes per token: 256 bits, beyond guessing (and beyond a birthday collision). */
export const TOKEN_BYTES = 32;
/** Most keys one file may hold: authentication compares against each, so the cost stays small. */
export const MAX_KEYS = 10_000;
/** Largest per-key budget in rows per minute (keeps the rate limiter's integer arithmetic exact). */
export const MAX_PER_MINUTE = 1_000_000_000;

/** A key id: safe to log and to put in a metric label (no spaces, quotes or control characters). */
const ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const EntrySchema = z.object({
  id: z.string().regex(ID, { message: 'id must be 1 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)' }),
  sha256: z.string().regex(SHA256_HEX, { message: 'sha256 must be 64 lowercase hex digits: the SHA-256 of the token, never the token itself' }),
  perMinute: z.number({ message: 'perMinute must be a number' })
    .int({ message: 'perMinute must be a whole number of rows' })
    .min(1, { message: 'perMinute must be at least 1' })
    .max(MAX_PER_MINUTE, { message: `perMinute must be at most ${MAX_PER_MINUTE}` })
    .optional(),
}).strict();

const FileSchema = z.object({
  format: z.literal(API_KEYS_FORMAT),
  version: z.literal(API_KEYS_VERSION),
  keys: z.array(EntrySchema, { message: 'keys must be a list of {id, sha256, perMinute?}' }).max(MAX_KEYS, { message: `at most ${MAX_KEYS} keys` }),
}).strict();

/** One stored key: its id, the SHA-256 (hex) of its token, and its own budget (rows per minute) if any. */
export type ApiKeyEntry = z.infer<typeof EntrySchema>;
/** The key file's content. */
export type ApiKeyFile = z.infer<typeof FileSchema>;

/** SHA-256 of a token, lowercase hex: what the key file stores. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A freshly made key: the token to show once, and the entry to store. */
export interface GeneratedApiKey {
  /** The bearer token. Show it to the user once; it is stored nowhere. */
  readonly token: string;
  readonly entry: ApiKeyEntry;
}

/** Checks a key id; E_ARG naming the rule. */
export function checkKeyId(id: string): void {
  if (!ID.test(id)) throw new TfeError('E_ARG', 'a key id must be 1 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)', 'for example --id alice');
}

/** Makes a new key for `id` (CSPRNG: node:crypto randomBytes), optionally with its own budget. */
export function generateApiKey(id: string, perMinute?: number): GeneratedApiKey {
  checkKeyId(id);
  if (perMinute !== undefined && !(Number.isInteger(perMinute) && perMinute >= 1 && perMinute <= MAX_PER_MINUTE)) {
    throw new TfeError('E_ARG', `a key's budget must be a whole number of rows per minute from 1 to ${MAX_PER_MINUTE}`);
  }
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  const entry: ApiKeyEntry = perMinute === undefined ? { id, sha256: hashToken(token) } : { id, sha256: hashToken(token), perMinute };
  return { token, entry };
}

/** Names a schema issue's place: `keys[2] (id 'bob')`, `keys`, `(top level)`. */
function placeOf(json: unknown, path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the top level';
  if (path[0] === 'keys' && typeof path[1] === 'number') {
    const i = path[1];
    const keys = (json as { keys?: unknown }).keys;
    const entry = Array.isArray(keys) ? (keys[i] as { id?: unknown } | undefined) : undefined;
    const id = typeof entry?.id === 'string' && ID.test(entry.id) ? ` (id '${entry.id}')` : '';
    return `entry ${i + 1} of keys${id}`;
  }
  return path.map(String).join('.');
}

/**
 * Validates the key file's text; `file` names it in errors. E_ARG for content (naming the line
 * and column of a JSON syntax error, or the entry and field of a schema error, never a value).
 */
export function parseApiKeys(text: string, file: string): ApiKeyFile {
  const hint = `expected {"format": "${API_KEYS_FORMAT}", "version": ${API_KEYS_VERSION}, "keys": [{"id", "sha256" (hex SHA-256 of the token), "perMinute"?}]}; add keys with addApiKey, which never stores a token`;
  const where = jsonSyntaxWhere(text);
  if (where !== undefined) {
    throw new TfeError('E_ARG', `${file}:${where.line}:${where.column}: the API key file is not valid JSON (${where.reason})`, hint);
  }
  const json: unknown = JSON.parse(text);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TfeError('E_ARG', `${file} is not an API key file (expected a JSON object with "format": "${API_KEYS_FORMAT}")`, hint);
  }
  const head = json as { format?: unknown; version?: unknown };
  if (head.format !== API_KEYS_FORMAT) throw new TfeError('E_ARG', `${file} is not an API key file (its "format" is not "${API_KEYS_FORMAT}")`, hint);
  if (head.version !== API_KEYS_VERSION) throw new TfeError('E_ARG', `${file} has an API key file version other than ${API_KEYS_VERSION}, the one this tfe reads`);
  const r = FileSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    const message = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}` : i.message;
    throw new TfeError('E_ARG', `${file}: ${placeOf(json, i.path)}: ${message}`, hint);
  }
  const ids = new Map<string, number>();
  const hashes = new Map<string, number>();
  r.data.keys.forEach((k, i) => {
    const idAt = ids.get(k.id);
    if (idAt !== undefined) throw new TfeError('E_ARG', `${file}: entries ${idAt + 1} and ${i + 1} of keys both have id '${k.id}'`, 'key ids must be unique: remove or rename one');
    const hashAt = hashes.get(k.sha256);
    if (hashAt !== undefined) throw new TfeError('E_ARG', `${file}: entries ${hashAt + 1} and ${i + 1} of keys have the same sha256 (one token for two ids)`, 'give each id its own token');
    ids.set(k.id, i);
    hashes.set(k.sha256, i);
  });
  return r.data;
}

/** Why a request is refused with 401. The texts never contain the presented token. */
export type AuthFailure = 'missing' | 'malformed' | 'unknown';

export type AuthResult =
  | { readonly ok: true; readonly keyId: string; /** The key's own budget, if the file gives one. */ readonly perMinute: number | undefined }
  | {
    readonly ok: false;
    readonly reason: AuthFailure;
    /** One line for the 401 body and the log, naming what is wrong and never the token. */
    readonly message: string;
    /** The `WWW-Authenticate` value for the 401 (RFC 6750 section 3: no error code when no credentials were sent). */
    readonly wwwAuthenticate: string;
  };

const REALM = 'Bearer realm="tfe"';
const FAILURES: Record<AuthFailure, { message: string; wwwAuthenticate: string }> = {
  missing: { message: 'this server needs an API key: send Authorization: Bearer TOKEN', wwwAuthenticate: REALM },
  malformed: { message: 'the Authorization header is not of the form "Bearer TOKEN"', wwwAuthenticate: `${REALM}, error="invalid_request"` },
  unknown: { message: 'the API key is not known to this server', wwwAuthenticate: `${REALM}, error="invalid_token"` },
};

/**
 * `Bearer` (case-insensitive, RFC 9110 section 11.1), spaces, then an RFC 6750 b64token:
 * 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". Tokens this module makes
 * are `tfe_` + 43 base64url characters; longer ones (up to 512) are allowed for keys whose
 * hash an operator made otherwise.
 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]{1,512}=*) *$/i;

/** The keys of one file, ready to check `Authorization` headers. */
export class ApiKeys {
  private readonly entries: readonly { id: string; hash: Buffer; perMinute: number | undefined }[];

  constructor(file: ApiKeyFile) {
    this.entries = file.keys.map((k) => ({ id: k.id, hash: Buffer.from(k.sha256, 'hex'), perMinute: k.perMinute }));
  }

  /** How many keys there are. */
  get size(): number {
    return this.entries.length;
  }

  /** The key ids, in file order (for logs and metrics; never the hashes). */
  ids(): string[] {
    return this.entries.map((e) => e.id);
  }

  /**
   * Checks one request's `Authorization` header (as node:http gives it: a string or
   * undefined). Returns the key id, or the 401 reason: missing (no header or an empty one),
   * malformed (not `Bearer TOKEN`), unknown (no stored hash matches).
   */
  authenticate(header: string | undefined): AuthResult {
    if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing', ...FAILURES.missing };
    const m = BEARER.exec(header);
    if (m === null) return { ok: false, reason: 'malformed', ...FAILURES.malformed };
    const presented = createHash('sha256').update(m[1], 'utf8').digest();
    let found = -1;
    for (let i = 0; i < this.entries.length; i++) {
      // No early exit: every entry is compared, whichever matches.
      const same = timingSafeEqual(presented, this.entries[i].hash);
      found = same && found < 0 ? i : found;
    }
    if (found < 0) return { ok: false, reason: 'unknown', ...FAILURES.unknown };
    const e = this.entries[found];
    return { ok: true, keyId: e.id, perMinute: e.perMinute };
  }
}
