/**
 * The API key file on disk (format in auth.ts): reading it for the server, and adding a
 * key to it safely for the operator (the later `tfe serve-keys add` command calls this).
 *
 * Adding writes a temporary file beside the target (mode 0600, created exclusively), syncs
 * it and renames it over the target, so a reader sees the old file or the new one, never a
 * half-written one. A lock file (`FILE.lock`, created exclusively) keeps two concurrent adds
 * from losing one of the keys. The file holds no tokens, only their SHA-256; it is still
 * written 0600, as key material should be. An id already present is refused: a new token
 * for an existing id would silently lock its holder out (remove the entry to rotate it).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { API_KEYS_FORMAT, API_KEYS_VERSION, ApiKeys, generateApiKey, parseApiKeys, type ApiKeyEntry, type ApiKeyFile, type GeneratedApiKey } from './auth.js';

const FILE_MODE = 0o600;

function ioError(what: string, path: string, e: unknown, hint?: string): TfeError {
  const code = (e as NodeJS.ErrnoException).code;
  return new TfeError('E_IO', `cannot ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`, hint);
}

/** Reads and validates a key file (`--api-keys FILE`); E_IO if unreadable, E_ARG naming what is wrong in it. */
export function readApiKeyFile(file: string): ApiKeyFile {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw ioError('read the API key file', abs, e, 'give the key file the server was set up with (made with addApiKey)');
  }
  return parseApiKeys(text, abs);
}

/** The keys of a key file, ready to authenticate requests. */
export function loadApiKeys(file: string): ApiKeys {
  return new ApiKeys(readApiKeyFile(file));
}

/** The file's text: one key per line, so that diffs and hand edits stay readable. */
export function formatApiKeys(keys: readonly ApiKeyEntry[]): string {
  const lines = keys.map((k) => `    ${JSON.stringify(k)}`);
  return `{\n  "format": "${API_KEYS_FORMAT}",\n  "version": ${API_KEYS_VERSION},\n  "keys": [\n${lines.join(',\n')}${lines.length ? '\n' : ''}  ]\n}\n`;
}

/** A key added to a file: the token to show once, the stored entry, and the file (absolute). */
export interface AddedApiKey extends GeneratedApiKey {
  readonly file: string;
  /** Whether the file was created by this call. */
  readonly created: boolean;
}

function writeExclusive(path: string, text: string): void {
  const fd = openSync(path, 'wx', FILE_MODE);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a new key for `id` and adds its entry to `file` (created if absent). Returns the
 * token, which is stored nowhere: show it once. E_ARG if the id is taken or the file is
 * malformed (it is then left as it was); E_IO if the file cannot be written or another
 * writer holds its lock.
 */
export function addApiKey(file: string, id: string, options: { perMinute?: number } = {}): AddedApiKey {
  const abs = resolve(file);
  const key = generateApiKey(id, options.perMinute);
  const lock = `${abs}.lock`;
  try {
    closeSync(openSync(lock, 'wx', FILE_MODE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TfeError('E_IO', `cannot add a key to ${abs}: another writer holds ${lock}`, `wait for it, or remove ${lock} if no tfe is running`);
    }
    throw ioError('lock', lock, e);
  }
  try {
    let existing: ApiKeyFile | undefined;
    let text: string | undefined;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('read the API key file', abs, e);
    }
    if (text !== undefined) existing = parseApiKeys(text, abs);
    const keys = existing?.keys ?? [];
    if (keys.some((k) => k.id === id)) {
      throw new TfeError('E_ARG', `${abs} already has a key with id '${id}'; tfe never replaces a key`, `choose another id, or remove the entry for '${id}' first to rotate its key`);
    }
    const tmp = `${abs}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      writeExclusive(tmp, formatApiKeys([...keys, key.entry]));
      renameSync(tmp, abs);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw ioError('write the API key file', abs, e);
    }
    return { ...key, file: abs, created: existing === undefined };
  } finally {
    rmSync(lock, { force: true });
  }
}
