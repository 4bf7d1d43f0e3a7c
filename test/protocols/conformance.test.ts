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
import { reference } from '../../runtime/protocols/ref/index.js';
import { secret, pub, type Operand, type PartyContext } from '../../runtime/protocols/types.js';
import { jsBackend } from '../../runtime/ring/js.js';
import type { RingTensor } from '../../runtime/ring/tensor.js';
import { revealToClient, runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES, type Case } from './cases.js';

const SEEDS = 2;

async function refRun(c: Case, inputs: ReturnType<Case['inputs']>): Promise<RingTensor[]> {
  const ops: Operand[] = inputs.map((i) => (i.kind === 'secret' ? secret(i.value.shape, i.value) : pub(i.value.shape, i.value)));
  const ctx = { role: 'server0', ring: jsBackend } as unknown as PartyContext;
  const outs = await reference.get(c.kernel).run(ctx, ops, c.attrs);
  return outs.map((o) => (o.kind === 'secret' ? o.share : o.value) as RingTensor);
}

function compare(c: Case, got: RingTensor, want: RingTensor): void {
  assert.deepEqual(got.shape, want.shape, `${c.kernel} ${c.label}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    const g = BigInt.asIntN(64, got.data[i]);
    const w = BigInt.asIntN(64, want.data[i]);
    const d = g - w;
    const ok = c.tol.kind === 'exact' ? d === 0n : c.tol.kind === 'trunc' ? d === 0n || d === 1n : (d < 0n ? -d : d) <= BigInt(c.tol.ulps);
    if (!ok) assert.fail(`${c.kernel} ${c.label}: element ${i}: pond ${g}, reference ${w} (tolerance ${JSON.stringify(c.tol)})`);
  }
}

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
