/**
 * CI-sized fuzz run of peer frames (frame-target.ts): byte streams and mutated frames
 * into the frame decoder, frame sequences from a peer into a router and session
 * endpoint over memory links. Every case yields frames (exactly those sent, when
 * unmutated), the one message expected, or E_TRANSPORT / E_PROTOCOL naming the peer.
 * TFE_FUZZ_RUNS / TFE_FUZZ_SEED override size and seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameTarget } from './frame-target.js';
import { fuzz, fuzzOptions, tallyLine } from './harness.js';

/** Cases in a CI run (well under 1 ms each). */
export const FRAMES_CI_RUNS = 10000;

test('fuzz: peer frames end in frames, the expected message, or a named error naming the peer', async () => {
  const opts = fuzzOptions(FRAMES_CI_RUNS);
  const tally = await fuzz(frameTarget(), opts);
  console.log(tallyLine(tally), tally.byFamily);
  assert.equal(tally.cases, opts.runs);
});
