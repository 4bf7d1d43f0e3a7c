/**
 * One conformance suite for every Pond kernel: reveal(op(share(x))) against the
 * plaintext reference protocol (runtime/protocols/ref), over several shapes, fresh
 * random inputs and fresh seeds, with the tolerance each kernel documents. Also
 * checks that every Pond kernel has cases, so a new kernel cannot skip the suite.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES } from './cases.js';
import { compare, refRun } from './reference-check.js';

const SEEDS = 2;

describe('pond conformance against the plaintext reference protocol', () => {
  const ring = testBackend();

  test('every pond kernel has conformance cases (share/reveal run in every case)', () => {
    // share and reveal run in every case; mask_s runs before every cached case (its
    // output is a uniformly masked value, checked through the products that use it);
    // publish runs in the plan tests (test/party) whenever a plan has public constants
    const covered = new Set([...CASES.map((c) => c.kernel), 'share', 'reveal', 'mask_s', 'publish']);
    assert.deepEqual(pond.names().filter((n) => !covered.has(n)), []);
  });

  for (const c of CASES) {
    test(`${c.kernel}: ${c.label} [${ring.name}]`, async () => {
      for (let seed = 0; seed < SEEDS; seed++) {
        const inputs = c.inputs();
        const dep = await LockstepParties.create({ ring });
        const shared = await shareInputs(dep, inputs);
        const { outputs } = await runKernel(dep, pond.get(c.kernel), shared, c.attrs);
        const got = await revealToClient(dep, outputs);
        const want = await refRun(c, inputs);
        assert.equal(got.length, want.length);
        got.forEach((g, i) => compare(c, g, want[i]));
      }
    });
  }
});
