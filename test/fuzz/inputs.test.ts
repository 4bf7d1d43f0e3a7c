/**
 * CI-sized fuzz run of mutated input files (input-target.ts: .png, .npy, .json) read
 * against a model's input shape: each case is read or ends in one named error (E_FORMAT,
 * E_SHAPE, E_ARG, E_RANGE, ...). TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzOptions, tallyLine } from './harness.js';
import { fuzzIsolated } from './isolated.js';
import { FUZZ_TARGETS } from './targets.js';

test('fuzz: mutated input files are read or end in a named error', async () => {
  const { ciRuns, timeoutMs } = FUZZ_TARGETS.inputs;
  const opts = fuzzOptions(ciRuns, timeoutMs);
  const tally = await fuzzIsolated('inputs', opts);
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, opts.runs);
});
