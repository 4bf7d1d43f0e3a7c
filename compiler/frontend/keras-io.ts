/** File reading for the Keras-family frontends: bytes or JSON, with E_IO / E_FORMAT errors naming the file. */
import { readFileSync, statSync } from 'node:fs';
import { TfeError } from '../../src/errors.js';

/** Reads a whole file; a missing or unreadable file is E_IO, a directory E_ARG. */
export function readBytes(path: string, what = 'model file'): Uint8Array {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new TfeError('E_IO', `${path}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'check the path');
  }
  if (isDir) throw new TfeError('E_ARG', `${path}: is a directory, expected a ${what}`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new TfeError('E_IO', `${path}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Parses JSON text from `file`; invalid JSON is E_FORMAT. */
export function parseJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TfeError('E_FORMAT', `${file}: ${what} is not valid JSON (${(e as Error).message})`, 'the file is corrupt or truncated');
  }
}
