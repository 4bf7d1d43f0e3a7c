/**
 * CI-sized fuzz run of mutated model files (model-target.ts: a GraphDef, a SavedModel,
 * a Keras .h5 and .keras, TF.js graph and layers models, zoo nets A and D) through
 * `compile`: each case compiles or ends in one named error (E_FORMAT, E_UNSUPPORTED,
 * E_SHAPE, ...). TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzOptions, tallyLine } from './harness.js';
import { fuzzIsolated } from './isolated.js';
import { FUZZ_TARGETS } from './targets.js';

test('fuzz: mutated model files compile or end in a named error', async () => {
  const { ciRuns, timeoutMs } = FUZZ_TARGETS.models;
  const opts = fuzzOptions(ciRuns, timeoutMs);
  const tally = await fuzzIsolated('models', opts);
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, opts.runs);
});
