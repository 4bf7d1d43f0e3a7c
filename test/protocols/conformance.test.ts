/**
 * One conformance suite for every protocol of the registry (src/protocols/registry.ts:
 * Pond, securenn): every kernel, through the runtime's implementation of that protocol
 * (`kernelsFor`) on lockstep parties with that protocol's roles, gives
 * reveal(op(share(x))) equal to the plaintext reference protocol (runtime/protocols/ref),
 * over several shapes, fresh random inputs and fresh seeds, with the tolerance each
 * kernel documents (test/protocols/cases.ts). Also checks, per protocol, that every
 * kernel has cases, so a new kernel cannot skip the suite.
 *
 * Time: each case runs SEEDS times per protocol; the whole file takes about 2 s on
 * the 2-core CI machine (measured), so securenn runs as many seeds as Pond.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { kernelsFor } from '../../runtime/protocols/index.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES } from './cases.js';
import { compare, refRun } from './reference-check.js';

const SEEDS = 2;

/**
 * Kernels with no case of their own: share and reveal run in every case; mask_s runs
 * before every cached case (its output is a uniformly masked value, checked through the
 * products that use it); publish runs in the plan tests (test/party) whenever a plan
 * has public constants.
 */
const IMPLICIT = ['share', 'reveal', 'mask_s', 'publish'];

for (const name of PROTOCOLS.keys()) {
  describe(`${name} conformance against the plaintext reference protocol`, () => {
    const ring = testBackend();
    const kernels = kernelsFor(name);

    test(`${name}: every kernel has conformance cases (share/reveal run in every case)`, () => {
      const covered = new Set([...CASES.map((c) => c.kernel), ...IMPLICIT]);
      assert.deepEqual(kernels.names().filter((n) => !covered.has(n)), []);
      // and every case names a kernel of the protocol (a renamed kernel cannot leave stale cases)
      assert.deepEqual(CASES.filter((c) => !kernels.has(c.kernel)).map((c) => c.kernel), []);
    });

    for (const c of CASES) {
      test(`${name}: ${c.kernel}: ${c.label} [${ring.name}]`, async () => {
        for (let seed = 0; seed < SEEDS; seed++) {
          // fresh parties per seed: fresh pairwise PRG seeds and fresh weight masks
          const dep = await LockstepParties.create({ ring, protocol: name });
          try {
            const inputs = c.inputs();
            const shared = await shareInputs(dep, inputs);
            const { outputs } = await runKernel(dep, kernels.get(c.kernel), shared, c.attrs);
            const got = await revealToClient(dep, outputs);
            const want = await refRun(c, inputs);
            assert.equal(got.length, want.length);
            got.forEach((g, i) => compare(c, g, want[i]));
          } finally {
            dep.close();
          }
        }
      });
    }
  });
}
