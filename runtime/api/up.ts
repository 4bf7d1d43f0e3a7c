/**
 * `up(compiled | planDir, inputs)`: one prediction on a throwaway loopback deployment in
 * which EVERY role is its own child process (`tfe party ROLE` over TCP + mutual TLS 1.3,
 * runtime/deploy/up.ts, as `tfe up` runs it). The inputs are checked against the plan in
 * this process first (api/inputs.ts: the errors runLocal gives), then written, one JSON
 * file per input role holding only that role's inputs, to a temporary folder with the
 * plan (when a compiled object is given) that is removed afterwards. Resolves to every
 * receiver's outputs, merged, in runLocal's format: the same call as runLocal, as
 * processes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TfeError } from '../../src/errors.js';
import { checkWeights, verifyPlan, type Plan, type Weights } from '../../src/plan/index.js';
import type { FloatTensor } from '../party/prediction-io.js';
import { runUp } from '../deploy/up.js';
import { tensorsByRole } from './inputs.js';
import { loadPlanOnly } from './load-plan.js';
import { checkCompiled } from './run-local.js';
import type { Compiled, RoleInputs, RunOutput, RunOutputs } from './types.js';

export interface UpOptions {
  /** The weights' owner consents to a plan compiled with --public-weights. */
  readonly publicWeights?: boolean;
}

type Nested = number | Nested[];

/** A tensor as nested arrays of its shape (how JSON input files hold it). */
function nested(t: FloatTensor): Nested {
  const build = (dim: number, at: number): Nested => {
    if (dim === t.shape.length) return t.data[at];
    const stride = t.shape.slice(dim + 1).reduce((a, d) => a * d, 1);
    return Array.from({ length: t.shape[dim] }, (_, i) => build(dim + 1, at + i * stride));
  };
  return build(0, 0);
}

/** plan.json, weights.bin and weights.json in `dir`: the layout `tfe compile -o DIR` writes (compiler/plan/write.ts) and party/files.ts reads. */
function writePlanFiles(dir: string, plan: Plan, weights: Weights): void {
  writeFileSync(join(dir, 'plan.json'), `${JSON.stringify(plan)}\n`);
  const d = weights.data;
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  writeFileSync(join(dir, 'weights.json'), `${JSON.stringify(weights.manifest)}\n`);
}

/** Runs one prediction with every role its own process; resolves to every receiver's outputs by name. */
export async function up(compiled: Compiled | string, inputs: RoleInputs, opts: UpOptions = {}): Promise<RunOutputs> {
  let plan: Plan;
  if (typeof compiled === 'string') {
    plan = loadPlanOnly(compiled);
  } else {
    plan = checkCompiled(compiled, 'up');
    verifyPlan(plan);
    checkWeights(plan, compiled.weights);
  }
  const tensors = tensorsByRole(plan, inputs);
  const tmp = mkdtempSync(join(tmpdir(), 'tfe-api-up-'));
  try {
    let planDir: string;
    if (typeof compiled === 'string') {
      planDir = resolve(compiled);
    } else {
      planDir = tmp;
      writePlanFiles(tmp, plan, compiled.weights);
    }
    const inputFiles: Record<string, string> = {};
    for (const [role, t] of Object.entries(tensors)) {
      const file = join(tmp, `input-${Object.keys(inputFiles).length}.json`);
      writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(t).map(([name, x]) => [name, nested(x)]))));
      inputFiles[role] = file;
    }
    const printed = await runUp({ planDir, inputFiles, json: true, ...(opts.publicWeights ? { publicWeights: true } : {}) });
    const out: RunOutputs = {};
    for (const p of printed) {
      const last = p.stdout.trim().split('\n').pop() ?? '';
      let j: { result?: Record<string, RunOutput> };
      try {
        j = JSON.parse(last) as { result?: Record<string, RunOutput> };
      } catch {
        throw new TfeError('E_PROTOCOL', `${p.role}'s process printed no JSON result: ${last.slice(0, 120)}`);
      }
      Object.assign(out, j.result ?? {});
    }
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
