/**
 * CI-sized fuzz run of peer frames (frame-target.ts): byte streams and mutated frames
 * into the frame decoder, frame sequences from a peer into a router and session
 * endpoint over memory links. Every case yields frames (exactly those sent, when
 * unmutated), the one message expected, or E_TRANSPORT / E_PROTOCOL naming the peer.
 * Runs in a watched worker (isolated.ts), so even a synchronous hang fails the test.
 * TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzOptions, tallyLine } from './harness.js';
import { fuzzIsolated } from './isolated.js';
import { FUZZ_TARGETS } from './targets.js';

test('fuzz: peer frames end in frames, the expected message, or a named error naming the peer', async () => {
  const { ciRuns, timeoutMs } = FUZZ_TARGETS.frames;
  const opts = fuzzOptions(ciRuns, timeoutMs);
  const tally = await fuzzIsolated('frames', opts);
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, opts.runs);
});
