/**
 * The identity of a model file or directory that a plan records (`plan.model.file`
 * and `plan.model.sha256`): the base name, and a SHA-256 that changes whenever the
 * model's content does. A file hashes to the SHA-256 of its bytes (what `sha256sum`
 * prints). A directory (a SavedModel, a TF.js model folder) hashes to the SHA-256 of a
 * canonical listing: one line `<sha256 of the file>  <path relative to the directory,
 * '/'-separated>` per regular file, sorted by path (byte order), each ending in '\n'
 * (the format of `sha256sum` over the sorted files), so the hash does not depend on the
 * directory's location, the file system's listing order or timestamps.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';

export interface ModelIdentity {
  /** The model's base name (no directory). */
  readonly file: string;
  readonly sha256: string;
  /** The absolute path (private: for the model owner's weights.json only). */
  readonly absolutePath: string;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

function listFiles(dir: string, prefix: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) listFiles(join(dir, e.name), rel, out);
    else if (e.isFile()) out.push(rel);
  }
}

/** SHA-256 of a model file, or of the canonical listing of a model directory. */
export function modelSha256(path: string): string {
  try {
    if (!statSync(path).isDirectory()) return sha256(readFileSync(path));
    const files: string[] = [];
    listFiles(path, '', files);
    files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return sha256(files.map((f) => `${sha256(readFileSync(join(path, ...f.split('/'))))}  ${f}\n`).join(''));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfeError('E_IO', `cannot read the model ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`);
  }
}

export function modelIdentity(path: string): ModelIdentity {
  const absolutePath = resolve(path);
  return { file: basename(absolutePath), sha256: modelSha256(absolutePath), absolutePath };
}
