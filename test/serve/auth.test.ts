/**
 * API keys (runtime/serve/auth.ts, api-key-file.ts): tokens from the CSPRNG stored only as
 * SHA-256 (checked against the FIPS 180-2 "abc" vector and node's independent WebCrypto
 * digest), Bearer parsing with the three 401 reasons, malformed key files each named by
 * file, line:column or entry and field, the safe add (0600, atomic, refuses a taken id,
 * a held lock or a malformed file, leaving it untouched), and no token in any message.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addApiKey, formatApiKeys, loadApiKeys, readApiKeyFile } from '../../runtime/serve/api-key-file.js';
import { ApiKeys, generateApiKey, hashToken, parseApiKeys, type AuthResult } from '../../runtime/serve/auth.js';
import { jsonSyntaxWhere } from '../../runtime/serve/json-where.js';
import { TfeError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tfe-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts that `f` throws a TfeError with `code` whose message matches every pattern and contains none of `secrets`. */
function throwsTfe(f: () => unknown, code: string, patterns: RegExp[], secrets: string[] = []): TfeError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TfeError, `expected a TfeError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const p of patterns) assert.match(caught.message, p);
  for (const s of secrets) {
    assert.ok(!caught.message.includes(s), `the message echoes a secret: ${caught.message}`);
    assert.ok(!(caught.hint ?? '').includes(s), 'the hint echoes a secret');
  }
  return caught;
}

test('SHA-256 of a token: the FIPS 180-2 vector and WebCrypto agree with hashToken', async () => {
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const { token, entry } = generateApiKey('alice');
  const web = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))).toString('hex');
  assert.equal(entry.sha256, web);
});

test('generateApiKey: tfe_ + 43 base64url characters (32 random bytes), fresh each time, id and budget kept', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const { token, entry } = generateApiKey(`k${i}`, 600);
    assert.match(token, /^tfe_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(token.slice(4), 'base64url').length, 32);
    assert.deepEqual(entry, { id: `k${i}`, sha256: hashToken(token), perMinute: 600 });
    assert.ok(!JSON.stringify(entry).includes(token.slice(4)), 'the entry holds no token');
    seen.add(token);
  }
  assert.equal(seen.size, 200);
  assert.deepEqual(Object.keys(generateApiKey('bob').entry), ['id', 'sha256']);
  throwsTfe(() => generateApiKey('has space'), 'E_ARG', [/key id must be/]);
  throwsTfe(() => generateApiKey(''), 'E_ARG', [/key id must be/]);
  throwsTfe(() => generateApiKey('x'.repeat(65)), 'E_ARG', [/key id must be/]);
  throwsTfe(() => generateApiKey('ok', 0), 'E_ARG', [/budget must be a whole number/]);
});

function keysOf(...entries: { id: string; sha256: string; perMinute?: number }[]): ApiKeys {
  return new ApiKeys(parseApiKeys(formatApiKeys(entries), 'keys.json'));
}

test('authenticate: the right token gives its id (and budget); missing, malformed and unknown are told apart', () => {
  const a = generateApiKey('alice', 120);
  const b = generateApiKey('bob');
  const keys = keysOf(a.entry, b.entry);
  assert.equal(keys.size, 2);
  assert.deepEqual(keys.ids(), ['alice', 'bob']);
  assert.deepEqual(keys.authenticate(`Bearer ${a.token}`), { ok: true, keyId: 'alice', perMinute: 120 });
  assert.deepEqual(keys.authenticate(`bearer  ${b.token} `), { ok: true, keyId: 'bob', perMinute: undefined });
  assert.deepEqual(keys.authenticate(`BEARER ${b.token}`), { ok: true, keyId: 'bob', perMinute: undefined });

  const reason = (h: string | undefined): string => {
    const r = keys.authenticate(h);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason(undefined), 'missing');
  assert.equal(reason(''), 'missing');
  assert.equal(reason('   '), 'missing');
  for (const h of [`Basic ${a.token}`, 'Bearer', 'Bearer ', `Bearer${a.token}`, `Bearer ${a.token} extra`, `Bearer ${a.token},x`,
    `Bearer "${a.token}"`, `Token ${a.token}`, `Bearer ${'A'.repeat(513)}`, `Bearer ${a.token}\u00e9`, `Bearer =${a.token}`]) {
    assert.equal(reason(h), 'malformed', h);
  }
  // Right shape, wrong token: one character changed, the hash of the token as a token, another file's key.
  const flipped = a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A');
  for (const t of [flipped, a.entry.sha256, generateApiKey('carol').token, a.token.slice(0, -1)]) assert.equal(reason(`Bearer ${t}`), 'unknown');

  const failures: AuthResult[] = [undefined, 'Basic x', `Bearer ${a.token} x`, `Bearer ${flipped}`].map((h) => keys.authenticate(h));
  for (const f of failures) {
    assert.equal(f.ok, false);
    const text = JSON.stringify(f);
    for (const secret of [a.token, flipped, a.token.slice(4, 20), flipped.slice(4, 20)]) assert.ok(!text.includes(secret), `a 401 result echoes the token: ${text}`);
  }
  const [missing, malformed, , unknown] = failures;
  assert.ok(!missing.ok && !malformed.ok && !unknown.ok);
  assert.equal(missing.wwwAuthenticate, 'Bearer realm="tfe"');
  assert.equal(malformed.wwwAuthenticate, 'Bearer realm="tfe", error="invalid_request"');
  assert.equal(unknown.wwwAuthenticate, 'Bearer realm="tfe", error="invalid_token"');
  assert.match(missing.message, /needs an API key/);
  assert.match(unknown.message, /not known/);
});

test('an empty key file authenticates nobody', () => {
  const keys = keysOf();
  const r = keys.authenticate(`Bearer ${generateApiKey('x').token}`);
  assert.equal(r.ok ? 'ok' : r.reason, 'unknown');
});

test('jsonSyntaxWhere points at the first bad character (hand-counted lines and columns)', () => {
  assert.equal(jsonSyntaxWhere('{"a": 1}'), undefined);
  assert.deepEqual({ ...jsonSyntaxWhere('{\n  "a": 1\n  "b": 2\n}') }, { line: 3, column: 3, reason: "Expected ',' or '}' after property value" });
  assert.deepEqual(jsonSyntaxWhere('{"a": x}')?.column, 7);
  assert.deepEqual(jsonSyntaxWhere('{"a": 1,}')?.column, 9);
  const end = jsonSyntaxWhere('{\n"a": [1,\n');
  assert.deepEqual([end?.line, end?.column], [3, 1]); // the text ends too early
  const quoted = jsonSyntaxWhere('{"k": tfe_SECRETSECRET}');
  assert.equal(quoted?.column, 8); // 't' could still begin `true`: the 'f' after it is the first bad character
  assert.ok(!(quoted?.reason ?? '').includes('SECRET'), quoted?.reason);
});

test('malformed key files: each error names the file and what is wrong, never a value', () => {
  const file = '/etc/tfe/keys.json';
  const token = generateApiKey('x').token;
  const good = generateApiKey('alice').entry;
  const f = (keys: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ format: 'tfe-api-keys', version: 1, keys, ...extra }, null, 2);
  const cases: { text: string; patterns: RegExp[] }[] = [
    { text: '{\n  "format": "tfe-api-keys",\n  "version": 1\n  "keys": []\n}\n', patterns: [/^\/etc\/tfe\/keys\.json:4:3: the API key file is not valid JSON \(Expected ',' or '}' after property value\)$/] },
    { text: `{"format": "tfe-api-keys", "version": 1, "keys": [{"id": "a", "sha256": ${token}}]}`, patterns: [/keys\.json:1:\d+: .*not valid JSON/] },
    { text: '', patterns: [/keys\.json:1:1: .*not valid JSON/] },
    { text: '[]', patterns: [/keys\.json is not an API key file \(expected a JSON object/] },
    { text: JSON.stringify({ format: token, version: 1, keys: [] }), patterns: [/its "format" is not "tfe-api-keys"/] },
    { text: JSON.stringify({ format: 'tfe-api-keys', version: 2, keys: [] }), patterns: [/version other than 1/] },
    { text: f([good, { id: 'bob', sha256: token }]), patterns: [/keys\.json: entry 2 of keys \(id 'bob'\): sha256 must be 64 lowercase hex digits: the SHA-256 of the token, never the token itself/] },
    { text: f([{ id: 'bob', sha256: good.sha256.toUpperCase() }]), patterns: [/entry 1 of keys \(id 'bob'\): sha256 must be 64 lowercase hex/] },
    { text: f([{ id: token + ' x', sha256: good.sha256 }]), patterns: [/entry 1 of keys: id must be 1 to 64 characters/] },
    { text: f([{ sha256: good.sha256 }]), patterns: [/entry 1 of keys: /] },
    { text: f([good, { id: 'bob', sha256: hashToken('b'), token }]), patterns: [/entry 2 of keys \(id 'bob'\): unknown field "token"/] },
    { text: f([{ id: 'bob', sha256: good.sha256, perMinute: 0 }]), patterns: [/entry 1 of keys \(id 'bob'\): perMinute must be at least 1/] },
    { text: f([{ id: 'bob', sha256: good.sha256, perMinute: 2.5 }]), patterns: [/perMinute must be a whole number of rows/] },
    { text: f([{ id: 'bob', sha256: good.sha256, perMinute: '60' }]), patterns: [/perMinute must be a number/] },
    { text: f([good, { id: 'alice', sha256: hashToken('other') }]), patterns: [/entries 1 and 2 of keys both have id 'alice'/] },
    { text: f([good, { id: 'bob', sha256: good.sha256 }]), patterns: [/entries 1 and 2 of keys have the same sha256/] },
    { text: JSON.stringify({ format: 'tfe-api-keys', version: 1, keys: {} }), patterns: [/keys\.json: keys: keys must be a list/] },
    { text: JSON.stringify({ format: 'tfe-api-keys', version: 1 }), patterns: [/keys\.json: keys: keys must be a list/] },
    { text: f([], { secret: token }), patterns: [/keys\.json: the top level: unknown field "secret"/] },
  ];
  for (const c of cases) {
    const e = throwsTfe(() => parseApiKeys(c.text, file), 'E_ARG', [/keys\.json/, ...c.patterns], [token, token.slice(4, 24)]);
    assert.ok(!e.message.includes('\n'), 'one line');
  }
});

test('addApiKey: creates the file 0600, appends, refuses a taken id, and the stored token authenticates', () => {
  const file = join(dir, 'keys.json');
  const a = addApiKey(file, 'alice');
  assert.equal(a.created, true);
  assert.equal(a.file, file);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const b = addApiKey(file, 'bob', { perMinute: 60 });
  assert.equal(b.created, false);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(a.token) && !text.includes(b.token), 'the file holds no token');
  assert.deepEqual(readApiKeyFile(file).keys, [a.entry, b.entry]);
  assert.equal(text.split('\n').filter((l) => l.includes('"sha256"')).length, 2, 'one key per line');
  const keys = loadApiKeys(file);
  assert.deepEqual(keys.authenticate(`Bearer ${a.token}`), { ok: true, keyId: 'alice', perMinute: undefined });
  assert.deepEqual(keys.authenticate(`Bearer ${b.token}`), { ok: true, keyId: 'bob', perMinute: 60 });

  throwsTfe(() => addApiKey(file, 'alice'), 'E_ARG', [/already has a key with id 'alice'; tfe never replaces a key/]);
  assert.equal(readFileSync(file, 'utf8'), text, 'unchanged after a refusal');
  assert.deepEqual(readdirSync(dir).sort(), ['keys.json'], 'no temporary or lock file left');
});

test('addApiKey: a held lock, a malformed file or a bad id leave the file untouched', () => {
  const file = join(dir, 'locked.json');
  addApiKey(file, 'alice');
  const before = readFileSync(file, 'utf8');
  writeFileSync(`${file}.lock`, '');
  throwsTfe(() => addApiKey(file, 'bob'), 'E_IO', [/another writer holds .*locked\.json\.lock/]);
  rmSync(`${file}.lock`);
  assert.equal(readFileSync(file, 'utf8'), before);

  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"format": "tfe-api-keys", "version": 1, "keys": [\n  {"id": "a"}\n]}', { mode: 0o600 });
  throwsTfe(() => addApiKey(bad, 'bob'), 'E_ARG', [/bad\.json: entry 1 of keys \(id 'a'\): /]);
  assert.equal(readFileSync(bad, 'utf8').includes('"id": "a"'), true);
  assert.ok(!existsSync(`${bad}.lock`), 'the lock is released after an error');

  throwsTfe(() => addApiKey(join(dir, 'new.json'), 'no spaces'), 'E_ARG', [/key id must be/]);
  assert.ok(!existsSync(join(dir, 'new.json')));

  throwsTfe(() => readApiKeyFile(join(dir, 'absent.json')), 'E_IO', [/cannot read the API key file .*absent\.json: no such file/]);
  throwsTfe(() => addApiKey(join(dir, 'no-such-dir', 'k.json'), 'bob'), 'E_IO', [/cannot lock .*no-such-dir/]);
});
