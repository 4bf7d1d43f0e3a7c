/**
 * `-o DIR` checked before anything is loaded or compiled, so that a path the compiler
 * cannot write fails at once (E_IO naming the directory) rather than after a long
 * compile. Nothing is created here: DIR must be a writable directory, or not exist yet
 * below a writable directory (writePlanDir creates it). A check, not a guarantee: the
 * write itself still reports its own E_IO (e.g. a full disk).
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // walk up to what exists
    throw new TfeError('E_IO', `-o ${path}: cannot write the plan there (${(e as NodeJS.ErrnoException).code ?? String(e)})`, 'give -o a directory you can write');
  }
}

/** E_IO unless `dir` is (or can be created as) a writable directory. */
export function checkOutDir(dir: string): void {
  const hint = 'give -o a directory you can write (it is created if missing)';
  let p = resolve(dir);
  let st = statOrUndefined(p);
  while (st === undefined && dirname(p) !== p) {
    p = dirname(p);
    st = statOrUndefined(p);
  }
  if (st === undefined) throw new TfeError('E_IO', `-o ${dir}: cannot write the plan there (no existing parent directory)`, hint);
  if (!st.isDirectory()) {
    const what = p === resolve(dir) ? 'it is a file, not a directory' : `${p} is a file, not a directory`;
    throw new TfeError('E_IO', `-o ${dir}: cannot write the plan there (${what})`, hint);
  }
  try {
    accessSync(p, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new TfeError('E_IO', `-o ${dir}: cannot write the plan there (${p === resolve(dir) ? 'the directory' : p} is not writable: ${code})`, hint);
  }
}
