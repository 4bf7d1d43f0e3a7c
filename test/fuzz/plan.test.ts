/**
 * CI-sized fuzz run of plan.json mutations (plan-target.ts): every case is refused with
 * a named error (E_PLAN, E_POLICY) or is the compiled plan itself; rehashed mutations
 * reach the verifier's deeper rules. TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzOptions, tallyLine } from './harness.js';
import { fuzzIsolated } from './isolated.js';
import { FUZZ_TARGETS } from './targets.js';

test('fuzz: mutated plan.json ends in a named error or is the compiled plan', async () => {
  const { ciRuns, timeoutMs } = FUZZ_TARGETS.plan;
  const opts = fuzzOptions(ciRuns, timeoutMs);
  const tally = await fuzzIsolated('plan', opts);
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, opts.runs);
});
