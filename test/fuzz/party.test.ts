/**
 * CI-sized fuzz run of a hostile input-role connection to a live local deployment
 * (party-target.ts): nothing escapes the parties' handlers, and honest predictions on the
 * same deployment still give the reference output. Runs in a watched worker (isolated.ts).
 * TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzOptions, tallyLine } from './harness.js';
import { fuzzIsolated } from './isolated.js';
import { FUZZ_TARGETS } from './targets.js';

test('fuzz: hostile frames from an input-role connection leave a live deployment working', async () => {
  const { ciRuns, timeoutMs } = FUZZ_TARGETS.party;
  const opts = fuzzOptions(ciRuns, timeoutMs);
  const tally = await fuzzIsolated('party', opts);
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, opts.runs);
});
