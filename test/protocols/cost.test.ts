/**
 * Declared cost equals measured cost, for every protocol of the registry: for every
 * conformance case, the rounds (logical clock advance), the online bytes each party
 * sends and the dealer's bytes measured on the in-memory transport equal the kernel's
 * `cost()`. Kernels with a cached operand run after their mask is opened (mask_s, as a
 * plan's setup does), twice on the same shares.
 *
 * securenn additionally, for every case: dealer bytes are 0 and server2 (the helper)
 * sends exactly the bytes Pond's dealer sends for the same shapes and attributes, all
 * of them correlated randomness, while every other party sends what it sends under Pond.
 */
import { describe, test } from 'node:test';
import { LockstepParties } from '../../runtime/party/lockstep.js';
import { kernelsFor } from '../../runtime/protocols/index.js';
import { pub } from '../../runtime/protocols/types.js';
import { PROTOCOLS } from '../../src/protocols/registry.js';
import { runKernel, shareInputs } from '../support/pond-harness.js';
import { assertCost, assertHelperIsDealer, pondDeclared } from '../support/cost-check.js';
import { testBackend } from '../support/backend.js';
import { CASES } from './cases.js';

const ring = testBackend();

for (const name of PROTOCOLS.keys()) {
  describe(`${name}: measured cost equals declared cost`, () => {
    const kernels = kernelsFor(name);
    for (const c of CASES) {
      test(`${name}: ${c.kernel}: ${c.label}`, async () => {
        const inputs = c.inputs();
        const shapes = inputs.map((i) => i.value.shape);
        const kernel = kernels.get(c.kernel);
        const dep = await LockstepParties.create({ ring, protocol: name });
        const shared = await shareInputs(dep, inputs);
        const first = await runKernel(dep, kernel, shared, c.attrs);
        assertCost(`${name} ${c.kernel} first run`, first.stats, kernel.cost(shapes, c.attrs, { warm: true }));
        const again = await runKernel(dep, kernel, shared, c.attrs);
        assertCost(`${name} ${c.kernel} second run`, again.stats, kernel.cost(shapes, c.attrs, { warm: true }));
        dep.close();
      });
    }

    test(`${name}: share and reveal`, async () => {
      const shape = [3, 5];
      const dep = await LockstepParties.create({ ring, protocol: name });
      const share = kernels.get('share');
      const { stats: s1, results } = await dep.run(async (ctx) =>
        share.run(ctx, [pub(shape, ctx.role === 'model-owner' ? { shape, data: new BigUint64Array(15) } : undefined)], { owner: 'model-owner' }));
      assertCost(`${name} share from model-owner`, s1, share.cost([shape], { owner: 'model-owner' }, { warm: false }));
      const reveal = kernels.get('reveal');
      const { stats: s2 } = await dep.run(async (ctx) => reveal.run(ctx, results.get(ctx.role) ?? [], { to: 'client' }));
      assertCost(`${name} reveal to client`, s2, reveal.cost([shape], { to: 'client' }, { warm: true }));
      dep.close();
    });
  });
}

describe("securenn: Pond's costs with the dealer's material sent by server2 and dealer bytes 0", () => {
  const securenn = kernelsFor('securenn');
  for (const c of CASES) {
    test(`securenn: ${c.kernel}: ${c.label}: server2 sends pond's dealer bytes and nothing else`, async () => {
      const inputs = c.inputs();
      const shapes = inputs.map((i) => i.value.shape);
      const pondCost = pondDeclared(c.kernel, shapes, c.attrs);
      const dep = await LockstepParties.create({ ring, protocol: 'securenn' });
      const shared = await shareInputs(dep, inputs);
      const { stats } = await runKernel(dep, securenn.get(c.kernel), shared, c.attrs);
      assertHelperIsDealer(`securenn ${c.kernel} ${c.label}`, stats, pondCost);
      dep.close();
    });
  }
});
