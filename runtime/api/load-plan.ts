/**
 * `loadPlan(dir)`: a compiled plan directory (`tfe compile MODEL -o DIR`, `writePlanDir`)
 * read back and checked as every party checks it before running anything: plan.json
 * against the schema and the plan verifier (its id is the SHA-256 of its content, so an
 * edited plan is refused; the security policy holds), and weights.json + weights.bin
 * against the plan (their plan id, the manifest's layout, each weight's shape and scale,
 * and the SHA-256 the plan binds weights.bin to). Any failure is a TfeError naming the
 * file (E_IO, E_PLAN, E_POLICY).
 */
import { resolve } from 'node:path';
import { checkWeights, verifyPlan, type Plan } from '../../src/plan/index.js';
import { readPlanFile, readWeightsFiles } from '../party/files.js';
import type { Compiled } from './types.js';

/** Reads and verifies `dir`/plan.json alone (what every role but the weights' owner needs). */
export function loadPlanOnly(dir: string): Plan {
  const plan = readPlanFile(resolve(dir));
  verifyPlan(plan);
  return plan;
}

/** Reads and verifies the plan and the weights in `dir`. */
export function loadPlan(dir: string): Compiled {
  const plan = loadPlanOnly(dir);
  const weights = readWeightsFiles(resolve(dir));
  checkWeights(plan, weights);
  return { plan, weights };
}
