/**
 * Where a TF.js weight shard lives: model.json lists its shards by paths relative to
 * the model's folder (tfjs `io` docs: `weightsManifest[].paths`). A path that leaves
 * that folder (`../x`, an absolute path, a symlink-free `a/../../b`) would let a model
 * file read any file the compiler can read, so it is refused (E_FORMAT) naming the
 * model.json and the path. Used by both TF.js frontends (graph and layers models).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { TfeError } from '../../src/errors.js';

/** The absolute path of shard `p` listed in `modelJson` (inside `dir`, the model's folder), or E_FORMAT. */
export function shardPath(dir: string, p: string, modelJson: string): string {
  const bad = (why: string): TfeError => new TfeError('E_FORMAT', `${modelJson}: weight shard path ${JSON.stringify(p)} ${why}`,
    'shard paths in weightsManifest are file names relative to the folder of model.json');
  if (p.length === 0) throw bad('is empty');
  if (p.includes('\0')) throw bad('holds a NUL byte');
  if (isAbsolute(p) || /^[a-zA-Z]:/.test(p) || p.startsWith('\\')) throw bad('is absolute');
  const root = resolve(dir);
  const full = resolve(root, p);
  const rel = relative(root, full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw bad('points outside the model folder');
  return full;
}
