/**
 * Declared cost equals measured cost: for every conformance case, the rounds (logical
 * clock advance), the online bytes each party sends and the dealer's bytes measured
 * on the in-memory transport equal the kernel's `cost()`. Kernels with a cached
 * operand run after their mask is opened (mask_s, as a plan's setup does), twice on the same shares.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LockstepParties, type RunStats } from '../../runtime/party/lockstep.js';
import { pond } from '../../runtime/protocols/pond/index.js';
import type { Cost } from '../../runtime/protocols/types.js';
import { runKernel, shareInputs } from '../support/pond-harness.js';
import { testBackend } from '../support/backend.js';
import { CASES } from './cases.js';

function assertCost(label: string, measured: RunStats, declared: Cost): void {
  assert.equal(measured.rounds, declared.rounds, `${label}: rounds`);
  const roles = new Set([...Object.keys(measured.bytes), ...Object.keys(declared.bytes)]);
  for (const r of roles) {
    const m = measured.bytes[r as keyof typeof measured.bytes] ?? 0;
    const d = declared.bytes[r as keyof typeof declared.bytes] ?? 0;
    assert.equal(m, d, `${label}: bytes sent by ${r}`);
  }
  assert.equal(measured.dealerBytes, declared.dealerBytes, `${label}: dealer bytes`);
}

describe('measured cost equals declared cost', () => {
  const ring = testBackend();
  for (const c of CASES) {
    test(`${c.kernel}: ${c.label}`, async () => {
      const inputs = c.inputs();
      const shapes = inputs.map((i) => i.value.shape);
      const kernel = pond.get(c.kernel);
      const dep = await LockstepParties.create({ ring });
      const shared = await shareInputs(dep, inputs);
      const first = await runKernel(dep, kernel, shared, c.attrs);
      assertCost(`${c.kernel} first run`, first.stats, kernel.cost(shapes, c.attrs, { warm: true }));
      const again = await runKernel(dep, kernel, shared, c.attrs);
      assertCost(`${c.kernel} second run`, again.stats, kernel.cost(shapes, c.attrs, { warm: true }));
    });
  }

  test('share and reveal', async () => {
    const shape = [3, 5];
    const dep = await LockstepParties.create({ ring });
    const { stats: s1 } = await dep.run(async (ctx) =>
      pond.get('share').run(ctx, [{ kind: 'public', shape, value: ctx.role === 'model-owner' ? { shape, data: new BigUint64Array(15) } : undefined }], { owner: 'model-owner' }));
    assertCost('share from model-owner', s1, pond.get('share').cost([shape], { owner: 'model-owner' }, { warm: false }));
  });
});
