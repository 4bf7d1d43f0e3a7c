/**
 * CI-sized fuzz run of plan.json mutations (plan-target.ts): every case is refused with
 * a named error (E_PLAN, E_POLICY) or is the compiled plan itself; rehashed mutations
 * reach the verifier's deeper rules. TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz, fuzzOptions, tallyLine } from './harness.js';
import { planTarget } from './plan-target.js';

/** Cases in a CI run (about 5 ms each). */
export const PLAN_CI_RUNS = 3000;

test('fuzz: mutated plan.json ends in a named error or is the compiled plan', async () => {
  const tally = await fuzz(await planTarget(), fuzzOptions(PLAN_CI_RUNS));
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, fuzzOptions(PLAN_CI_RUNS).runs);
});
