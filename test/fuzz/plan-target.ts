/**
 * Fuzz target (a): mutated plan.json files through the path a party runs before it
 * executes anything: parsePlanText (schema), verifyPlan (id, spec and reveal policy)
 * and checkWeights (weights bound to the plan). Three families of cases:
 *
 *  - `json`: structural mutations of the plan (json-mutation.ts), planId left as is:
 *    the run must refuse unless what it would run is the compiled plan itself (the
 *    parsed plan's digest is the original planId; zod drops unknown keys, so an added
 *    key leaves the plan as run unchanged), else a tampered plan was accepted;
 *  - `rehashed`: the same mutations, then planId recomputed (planDigest) as a careful
 *    attacker would, through parsePlan and verifyPlan only: the deeper rules must
 *    refuse with a named error or accept without crashing;
 *  - `text`: byte mutations of plan.json's text (flips, truncation, splices, zeroed
 *    ranges), through the full path;
 *  - `weights`: structural mutations of weights.json and byte mutations of weights.bin,
 *    read from disk as a party reads them (readWeightsFiles) and checked against the
 *    plan (checkWeights): refused unless the entries and the weights' digest are the
 *    compiled ones (a manifest that lies about an offset, a shape or a scale, or
 *    weights that differ, must not load).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { compile } from '../../compiler/compile.js';
import { writePlanDir } from '../../compiler/plan/write.js';
import { readWeightsFiles } from '../../runtime/party/files.js';
import { zooModelPath } from '../../models/index.js';
import { checkWeights, parsePlan, parsePlanText, planDigest, verifyPlan, weightsDigest, type Plan, type Weights } from '../../src/plan/index.js';
import { byteMutation, FuzzFailure, mutateBytes, type ByteMutation, type FuzzTarget } from './harness.js';
import { jsonMutation, mutateJson, stringsOf, type Json, type JsonMutation } from './json-mutation.js';

export type PlanCase =
  | { readonly family: 'json' | 'rehashed'; readonly muts: readonly JsonMutation[] }
  | { readonly family: 'text'; readonly muts: readonly ByteMutation[] }
  | { readonly family: 'weights'; readonly json: readonly JsonMutation[]; readonly bin: readonly ByteMutation[] };

const EXTRA_STRINGS = ['', 'server0', 'server1', 'dealer', 'client', 'model-owner', 'reveal', 'share', 'secret', 'public', 'private', 'compute', 'input', 'output', 't0', 'x', '../x', 'SERVER0'];

export const planCase: fc.Arbitrary<PlanCase> = fc.oneof(
  fc.record({ family: fc.constant('json' as const), muts: fc.array(jsonMutation, { minLength: 1, maxLength: 4 }) }),
  { arbitrary: fc.record({ family: fc.constant('rehashed' as const), muts: fc.array(jsonMutation, { minLength: 1, maxLength: 4 }) }), weight: 2 },
  fc.record({ family: fc.constant('text' as const), muts: fc.array(byteMutation, { minLength: 1, maxLength: 4 }) }),
  fc.record({ family: fc.constant('weights' as const), json: fc.array(jsonMutation, { maxLength: 3 }), bin: fc.array(byteMutation, { maxLength: 2 }) })
    .filter((c) => c.json.length + c.bin.length > 0),
);

/** Compiles zoo net A once (the plan and weights every case starts from). */
export async function planTarget(): Promise<FuzzTarget<PlanCase>> {
  const { plan, weights } = await compile(zooModelPath('A'), { inputRange: [0, 1] });
  const doc = JSON.parse(JSON.stringify(plan)) as Json;
  const text = new TextEncoder().encode(`${JSON.stringify(plan, null, 1)}\n`);
  const pool = [...stringsOf(doc), ...EXTRA_STRINGS];
  const dir = mkdtempSync(join(tmpdir(), 'tfe-fuzz-plan-'));
  writePlanDir(dir, plan, weights);
  const manifest = JSON.parse(JSON.stringify(weights.manifest)) as Json;
  const wpool = [...stringsOf(manifest), ...EXTRA_STRINGS];
  const bin = new Uint8Array(weights.data.buffer, weights.data.byteOffset, weights.data.byteLength);
  let binChanged = false;
  return {
    name: 'plan',
    arbitrary: planCase,
    label: (c) => c.family,
    run(c) {
      if (c.family !== 'weights') return runPlanCase(c, doc, text, pool, plan, weights);
      writeFileSync(join(dir, 'weights.json'), JSON.stringify(mutateJson(manifest, c.json, wpool)));
      if (c.bin.length > 0 || binChanged) writeFileSync(join(dir, 'weights.bin'), mutateBytes(bin, c.bin));
      binChanged = c.bin.length > 0;
      const w = readWeightsFiles(dir);
      checkWeights(plan, w);
      try {
        assert.deepEqual(w.manifest.entries, weights.manifest.entries);
        assert.equal(weightsDigest(w.data), plan.weightsSha256);
      } catch (e) {
        throw new FuzzFailure(`tampered weights were accepted: ${(e as Error).message}`);
      }
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function runPlanCase(c: Exclude<PlanCase, { family: 'weights' }>, doc: Json, text: Uint8Array, pool: readonly string[], original: Plan, weights: Weights): void {
  if (c.family === 'rehashed') {
    const m = mutateJson(doc, c.muts, pool);
    if (m !== null && typeof m === 'object' && !Array.isArray(m)) (m as Record<string, Json>).planId = planDigest(m);
    verifyPlan(parsePlan(m));
    return;
  }
  const t = c.family === 'text' ? new TextDecoder().decode(mutateBytes(text, c.muts)) : JSON.stringify(mutateJson(doc, c.muts, pool));
  const plan = parsePlanText(t);
  verifyPlan(plan);
  checkWeights(plan, weights);
  // accepted: it must be the compiled plan, not a tampered one
  if (planDigest(plan) !== original.planId || plan.planId !== original.planId) {
    throw new FuzzFailure(`a tampered plan was accepted: its digest ${planDigest(plan)} is not the compiled plan's ${original.planId}`);
  }
}
