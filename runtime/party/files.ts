/**
 * Reads a compiled model directory: plan.json (public), weights.json (the manifest)
 * and weights.bin (little-endian 64-bit ring words), as `tfe compile -o DIR` writes
 * them. A missing or malformed file is an error naming it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { parsePlanText, parseWeightsManifest, type Plan, type Weights } from '../../src/plan/index.js';

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TfeError('E_IO', `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`,
      code === 'ENOENT' ? 'give the directory written by `tfe compile MODEL -o DIR`' : undefined);
  }
}

export function readPlanFile(dir: string): Plan {
  const path = join(dir, 'plan.json');
  return parsePlanText(read(path, 'the plan').toString('utf8'), path);
}

export function readWeightsFiles(dir: string): Weights {
  const mpath = join(dir, 'weights.json');
  let json: unknown;
  try {
    json = JSON.parse(read(mpath, 'the weights manifest').toString('utf8'));
  } catch (e) {
    if (e instanceof TfeError) throw e;
    throw new TfeError('E_PLAN', `${mpath} is not valid JSON: ${(e as Error).message}`);
  }
  const manifest = parseWeightsManifest(json, mpath);
  const bpath = join(dir, 'weights.bin');
  const raw = read(bpath, 'the weights');
  if (raw.length % 8 !== 0) throw new TfeError('E_PLAN', `${bpath} has ${raw.length} bytes, not a whole number of 64-bit words`);
  const data = new BigUint64Array(raw.length / 8);
  new Uint8Array(data.buffer).set(raw);
  return { manifest, data };
}
