/** File reading for the Keras-family frontends: bytes or JSON, with E_IO / E_FORMAT errors naming the file. */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { TfeError } from '../../src/errors.js';

function ioError(path: string, what: string, e: unknown): TfeError {
  return new TfeError('E_IO', `${path}: cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'check the path');
}

function checkFile(path: string, what: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw ioError(path, what, e);
  }
  if (isDir) throw new TfeError('E_ARG', `${path}: is a directory, expected a ${what}`);
}

/** Reads a whole file; a missing or unreadable file is E_IO, a directory E_ARG. */
export function readBytes(path: string, what = 'model file'): Uint8Array {
  checkFile(path, what);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw ioError(path, what, e);
  }
}

/** Reads the first `n` bytes of a file (fewer if it is shorter); errors as readBytes. */
export function readHead(path: string, n: number, what = 'model file'): Uint8Array {
  checkFile(path, what);
  const buf = new Uint8Array(n);
  try {
    const fd = openSync(path, 'r');
    try {
      return buf.subarray(0, readSync(fd, buf, 0, n, 0));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw ioError(path, what, e);
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
