/** Writes a compiled plan to a directory: plan.json (public), weights.bin and weights.json (the model owner's). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TfeError } from '../../src/errors.js';
import type { Plan } from '../../src/plan/schema.js';
import type { Weights } from '../../src/plan/weights.js';

export function writePlanDir(dir: string, plan: Plan, weights: Weights): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'plan.json'), `${JSON.stringify(plan, null, 1)}\n`);
    const d = weights.data;
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    writeFileSync(join(dir, 'weights.json'), `${JSON.stringify(weights.manifest, null, 1)}\n`);
  } catch (e) {
    throw new TfeError('E_IO', `cannot write the plan to ${dir}: ${(e as Error).message}`);
  }
}
